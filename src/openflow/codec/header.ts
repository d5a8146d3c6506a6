/**
 * `ofp_header` (OpenFlow 1.3.5 §7.1): version u8, type u8, length u16 (the whole message,
 * header included), xid u32. Replies copy the request's xid.
 */

import { ProtocolError } from '../errors.js';
import { OFP13_VERSION, OFP_HEADER_LEN } from './constants.js';

export interface OfpHeader {
  readonly version: number;
  readonly type: number;
  readonly length: number;
  readonly xid: number;
}

/** Writes an OF1.3 header at `off`. */
export function writeHeader(buf: Buffer, off: number, type: number, length: number, xid: number): void {
  buf[off] = OFP13_VERSION;
  buf[off + 1] = type;
  buf.writeUInt16BE(length, off + 2);
  buf.writeUInt32BE(xid >>> 0, off + 4);
}

/** Reads the header at the start of `buf` and checks that `length` matches the buffer. */
export function readHeader(buf: Buffer): OfpHeader {
  if (buf.length < OFP_HEADER_LEN) throw new ProtocolError('message shorter than ofp_header', buf.length);
  const length = buf.readUInt16BE(2);
  if (length !== buf.length) throw new ProtocolError(`header length ${length} but ${buf.length} bytes`, 2);
  return { version: buf[0]!, type: buf[1]!, length, xid: buf.readUInt32BE(4) };
}

/** A message consisting of just a header (FEATURES_REQUEST, BARRIER_*, GET_CONFIG_REQUEST). */
export function encodeHeaderOnly(type: number, xid: number): Buffer {
  const buf = Buffer.alloc(OFP_HEADER_LEN);
  writeHeader(buf, 0, type, OFP_HEADER_LEN, xid);
  return buf;
}
