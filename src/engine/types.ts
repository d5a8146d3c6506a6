import type { IpFamily, SocketAddr } from '../model/pbx.js';
import type { PlanOptions } from '../plan/planner.js';
import type { ReadyLeg } from '../policy/eligibility.js';
import type { ReasonCode } from '../policy/reasons.js';
import type { PolicyConfig } from '../policy/view.js';

/** Next-hop MAC toward an address; `null` = not known yet (never a guess). */
export interface NextHopLookup {
  lookup(address: string): Promise<string | null>;
}

/** The single address of a family on the offload interface, for wildcard-bound RTP sockets. */
export interface LocalAddressLookup {
  single(family: IpFamily): Promise<string | 'ambiguous' | null>;
}

export interface EngineConfig {
  readonly policy: PolicyConfig;
  readonly plan: Omit<PlanOptions, 'bridgeMac' | 'uplinkPort'>;
  readonly dryRun: boolean;
  /** Local addresses Asterisk advertises, when its sockets are bound to a wildcard. */
  readonly localAddresses: { readonly ipv4: string | null; readonly ipv6: string | null };
  /** Keep flows this long while Asterisk is unreachable, then revert everything. */
  readonly disconnectGraceMs: number;
  /** Full counter audit of all our flows. */
  readonly auditIntervalMs: number;
  /**
   * How often every bridge is listed from Asterisk (one listing), to drop bridges whose
   * hangup was missed; 0 turns it off. @default 30000
   */
  readonly relistIntervalMs?: number;
  /** How often probing bridges' counters are read. */
  readonly probeIntervalMs: number;
  /** No re-offload of a bridge whose media went astray before this long. */
  readonly backoffMs: number;
  /** How long after offload RTCP must show the far side receiving. */
  readonly deliveryGraceMs: number;
  readonly evaluationConcurrency: number;
}

export interface SwitchFacts {
  readonly bridgeMac: string;
  readonly uplinkPort: number;
}

export type BridgeState = 'offloaded' | 'probing' | 'not-offloaded' | 'would-offload';

export interface LegStatus {
  readonly channelId: string;
  readonly channel: string;
  readonly local: SocketAddr | null;
  readonly remote: SocketAddr | null;
  /** Packets/bytes the switch forwarded from this leg's remote. */
  readonly packets: number;
  readonly bytes: number;
  /** Packets Asterisk itself sent on this leg while offloaded (should stay 0). */
  readonly asteriskEgressPackets: number;
}

export interface BridgeStatus {
  readonly bridgeId: string;
  readonly state: BridgeState;
  readonly reason: ReasonCode | null;
  readonly detail: string | null;
  /** When the bridge entered this state: wall-clock epoch milliseconds, for people to read. */
  readonly since: number;
  readonly cookie: string | null;
  readonly technology: string | null;
  readonly members: number;
  readonly legs: readonly LegStatus[];
}

export interface EngineEvents {
  offloaded(bridgeId: string, legs: readonly ReadyLeg[]): void;
  reverted(bridgeId: string, reason: ReasonCode | 'gone', counters: readonly LegStatus[]): void;
}

/** Who listens to each engine event. */
export type EngineListeners = { [K in keyof EngineEvents]: EngineEvents[K][] };

/** Counts for benchmarks and metrics. */
export type EngineCounters = {
  evaluations: number;
  flowAdds: number;
  flowDeletes: number;
  flowFailures: number;
  reverts: number;
  offloads: number;
  /** Directions of offloaded bridges found dead (a phone heard from a port no flow matches). */
  deadDirections: number;
};
