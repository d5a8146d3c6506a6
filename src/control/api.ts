import type { BridgeStatus } from '../engine/engine.js';

/** What the control API serves; the agent implements it, the HTTP server exposes it. */
export interface AgentStatus {
  readonly version: string;
  readonly startedAt: string;
  readonly dryRun: boolean;
  readonly killSwitch: boolean;
  readonly pbx: {
    readonly source: string;
    readonly status: string;
    readonly requests: number;
    readonly events: number;
    readonly malformed: number;
  };
  readonly switch: { readonly target: string; readonly status: string; readonly installedFlows: number };
  readonly bridges: number;
  readonly offloaded: number;
  readonly probing: number;
  readonly counters: Readonly<Record<string, number>>;
}

export interface AgentControl {
  status(): AgentStatus;
  /** Bridges with their state; `refresh` reads live counters from the switch first. */
  bridges(refresh: boolean): Promise<BridgeStatus[]>;
  explain(bridgeId: string): Promise<BridgeStatus | null>;
  /** Pins a bridge or channel id; returns the bridges affected (empty = unknown id). */
  offload(id: string): Promise<string[]>;
  revert(id: string): Promise<string[]>;
  unpin(id: string): Promise<string[]>;
  /** Reverts every call and stops offloading (`on`), or resumes. */
  setKillSwitch(on: boolean): Promise<void>;
  metrics(): string;
}

/** Error body of every non-2xx answer. */
export interface ApiError {
  readonly error: { readonly code: string; readonly message: string };
}
