import type { FlowSpec } from '../plan/flow-spec.js';

/** A flow as the switch reports it (FLOW stats), in the core's terms. */
export interface InstalledFlow {
  readonly key: string;
  /** Same string as `flowBody` of the spec that would produce it; `null` if not ours in shape. */
  readonly body: string | null;
  readonly cookie: bigint;
  readonly packets: number;
  readonly bytes: number;
  readonly durationSec: number;
  readonly spec: Omit<FlowSpec, 'owner'> | null;
}

export type FlowRef = Pick<FlowSpec, 'cookie' | 'table' | 'priority' | 'match'>;

export interface ApplyFailure {
  readonly key: string;
  readonly op: 'add' | 'delete';
  /** The switch's error, e.g. `FLOW_MOD_FAILED/TABLE_FULL`. */
  readonly error: string;
}

export interface ApplyOptions {
  /**
   * The call is over or leaving its bridge (a member left): its flows go out in the next
   * batch whatever its size, ahead of paced work, as a late revert sends media to a leg that
   * is gone.
   */
  readonly urgent?: boolean;
}

export interface FlowRemoved {
  readonly key: string | null;
  readonly cookie: bigint;
  readonly reason: 'idle' | 'hard' | 'delete' | 'other';
  readonly packets: number;
  readonly bytes: number;
}

/**
 * What the reconciler needs from a switch. The OpenFlow adapter implements it over the
 * project's OpenFlow client; tests of the pure diff use an in-memory one.
 */
export interface FlowPort {
  /** Flows whose cookie matches `cookie` under `mask`, with counters. */
  dump(cookie: bigint, mask: bigint): Promise<InstalledFlow[]>;
  /** Deletes then adds, pipelined, ending with one barrier. Failures are per flow. */
  apply(adds: readonly FlowSpec[], deletes: readonly FlowRef[], o?: ApplyOptions): Promise<ApplyFailure[]>;
  /** Every flow whose cookie matches under `mask`, in all tables. */
  deleteByCookie(cookie: bigint, mask: bigint): Promise<void>;
  onFlowRemoved(listener: (removed: FlowRemoved) => void): void;
  /**
   * How long after a delete's barrier reply the FLOW_REMOVED of the deleted flows may still
   * come (Open vSwitch sends some a few ms later); 0 or absent: they come before it.
   */
  readonly flowRemovedGraceMs?: number;
  /** Called after every (re)connection to the switch, once it is ready for requests. */
  onReady(listener: () => void): void;
}
