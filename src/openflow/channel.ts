/**
 * What a request needs from the connection: xid bookkeeping, a way to send bytes and a
 * timeout. Requests (queries, batches, the handshake) are functions over a channel, so each
 * can be read, and tested, without the connection's lifecycle around it.
 */

import {
  OFP_HEADER_LEN,
  OFPT_BARRIER_REQUEST,
  OFPT_EXPERIMENTER,
  decodeExperimenter,
  writeHeader,
} from './codec/index.js';
import { ProtocolError, type BatchFailure, type OpenFlowError } from './errors.js';
import type { PendingRequests } from './requests.js';

export interface RequestChannel {
  readonly pending: PendingRequests;
  /** Time allowed for each reply. */
  readonly timeoutMs: number;
  send(buf: Buffer): void;
  /**
   * Undefined when a bulk message may be sent now, else a promise for when the socket has
   * drained (rejected if the connection is lost first). Small messages need not ask.
   */
  room(): Promise<void> | undefined;
}

export function barrierRequest(xid: number): Buffer {
  const buf = Buffer.allocUnsafe(OFP_HEADER_LEN);
  writeHeader(buf, 0, OFPT_BARRIER_REQUEST, OFP_HEADER_LEN, xid);
  return buf;
}

export function expectType(message: Buffer, type: number): Buffer {
  if (message[1] !== type) throw new ProtocolError(`expected message type ${type}, got ${message[1]}`, 1);
  return message;
}

export function expectBundleReply(message: Buffer, bundleType: number): void {
  expectType(message, OFPT_EXPERIMENTER);
  const reply = decodeExperimenter(message);
  if (reply.type !== 'BUNDLE_CONTROL' || reply.bundleType !== bundleType) {
    throw new ProtocolError(`expected bundle control reply type ${bundleType}`, 16);
  }
}

export function failuresOf(errors: ReadonlyMap<number, OpenFlowError>): BatchFailure[] {
  return [...errors].map(([index, error]) => ({ index, error })).sort((a, b) => a.index - b.index);
}
