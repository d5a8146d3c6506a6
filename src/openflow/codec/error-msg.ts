/**
 * OFPT_ERROR (OpenFlow 1.3.5 §7.4.4): `type u16, code u16, data`, where data is (the start
 * of) the refused request and the xid is the request's. Experimenter errors (type 0xffff)
 * carry `exp_code u16, experimenter u32` instead (§7.4.4.1); OVS uses them for ONF bundle
 * errors.
 */

import { need } from './bytes.js';
import { OFP_HEADER_LEN, OFPT_ERROR } from './constants.js';
import { OFPET_EXPERIMENTER } from './error-names.js';
import { writeHeader } from './header.js';

export interface ErrorMsg {
  readonly type: 'ERROR';
  readonly xid: number;
  readonly errorType: number;
  readonly errorCode: number;
  /** Present only for OFPET_EXPERIMENTER. */
  readonly experimenter?: number;
  readonly data: Buffer;
}

export function encodeError(m: ErrorMsg): Buffer {
  const fixed = m.errorType === OFPET_EXPERIMENTER ? 8 : 4;
  const length = OFP_HEADER_LEN + fixed + m.data.length;
  const buf = Buffer.allocUnsafe(length);
  writeHeader(buf, 0, OFPT_ERROR, length, m.xid);
  buf.writeUInt16BE(m.errorType, 8);
  buf.writeUInt16BE(m.errorCode, 10);
  if (m.errorType === OFPET_EXPERIMENTER) buf.writeUInt32BE((m.experimenter ?? 0) >>> 0, 12);
  m.data.copy(buf, OFP_HEADER_LEN + fixed);
  return buf;
}

export function decodeError(buf: Buffer): ErrorMsg {
  need(buf, 0, 12, 'ofp_error_msg');
  const xid = buf.readUInt32BE(4);
  const errorType = buf.readUInt16BE(8);
  const errorCode = buf.readUInt16BE(10);
  if (errorType === OFPET_EXPERIMENTER) {
    need(buf, 0, 16, 'ofp_error_experimenter_msg');
    return {
      type: 'ERROR',
      xid,
      errorType,
      errorCode,
      experimenter: buf.readUInt32BE(12),
      data: buf.subarray(16),
    };
  }
  return { type: 'ERROR', xid, errorType, errorCode, data: buf.subarray(12) };
}
