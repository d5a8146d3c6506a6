/**
 * Options of the AMI source, each with its default in one place (DEFAULT_AMI_OPTIONS), and
 * their normalisation. The secret is kept out of enumerable properties so that logging or
 * serialising the options never shows it.
 */

import { DEFAULT_BACKOFF, type BackoffOptions } from '../../time/backoff.js';
import { systemClock } from '../../time/clock.js';
import type { AmiQueueOptions } from './connection.js';
import { silentLogger, type AmiLogger } from './logger.js';
import type { MalformedInputs } from '../shared/malformed-inputs.js';

export interface AmiSourceOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 5038 */
  readonly port?: number;
  /** manager.conf user; needs read=system,call,dialplan,reporting and write=system,call,reporting,user. */
  readonly username: string;
  /** Never logged; kept non-enumerable. */
  readonly secret: string;
  /** Source name carried by `connected`/`disconnected`. @default 'ami' */
  readonly name?: string;
  /**
   * Event classes for `Action: Events`: call (bridges, hold, MOH, MixMonitor, transfers,
   * Local optimisation, Hangup), dialplan (VarSet BRIDGEPEER, the media path hint),
   * reporting (RTCPSent/RTCPReceived), system (FullyBooted, Shutdown).
   * @default 'system,call,dialplan,reporting'
   */
  readonly eventMask?: string;
  /** Per request, and between two items of a list reply. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** @default 5000 */
  readonly connectTimeoutMs?: number;
  /** How long start() waits for the first session before rejecting. @default 30000 */
  readonly startTimeoutMs?: number;
  /** Keepalive `Ping` period; 0 = off. @default 20000 */
  readonly pingIntervalMs?: number;
  /** Reconnect backoff. @default { initialDelayMs: 500, maxDelayMs: 30000, factor: 2, jitter: 0.5 } */
  readonly reconnect?: Partial<BackoffOptions>;
  /**
   * Every request goes through this queue. Getvar runs on Asterisk's SIP serializer, so the
   * rate matters more than the concurrency. @default { concurrency: 4, intervalCap: 200, intervalMs: 1000 }
   */
  readonly queue?: Partial<AmiQueueOptions>;
  /** Endpoint facts (PJSIPShowEndpoint / SIPshowpeer) are reused this long. @default 60000 */
  readonly endpointCacheTtlMs?: number;
  /** Least time between two technology queries; requests in between are coalesced. @default 50 */
  readonly technologyMinIntervalMs?: number;
  /** ActionID prefix, to tell our replies from other clients' in logs. @default 'rtpo-' */
  readonly actionIdPrefix?: string;
  /** @default silent */
  readonly logger?: AmiLogger;
  /** @default Math.random */
  readonly random?: () => number;
  /** Monotonic milliseconds (cache lifetimes, rate limits). @default systemClock.now */
  readonly now?: () => number;
  /** Where inputs not understood are counted; @default one of the source's own. */
  readonly malformedInputs?: MalformedInputs;
}

export type ResolvedAmiSourceOptions = Required<
  Omit<AmiSourceOptions, 'reconnect' | 'queue' | 'malformedInputs'>
> & {
  readonly reconnect: BackoffOptions;
  readonly queue: AmiQueueOptions;
};

export const DEFAULT_AMI_OPTIONS = Object.freeze({
  host: '127.0.0.1',
  port: 5038,
  name: 'ami',
  eventMask: 'system,call,dialplan,reporting',
  requestTimeoutMs: 5000,
  connectTimeoutMs: 5000,
  startTimeoutMs: 30_000,
  pingIntervalMs: 20_000,
  reconnect: DEFAULT_BACKOFF,
  queue: Object.freeze({ concurrency: 4, intervalCap: 200, intervalMs: 1000 }),
  endpointCacheTtlMs: 60_000,
  technologyMinIntervalMs: 50,
  actionIdPrefix: 'rtpo-',
});

export function resolveAmiOptions(options: AmiSourceOptions): ResolvedAmiSourceOptions {
  const d = DEFAULT_AMI_OPTIONS;
  const resolved = {
    host: options.host ?? d.host,
    port: options.port ?? d.port,
    username: options.username,
    name: options.name ?? d.name,
    eventMask: options.eventMask ?? d.eventMask,
    requestTimeoutMs: options.requestTimeoutMs ?? d.requestTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? d.connectTimeoutMs,
    startTimeoutMs: options.startTimeoutMs ?? d.startTimeoutMs,
    pingIntervalMs: options.pingIntervalMs ?? d.pingIntervalMs,
    reconnect: { ...d.reconnect, ...options.reconnect },
    queue: { ...d.queue, ...options.queue },
    endpointCacheTtlMs: options.endpointCacheTtlMs ?? d.endpointCacheTtlMs,
    technologyMinIntervalMs: options.technologyMinIntervalMs ?? d.technologyMinIntervalMs,
    actionIdPrefix: options.actionIdPrefix ?? d.actionIdPrefix,
    logger: options.logger ?? silentLogger,
    random: options.random ?? Math.random,
    now: options.now ?? systemClock.now,
  };
  Object.defineProperty(resolved, 'secret', { value: options.secret, enumerable: false });
  return Object.freeze(resolved) as ResolvedAmiSourceOptions;
}
