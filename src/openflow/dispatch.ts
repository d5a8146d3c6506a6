/**
 * What to do with one framed message from the switch: answer echoes, hand HELLO to the
 * handshake, replies and ERRORs to the requests waiting for them, and async messages to the
 * connection's listeners.
 */

import {
  OFP13_VERSION,
  OFPT_ECHO_REPLY,
  OFPT_ECHO_REQUEST,
  OFPT_ERROR,
  OFPT_FLOW_REMOVED,
  OFPT_HELLO,
  OFPT_PACKET_IN,
  OFPT_PORT_STATUS,
  decodeError,
  decodeFlowRemoved,
  decodeHello,
  decodePortStatus,
  echoReplyFor,
} from './codec/index.js';
import type { EmitEvent, HasListeners, OpenFlowLogger } from './connection-types.js';
import { OpenFlowError, ProtocolError } from './errors.js';
import type { HelloWait } from './handshake.js';
import type { PendingRequests } from './requests.js';

export interface DispatchCounters {
  packetInDrained: number;
  unsolicitedErrors: number;
}

export interface DispatchContext {
  readonly target: string;
  readonly log: OpenFlowLogger;
  readonly pending: PendingRequests;
  readonly hello: HelloWait;
  readonly counters: DispatchCounters;
  readonly emit: EmitEvent;
  readonly heard: HasListeners;
  /** Whether the version was agreed (then every message but HELLO and ERROR must be 1.3). */
  negotiated(): boolean;
  send(buf: Buffer): void;
  /** The stream cannot go on: drop the connection. */
  drop(err: Error): void;
}

/** Handles one framed message. Never throws: the framer's loop must go on. */
export function dispatchMessage(ctx: DispatchContext, message: Buffer): void {
  const type = message[1]!;
  const xid = message.readUInt32BE(4);
  if (ctx.negotiated() && message[0] !== OFP13_VERSION && type !== OFPT_HELLO && type !== OFPT_ERROR) {
    ctx.drop(new ProtocolError(`message of version ${message[0]} on a 1.3 connection`, 0));
    return;
  }
  try {
    switch (type) {
      case OFPT_HELLO:
        ctx.hello.deliver(() => decodeHello(message));
        return;
      case OFPT_ECHO_REQUEST:
        ctx.send(echoReplyFor(message));
        return;
      case OFPT_ERROR:
        onErrorMessage(ctx, message);
        return;
      case OFPT_FLOW_REMOVED:
        // Deleting 20,000 flows brings 20,000 of these before the barrier's reply.
        if (ctx.heard('flowRemoved')) ctx.emit('flowRemoved', decodeFlowRemoved(message));
        return;
      case OFPT_PORT_STATUS:
        ctx.emit('portStatus', decodePortStatus(message));
        return;
      case OFPT_PACKET_IN:
        // SET_ASYNC masks these; any that arrive before it applies are dropped unread.
        if (ctx.counters.packetInDrained++ === 0) ctx.log.debug(`openflow ${ctx.target}: dropping PACKET_IN`);
        return;
    }
    if (!ctx.pending.resolve(xid, message) && type !== OFPT_ECHO_REPLY) {
      ctx.log.debug(`openflow ${ctx.target}: unexpected message type ${type} xid ${xid}`);
    }
  } catch (err) {
    // A malformed message fails its own request, if any; the stream itself is still framed.
    const error = err instanceof Error ? err : new Error(String(err));
    if (ctx.pending.reject(xid, error)) return;
    ctx.log.warn(`openflow ${ctx.target}: bad message type ${type} xid ${xid}: ${error.message}`);
  }
}

function onErrorMessage(ctx: DispatchContext, message: Buffer): void {
  const e = decodeError(message);
  const error = new OpenFlowError({
    errorType: e.errorType,
    errorCode: e.errorCode,
    experimenter: e.experimenter,
    xid: e.xid,
    // A copy: the message is a view into a socket read.
    data: Buffer.from(e.data),
  });
  if (ctx.pending.reject(e.xid, error)) return;
  if (ctx.pending.recordRangeError(error)) return;
  ctx.counters.unsolicitedErrors++;
  ctx.log.warn(`openflow ${ctx.target}: unsolicited ${error.message}`);
}
