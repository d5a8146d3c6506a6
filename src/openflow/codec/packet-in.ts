/**
 * OFPT_PACKET_IN (OpenFlow 1.3.5 §7.4.1). This client never asks for packets (SET_ASYNC masks
 * them), but a flow of another controller sending to CONTROLLER could still produce some
 * before the mask applies; they are decoded only far enough to be counted and dropped.
 */

import { need } from './bytes.js';

export interface PacketIn {
  readonly type: 'PACKET_IN';
  readonly xid: number;
  readonly bufferId: number;
  readonly totalLen: number;
  /** `ofp_packet_in_reason`: 0 no match, 1 action, 2 invalid TTL. */
  readonly reason: number;
  readonly tableId: number;
  readonly cookie: bigint;
  /** Bytes of the message after the fixed header (match, pad, frame). */
  readonly restLength: number;
}

const PACKET_IN_FIXED = 24;

export function decodePacketInHeader(buf: Buffer): PacketIn {
  need(buf, 0, PACKET_IN_FIXED, 'ofp_packet_in');
  return {
    type: 'PACKET_IN',
    xid: buf.readUInt32BE(4),
    bufferId: buf.readUInt32BE(8),
    totalLen: buf.readUInt16BE(12),
    reason: buf[14]!,
    tableId: buf[15]!,
    cookie: buf.readBigUInt64BE(16),
    restLength: buf.length - PACKET_IN_FIXED,
  };
}
