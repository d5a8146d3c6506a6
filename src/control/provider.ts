import type { AgentStatus } from './api.js';

/**
 * What the control server needs from the agent. The bridge view is the engine's own status
 * shape (wall-clock epoch ms in `since`), described here structurally so this layer follows
 * the engine's fields without importing it; the server maps it onto the API's DTOs.
 */
export interface BridgeView {
  readonly bridgeId: string;
  readonly state: 'offloaded' | 'probing' | 'not-offloaded' | 'would-offload';
  readonly reason: string | null;
  readonly detail: string | null;
  /** Wall-clock epoch ms; 0 when never decided. */
  readonly since: number;
  readonly cookie: string | null;
  readonly technology: string | null;
  readonly members: number;
  readonly legs: readonly {
    readonly channelId: string;
    readonly channel: string;
    readonly local: { readonly address: string; readonly port: number; readonly family: 4 | 6 } | null;
    readonly remote: { readonly address: string; readonly port: number; readonly family: 4 | 6 } | null;
    readonly packets: number;
    readonly bytes: number;
    readonly asteriskEgressPackets: number;
  }[];
}

export interface AgentControl {
  status(): AgentStatus;
  /** Bridges with their state; `refresh` reads live counters from the switch first. */
  bridges(refresh: boolean): Promise<readonly BridgeView[]>;
  explain(bridgeId: string): Promise<BridgeView | null>;
  /** Pins a bridge or channel id; returns the bridges affected (empty = unknown id). */
  offload(id: string): Promise<string[]>;
  revert(id: string): Promise<string[]>;
  unpin(id: string): Promise<string[]>;
  /** Reverts every call and stops offloading (`on`), or resumes. */
  setKillSwitch(on: boolean): Promise<void>;
  metrics(): string;
}
