/**
 * OFPT_BARRIER_REQUEST / OFPT_BARRIER_REPLY (OpenFlow 1.3.5 §7.3.8), header only. OVS handles
 * a connection's messages in order and each flow mod synchronously, so the reply means every
 * earlier message was applied or already answered with an ERROR (ofproto/ofproto.c
 * `handle_barrier_request`). Flow mods have no success reply: pipeline them, end with a
 * barrier, and map ERRORs to their xids.
 */

import { OFPT_BARRIER_REPLY, OFPT_BARRIER_REQUEST } from './constants.js';
import { encodeHeaderOnly } from './header.js';

export interface BarrierRequest {
  readonly type: 'BARRIER_REQUEST';
  readonly xid: number;
}

export interface BarrierReply {
  readonly type: 'BARRIER_REPLY';
  readonly xid: number;
}

export function encodeBarrierRequest(xid: number): Buffer {
  return encodeHeaderOnly(OFPT_BARRIER_REQUEST, xid);
}

export function encodeBarrierReply(xid: number): Buffer {
  return encodeHeaderOnly(OFPT_BARRIER_REPLY, xid);
}
