/**
 * OFPT_MULTIPART_REQUEST / OFPT_MULTIPART_REPLY framing (OpenFlow 1.3.5 §7.3.5): a 16-byte
 * header (`type u16, flags u16, pad 4`) before the body. A long reply comes in parts with the
 * request's xid, each but the last flagged OFPMPF_REPLY_MORE. OVS fills parts up to 64 KiB and
 * never splits an entry, but the assembler joins the bodies first, so entry boundaries need
 * not align with parts.
 */

import { ProtocolError } from '../errors.js';
import { need } from './bytes.js';
import {
  OFPMP_PORT_DESC,
  OFPMPF_REPLY_MORE,
  OFPT_MULTIPART_REPLY,
  OFPT_MULTIPART_REQUEST,
} from './constants.js';
import { writeHeader } from './header.js';

export const OFP_MULTIPART_HEADER_LEN = 16;

export interface MultipartPart {
  readonly xid: number;
  readonly mpType: number;
  readonly flags: number;
  /** View into the message: copy or consume before the next read. */
  readonly body: Buffer;
}

/** A multipart request or reply of a kind this codec does not name. */
export interface MultipartRaw {
  readonly type: 'MULTIPART_REQUEST' | 'MULTIPART_REPLY';
  readonly xid: number;
  readonly mpType: number;
  readonly flags: number;
  readonly body: Buffer;
}

export interface PortDescRequest {
  readonly type: 'PORT_DESC_REQUEST';
  readonly xid: number;
}

/** Writes the 16-byte multipart header for a message of `length` bytes. */
export function writeMultipartHeader(
  buf: Buffer,
  msgType: number,
  length: number,
  xid: number,
  mpType: number,
  flags: number,
): void {
  writeHeader(buf, 0, msgType, length, xid);
  buf.writeUInt16BE(mpType, 8);
  buf.writeUInt16BE(flags, 10);
  buf.writeUInt32BE(0, 12);
}

export function encodeMultipart(
  msgType: number,
  xid: number,
  mpType: number,
  flags: number,
  body: Buffer,
): Buffer {
  const buf = Buffer.allocUnsafe(OFP_MULTIPART_HEADER_LEN + body.length);
  writeMultipartHeader(buf, msgType, buf.length, xid, mpType, flags);
  body.copy(buf, OFP_MULTIPART_HEADER_LEN);
  return buf;
}

/** PORT_DESC request: no body in OF1.3 (1.3.5 §7.3.5.7). */
export function encodePortDescRequest(xid: number): Buffer {
  return encodeMultipart(OFPT_MULTIPART_REQUEST, xid, OFPMP_PORT_DESC, 0, Buffer.alloc(0));
}

/** Splits a multipart reply (or request) message into its header fields and body. */
export function readMultipart(buf: Buffer): MultipartPart {
  need(buf, 0, OFP_MULTIPART_HEADER_LEN, 'ofp_multipart header');
  return {
    xid: buf.readUInt32BE(4),
    mpType: buf.readUInt16BE(8),
    flags: buf.readUInt16BE(10),
    body: buf.subarray(OFP_MULTIPART_HEADER_LEN),
  };
}

export function encodeMultipartReply(xid: number, mpType: number, flags: number, body: Buffer): Buffer {
  return encodeMultipart(OFPT_MULTIPART_REPLY, xid, mpType, flags, body);
}

/**
 * The most a multipart reply may add up to: a switch that never sends the last part must not
 * grow memory for ever. 20,000 rewrite flows take about 5 MB.
 */
export const MAX_MULTIPART_BYTES = 256 * 1024 * 1024;

/**
 * Joins the parts of one multipart reply. Feed parts in arrival order; `add` returns the
 * whole body once a part without OFPMPF_REPLY_MORE arrives.
 */
export class MultipartAssembler {
  private readonly bodies: Buffer[] = [];
  private length = 0;
  private done = false;

  constructor(
    readonly xid: number,
    readonly mpType: number,
    private readonly maxBytes = MAX_MULTIPART_BYTES,
  ) {}

  add(part: MultipartPart): Buffer | undefined {
    if (this.done) throw new ProtocolError(`multipart reply ${this.xid} continued after its last part`, 0);
    if (part.xid !== this.xid)
      throw new ProtocolError(`multipart part xid ${part.xid} in reply ${this.xid}`, 4);
    if (part.mpType !== this.mpType) {
      throw new ProtocolError(`multipart part type ${part.mpType} in a reply of type ${this.mpType}`, 8);
    }
    if (this.length + part.body.length > this.maxBytes) {
      this.done = true;
      throw new ProtocolError(`multipart reply ${this.xid} exceeds ${this.maxBytes} bytes`, 0);
    }
    // Copy: parts are views into socket reads that will be reused.
    this.bodies.push(Buffer.from(part.body));
    this.length += part.body.length;
    if ((part.flags & OFPMPF_REPLY_MORE) !== 0) return undefined;
    this.done = true;
    return this.bodies.length === 1 ? this.bodies[0] : Buffer.concat(this.bodies, this.length);
  }

  get parts(): number {
    return this.bodies.length;
  }
}
