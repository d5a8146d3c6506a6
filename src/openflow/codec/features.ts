/**
 * OFPT_FEATURES_REQUEST / OFPT_FEATURES_REPLY (OpenFlow 1.3.5 §7.3.1). In 1.3 the reply lists
 * no ports; those come from the PORT_DESC multipart request.
 */

import { need } from './bytes.js';
import { OFP_HEADER_LEN, OFPT_FEATURES_REPLY, OFPT_FEATURES_REQUEST } from './constants.js';
import { encodeHeaderOnly, writeHeader } from './header.js';

export interface FeaturesRequest {
  readonly type: 'FEATURES_REQUEST';
  readonly xid: number;
}

export interface FeaturesReply {
  readonly type: 'FEATURES_REPLY';
  readonly xid: number;
  /** Low 48 bits: the bridge MAC in OVS; the rest implementer-defined. */
  readonly datapathId: bigint;
  readonly nBuffers: number;
  readonly nTables: number;
  readonly auxiliaryId: number;
  /** `ofp_capabilities` bits. */
  readonly capabilities: number;
}

export const OFP_SWITCH_FEATURES_LEN = 32;

export function encodeFeaturesRequest(xid: number): Buffer {
  return encodeHeaderOnly(OFPT_FEATURES_REQUEST, xid);
}

export function encodeFeaturesReply(m: FeaturesReply): Buffer {
  const buf = Buffer.alloc(OFP_SWITCH_FEATURES_LEN);
  writeHeader(buf, 0, OFPT_FEATURES_REPLY, OFP_SWITCH_FEATURES_LEN, m.xid);
  buf.writeBigUInt64BE(m.datapathId, 8);
  buf.writeUInt32BE(m.nBuffers, 16);
  buf[20] = m.nTables;
  buf[21] = m.auxiliaryId;
  buf.writeUInt32BE(m.capabilities >>> 0, 24);
  return buf;
}

export function decodeFeaturesReply(buf: Buffer): FeaturesReply {
  need(buf, 0, OFP_SWITCH_FEATURES_LEN, 'ofp_switch_features');
  return {
    type: 'FEATURES_REPLY',
    xid: buf.readUInt32BE(4),
    datapathId: buf.readBigUInt64BE(OFP_HEADER_LEN),
    nBuffers: buf.readUInt32BE(16),
    nTables: buf[20]!,
    auxiliaryId: buf[21]!,
    capabilities: buf.readUInt32BE(24),
  };
}
