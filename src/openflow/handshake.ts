/**
 * The session setup (OpenFlow 1.3.5 §6.3.1, OVS behaviour in the comments): HELLO with a
 * bitmap naming only 1.3; FEATURES_REQUEST and GET_CONFIG_REQUEST; SET_CONFIG keeping the
 * frag flags as read (they are bridge-wide in OVS) with a non-zero miss_send_len (a `.mgmt`
 * connection otherwise receives no FLOW_REMOVED or PORT_STATUS, ofproto/connmgr.c
 * `ofconn_receives_async_msg`); SET_ASYNC masking PACKET_IN; a BARRIER to learn that all of
 * it was accepted.
 */

import type { Clock, Timer } from './clock.js';
import {
  OFP13_VERSION,
  OFPET_HELLO_FAILED,
  OFPHFC_INCOMPATIBLE,
  OFPPR_ADD,
  OFPPR_DELETE,
  OFPPR_MODIFY,
  OFPRR_DELETE,
  OFPRR_GROUP_DELETE,
  OFPRR_HARD_TIMEOUT,
  OFPRR_IDLE_TIMEOUT,
  OFPT_BARRIER_REPLY,
  OFPT_FEATURES_REPLY,
  OFPT_GET_CONFIG_REPLY,
  decodeFeaturesReply,
  decodeGetConfigReply,
  encodeError,
  encodeFeaturesRequest,
  encodeGetConfigRequest,
  encodeHello,
  encodeSetAsync,
  encodeSetConfig,
  negotiateVersion,
  type FeaturesReply,
  type Hello,
} from './codec/index.js';
import { barrierRequest, expectType, type RequestChannel } from './channel.js';
import { OpenFlowHandshakeError, OpenFlowTimeoutError } from './errors.js';

/** Bitmasks for SET_ASYNC (1.3.5 §7.3.10): element 0 for role EQUAL/MASTER, 1 for SLAVE. */
const PORT_STATUS_ALL = (1 << OFPPR_ADD) | (1 << OFPPR_DELETE) | (1 << OFPPR_MODIFY);
const FLOW_REMOVED_ALL =
  (1 << OFPRR_IDLE_TIMEOUT) | (1 << OFPRR_HARD_TIMEOUT) | (1 << OFPRR_DELETE) | (1 << OFPRR_GROUP_DELETE);

const noop = (): void => undefined;

/** The switch's HELLO, awaited by the handshake and delivered by the message dispatch. */
export class HelloWait {
  private waiter: { resolve: (h: Hello) => void; reject: (e: Error) => void; timer: Timer } | undefined;

  wait(clock: Clock, timeoutMs: number): Promise<Hello> {
    return new Promise<Hello>((resolve, reject) => {
      const timer = clock.setTimeout(
        () => reject(new OpenFlowTimeoutError('HELLO from the switch', timeoutMs)),
        timeoutMs,
      );
      this.waiter = { resolve, reject, timer };
    });
  }

  /** Returns false when no HELLO was awaited (a repeated one is ignored). */
  deliver(hello: () => Hello): boolean {
    const waiter = this.waiter;
    if (!waiter) return false;
    this.waiter = undefined;
    waiter.timer.cancel();
    waiter.resolve(hello());
    return true;
  }

  fail(err: Error): void {
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    waiter.timer.cancel();
    waiter.reject(err);
  }
}

export interface HandshakeContext {
  /** A channel whose timeout is the handshake's. */
  readonly ch: RequestChannel;
  readonly target: string;
  readonly missSendLen: number;
  /** Whether the socket the handshake runs on is still the current one. */
  current(): boolean;
  /** The peer's version was accepted: from now on every message must be 1.3. */
  negotiated(): void;
}

/** Runs the setup after the HELLO arrived; undefined when the socket was replaced meanwhile. */
export async function handshake(
  ctx: HandshakeContext,
  peerHello: Promise<Hello>,
): Promise<FeaturesReply | undefined> {
  const { ch } = ctx;
  ch.send(encodeHello(ch.pending.allocate(), [OFP13_VERSION]));
  const hello = await peerHello;
  if (!ctx.current()) return undefined;
  if (negotiateVersion([OFP13_VERSION], hello) === undefined) {
    // 1.3.5 §6.3.1: tell the peer why before closing.
    ch.send(
      encodeError({
        type: 'ERROR',
        xid: hello.xid,
        errorType: OFPET_HELLO_FAILED,
        errorCode: OFPHFC_INCOMPATIBLE,
        data: Buffer.from('OpenFlow 1.3 required'),
      }),
    );
    throw new OpenFlowHandshakeError(`switch ${ctx.target} does not speak OpenFlow 1.3`);
  }
  ctx.negotiated();

  const fx = ch.pending.allocate(2);
  const features = ch.pending.expect(fx, 'FEATURES_REQUEST', ch.timeoutMs);
  const config = ch.pending.expect(fx + 1, 'GET_CONFIG_REQUEST', ch.timeoutMs);
  features.catch(noop);
  config.catch(noop);
  ch.send(Buffer.concat([encodeFeaturesRequest(fx), encodeGetConfigRequest(fx + 1)]));
  const featuresReply = decodeFeaturesReply(expectType(await features, OFPT_FEATURES_REPLY));
  const current = decodeGetConfigReply(expectType(await config, OFPT_GET_CONFIG_REPLY));
  if (!ctx.current()) return undefined;
  await setUpSession(ctx, current.flags);
  return ctx.current() ? featuresReply : undefined;
}

/** SET_CONFIG and SET_ASYNC, then a barrier: either refused means no session. */
async function setUpSession(ctx: HandshakeContext, fragFlags: number): Promise<void> {
  const { ch } = ctx;
  const sx = ch.pending.allocate(3);
  const range = ch.pending.trackRange(sx, 2);
  try {
    const barrier = ch.pending.expect(sx + 2, 'handshake barrier', ch.timeoutMs);
    ch.send(
      Buffer.concat([
        // Keep the flags as read: the frag mode is bridge-wide, other controllers rely on it.
        encodeSetConfig(sx, { flags: fragFlags, missSendLen: ctx.missSendLen }),
        encodeSetAsync({
          type: 'SET_ASYNC',
          xid: sx + 1,
          packetInMask: [0, 0],
          portStatusMask: [PORT_STATUS_ALL, PORT_STATUS_ALL],
          flowRemovedMask: [FLOW_REMOVED_ALL, 0],
        }),
        barrierRequest(sx + 2),
      ]),
    );
    expectType(await barrier, OFPT_BARRIER_REPLY);
    const refused = [...range.errors.values()][0];
    if (refused)
      throw new OpenFlowHandshakeError(`switch refused the session setup: ${refused.message}`, {
        cause: refused,
      });
  } finally {
    ch.pending.untrackRange(range);
  }
}
