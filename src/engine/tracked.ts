import type { CallModel } from '../model/call-model.js';
import type { SocketAddr } from '../model/pbx.js';
import type { ReasonCode } from '../policy/reasons.js';
import type { DeadDirection } from './dead-directions.js';
import type { BridgeState } from './types.js';

/** What the engine remembers of one bridge between evaluations. Instants are monotonic ms. */
export interface Tracked {
  state: BridgeState;
  reason: ReasonCode | null;
  detail: string | null;
  since: number;
  cookie: bigint | null;
  offloadedAt: number | null;
  /** Egress counters at the last audit, by flow key. */
  egressSeen: Map<string, number>;
  egressStrikes: number;
  /** RTCP reports of each leg when offloaded, by channel id: ssrc → highest sequence. */
  reportsAtOffload: Map<string, Map<number, number>>;
  backoffUntil: number | null;
  /** Why the back-off started, shown with the back-off reason. */
  backoffCause: string | null;
  legs: Map<string, { channel: string; local: SocketAddr | null; remote: SocketAddr | null }>;
  /** Technology re-reads already scheduled since the last decision that was not "technology". */
  techRechecks: number;
  /**
   * Remotes the switch has seen sending (channel id → address:port). Kept while the leg's
   * remote is unchanged, so a switch restart (which loses every counter) does not send the
   * call back through probing.
   */
  confirmed: Map<string, string>;
  /**
   * Counters of each flow when the bridge was offloaded: a probe upgraded in place keeps
   * the packets it counted while Asterisk still relayed, which were not forwarded by us.
   */
  baseline: Map<string, { packets: number; bytes: number }>;
  /** A direction of this offloaded bridge found dead (see DeadDirections), shown as its reason. */
  deadDirection: DeadDirection | null;
}

export type TrackedBridges = Map<string, Tracked>;

/** The record of a bridge, created on first use. */
export function track(tracked: TrackedBridges, bridgeId: string, now: number): Tracked {
  let t = tracked.get(bridgeId);
  if (!t) {
    t = {
      state: 'not-offloaded',
      reason: null,
      detail: null,
      since: now,
      cookie: null,
      offloadedAt: null,
      egressSeen: new Map(),
      egressStrikes: 0,
      reportsAtOffload: new Map(),
      backoffUntil: null,
      backoffCause: null,
      legs: new Map(),
      techRechecks: 0,
      confirmed: new Map(),
      baseline: new Map(),
      deadDirection: null,
    };
    tracked.set(bridgeId, t);
  }
  return t;
}

/** `since` moves only when the state or its reason changes, not with every new detail. */
export function setState(
  t: Tracked,
  state: BridgeState,
  reason: ReasonCode | null,
  detail: string | null,
  now: number,
): void {
  if (t.state !== state || t.reason !== reason) t.since = now;
  t.state = state;
  t.reason = reason;
  t.detail = detail;
}

export function offloadedCount(tracked: TrackedBridges): number {
  let n = 0;
  for (const t of tracked.values()) if (t.state === 'offloaded') n++;
  return n;
}

/** Bridges the model knows and bridges that still own flows or state after the model forgot them. */
export function allBridgeIds(model: CallModel, tracked: TrackedBridges): string[] {
  return [...new Set([...model.bridges.keys(), ...tracked.keys()])];
}
