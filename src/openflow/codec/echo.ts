/**
 * OFPT_ECHO_REQUEST / OFPT_ECHO_REPLY (OpenFlow 1.3.5 §7.5.3): arbitrary data, which the reply
 * copies along with the xid. OVS probes an idle `.mgmt` connection with an empty request
 * after 60 s and drops it if unanswered 60 s later.
 */

import { OFP_HEADER_LEN, OFPT_ECHO_REPLY, OFPT_ECHO_REQUEST } from './constants.js';
import { writeHeader } from './header.js';

export interface EchoRequest {
  readonly type: 'ECHO_REQUEST';
  readonly xid: number;
  readonly data: Buffer;
}

export interface EchoReply {
  readonly type: 'ECHO_REPLY';
  readonly xid: number;
  readonly data: Buffer;
}

function encodeEcho(type: number, xid: number, data: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(OFP_HEADER_LEN + data.length);
  writeHeader(buf, 0, type, buf.length, xid);
  data.copy(buf, OFP_HEADER_LEN);
  return buf;
}

export function encodeEchoRequest(xid: number, data: Buffer = Buffer.alloc(0)): Buffer {
  return encodeEcho(OFPT_ECHO_REQUEST, xid, data);
}

export function encodeEchoReply(xid: number, data: Buffer = Buffer.alloc(0)): Buffer {
  return encodeEcho(OFPT_ECHO_REPLY, xid, data);
}

/** The reply to a switch's ECHO_REQUEST: same xid, same data, type changed. */
export function echoReplyFor(request: Buffer): Buffer {
  const reply = Buffer.from(request);
  reply[1] = OFPT_ECHO_REPLY;
  return reply;
}

export function decodeEchoRequest(buf: Buffer): EchoRequest {
  return { type: 'ECHO_REQUEST', xid: buf.readUInt32BE(4), data: buf.subarray(OFP_HEADER_LEN) };
}

export function decodeEchoReply(buf: Buffer): EchoReply {
  return { type: 'ECHO_REPLY', xid: buf.readUInt32BE(4), data: buf.subarray(OFP_HEADER_LEN) };
}
