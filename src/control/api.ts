/**
 * The control API's wire types: plain JSON, owned here so the CLI (and any script) depends
 * on this file alone, never on the engine. Times are ISO 8601 strings, everywhere.
 */

export interface SocketAddrDto {
  /** Canonical text: dotted IPv4, or compressed lower-case IPv6 without brackets. */
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

export type BridgeStateDto = 'offloaded' | 'probing' | 'not-offloaded' | 'would-offload';

export interface LegDto {
  readonly channelId: string;
  readonly channel: string;
  readonly local: SocketAddrDto | null;
  readonly remote: SocketAddrDto | null;
  /** Packets/bytes the switch forwarded from this leg's remote (counters of the last read). */
  readonly packets: number;
  readonly bytes: number;
  /** Packets Asterisk itself sent on this leg while offloaded (should stay 0). */
  readonly asteriskEgressPackets: number;
}

export interface BridgeDto {
  readonly bridgeId: string;
  readonly state: BridgeStateDto;
  /** Reason code when not offloaded (see docs/operation.md), else null. */
  readonly reason: string | null;
  readonly detail: string | null;
  /** When the bridge entered its current state (ISO 8601), null when never decided. */
  readonly since: string | null;
  readonly cookie: string | null;
  readonly technology: string | null;
  readonly members: number;
  readonly legs: readonly LegDto[];
}

/** `GET /v1/status`. */
export interface AgentStatus {
  readonly version: string;
  /** ISO 8601. */
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
  /**
   * Each dependency on its own: `starting` (never up yet), `up` or `down`, since when (ISO
   * 8601), and why when not up. Older agents do not send it.
   */
  readonly dependencies?: {
    readonly switch: DependencyDto;
    readonly asterisk: DependencyDto;
  };
}

export interface DependencyDto {
  readonly status: 'starting' | 'up' | 'down';
  readonly since: string;
  readonly detail?: string;
}

/** `POST /v1/offload|revert|unpin`: the bridges the id named. */
export interface PinResult {
  readonly bridges: readonly string[];
}

/** `POST /v1/kill-switch`. */
export interface KillSwitchResult {
  readonly killSwitch: boolean;
}

/** Error body of every non-2xx answer; `code` is stable, `message` is for people. */
export interface ApiError {
  readonly error: { readonly code: string; readonly message: string };
}
