/** The public shapes of `OpenFlowConnection`: options, events, outcomes and counters. */

import type { BackoffPolicy } from './backoff.js';
import type { Clock } from './clock.js';
import type { FlowRemoved, Match, PortStatus } from './codec/index.js';
import type { OpenFlowError } from './errors.js';
import type { TransportSocket } from './transport.js';

export type ConnectionStatus = 'idle' | 'connecting' | 'handshaking' | 'ready' | 'reconnecting' | 'closed';

export interface OpenFlowLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export const silentLogger: OpenFlowLogger = { debug() {}, info() {}, warn() {} };

export interface OpenFlowConnectionOptions {
  /** `unix:/run/openvswitch/breth0.mgmt` or `tcp:host:port`. */
  readonly target: string;
  /** Opens the transport; defaults to a unix or TCP socket chosen from `target`. */
  readonly connect?: (target: string) => TransportSocket;
  readonly clock?: Clock;
  /** Jitter source for backoff, [0, 1). */
  readonly random?: () => number;
  readonly logger?: OpenFlowLogger;
  /** Silence before we send an ECHO_REQUEST. @default 5000 */
  readonly echoIntervalMs?: number;
  /** Silence after which the switch is declared dead and the connection dropped. @default 15000 */
  readonly deadAfterMs?: number;
  /** Time allowed for any request's reply. @default 30000 */
  readonly requestTimeoutMs?: number;
  /** Time allowed for each handshake step (HELLO, features and config, setup barrier). @default 10000 */
  readonly handshakeTimeoutMs?: number;
  /** Reconnect policy, or `false` to end in `closed` when the connection is lost. */
  readonly reconnect?: BackoffPolicy | false;
  /** miss_send_len for SET_CONFIG; must be non-zero for async messages on `.mgmt`. @default 128 */
  readonly missSendLen?: number;
  /**
   * Bytes that may wait for the socket to drain before the switch counts as not reading and
   * the connection is dropped. @default 64 MiB
   */
  readonly maxQueuedBytes?: number;
}

export type FlowModOutcome = { readonly ok: true } | { readonly ok: false; readonly error: OpenFlowError };

/** Which flows a delete removes: all tables unless `tableId` says otherwise. */
export interface DeleteFlowsFilter {
  readonly cookie?: bigint;
  /** Only flows with `(flow.cookie & mask) == (cookie & mask)`; 0 = any. */
  readonly cookieMask?: bigint;
  readonly tableId?: number;
  /** Flows at least as specific as this match (exactly this match with `strict`). */
  readonly match?: Match;
  readonly outPort?: number;
  readonly outGroup?: number;
  /** DELETE_STRICT: exact match and priority. */
  readonly strict?: boolean;
  readonly priority?: number;
  /**
   * A delete with neither a cookie mask nor a match removes every flow on the bridge, the
   * default NORMAL flow (and so the host's own traffic) included; it is refused unless this
   * says it is meant.
   */
  readonly unfiltered?: boolean;
}

export interface ReconnectInfo {
  readonly epoch: number;
  /** From losing the ready connection to being ready again. */
  readonly downtimeMs: number;
  /** Attempts it took. */
  readonly attempts: number;
}

export interface OpenFlowConnectionEvents {
  /** Every status change; `setStatus` also logs it as `from -> to`. */
  status: [to: ConnectionStatus, from: ConnectionStatus];
  /** Ready again after a loss. Flows may be gone (a restarted vswitchd keeps none): resync. */
  reconnected: [info: ReconnectInfo];
  flowRemoved: [message: FlowRemoved];
  portStatus: [message: PortStatus];
}

export interface ConnectionCounters {
  /** Connections made ready, the first included. */
  readonly readyCount: number;
  readonly packetInDrained: number;
  /** ERRORs whose xid matched nothing outstanding. */
  readonly unsolicitedErrors: number;
}

/** Whether anyone listens for an event (an unheard FLOW_REMOVED is not decoded). */
export type HasListeners = (event: keyof OpenFlowConnectionEvents) => boolean;

/** Where the connection's parts report events; the connection forwards them to its listeners. */
export type EmitEvent = <K extends keyof OpenFlowConnectionEvents>(
  event: K,
  ...args: OpenFlowConnectionEvents[K]
) => void;
