/**
 * Options of the ARI source, each with its default in one place (DEFAULT_ARI_OPTIONS), and
 * their normalisation. The password is kept out of enumerable properties so that logging or
 * serialising the options never shows it.
 */

import { DEFAULT_BACKOFF, type BackoffOptions } from '../../time/backoff.js';
import { systemClock } from '../../time/clock.js';
import { silentLogger, type AmiLogger } from '../ami/logger.js';
import type { MalformedInputs } from '../shared/malformed-inputs.js';

export interface AriQueueOptions {
  readonly concurrency: number;
  /** Requests started per interval. */
  readonly intervalCap: number;
  readonly intervalMs: number;
}

export interface AriSourceOptions {
  /** Base URL of Asterisk's HTTP server, without `/ari`. @default 'http://127.0.0.1:8088' */
  readonly url?: string;
  /** ari.conf user (`type = user`); `read_only = no` is needed for setChannelVars/userEvent. */
  readonly username: string;
  /** Never logged; kept non-enumerable. */
  readonly password: string;
  /** Stasis application name of the event socket. @default 'rtp-offload' */
  readonly app?: string;
  /** Source name carried by `connected`/`disconnected`. @default 'ari' */
  readonly name?: string;
  /** Per REST request. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** How long start() waits for the first event socket before rejecting. @default 30000 */
  readonly startTimeoutMs?: number;
  /** WebSocket ping period; a ping unanswered by the next one ends the socket. 0 = off. @default 20000 */
  readonly pingIntervalMs?: number;
  /**
   * How long ari-client may try to reopen a dropped socket by itself before this source
   * discards it and starts a fresh client. ari-client's own limit (10 tries, 100 ms doubling
   * up to 10 s: ~43 s, then WebSocketMaxRetries) cannot be set. @default 45000
   */
  readonly socketRetryMs?: number;
  /** Restart backoff once ari-client gave up (WebSocketMaxRetries) or could not connect. */
  readonly reconnect?: Partial<BackoffOptions>;
  /**
   * Every REST request goes through this queue. Variable reads run on Asterisk's SIP
   * serializer, so the rate matters more than the concurrency.
   * @default { concurrency: 4, intervalCap: 200, intervalMs: 1000 }
   */
  readonly queue?: Partial<AriQueueOptions>;
  /**
   * bridgeTechnologies() asks `GET /bridges/{id}` per bridge up to this many bridges, and one
   * `GET /bridges` above it (a bridge JSON is ~250 bytes, so the listing costs about as much
   * as this many single requests). @default 4
   */
  readonly singleBridgeQueryLimit?: number;
  /** Endpoint facts are reused this long. @default 60000 */
  readonly endpointCacheTtlMs?: number;
  /** @default silent */
  readonly logger?: AmiLogger;
  /** @default Math.random */
  readonly random?: () => number;
  /** Monotonic milliseconds (cache lifetimes, rate limits). @default systemClock.now */
  readonly now?: () => number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Where inputs not understood are counted; @default one of the source's own. */
  readonly malformedInputs?: MalformedInputs;
}

export type ResolvedAriSourceOptions = Required<
  Omit<AriSourceOptions, 'reconnect' | 'queue' | 'password' | 'malformedInputs'>
> & {
  readonly reconnect: BackoffOptions;
  readonly queue: AriQueueOptions;
  readonly password: string;
};

export const DEFAULT_ARI_OPTIONS = Object.freeze({
  url: 'http://127.0.0.1:8088',
  app: 'rtp-offload',
  name: 'ari',
  requestTimeoutMs: 5000,
  startTimeoutMs: 30_000,
  pingIntervalMs: 20_000,
  socketRetryMs: 45_000,
  reconnect: DEFAULT_BACKOFF,
  queue: Object.freeze({ concurrency: 4, intervalCap: 200, intervalMs: 1000 }),
  singleBridgeQueryLimit: 4,
  endpointCacheTtlMs: 60_000,
});

export function resolveAriOptions(options: AriSourceOptions): ResolvedAriSourceOptions {
  const d = DEFAULT_ARI_OPTIONS;
  const resolved = {
    url: (options.url ?? d.url).replace(/\/+$/, ''),
    username: options.username,
    app: options.app ?? d.app,
    name: options.name ?? d.name,
    requestTimeoutMs: options.requestTimeoutMs ?? d.requestTimeoutMs,
    startTimeoutMs: options.startTimeoutMs ?? d.startTimeoutMs,
    pingIntervalMs: options.pingIntervalMs ?? d.pingIntervalMs,
    socketRetryMs: options.socketRetryMs ?? d.socketRetryMs,
    reconnect: { ...d.reconnect, ...options.reconnect },
    queue: { ...d.queue, ...options.queue },
    singleBridgeQueryLimit: options.singleBridgeQueryLimit ?? d.singleBridgeQueryLimit,
    endpointCacheTtlMs: options.endpointCacheTtlMs ?? d.endpointCacheTtlMs,
    logger: options.logger ?? silentLogger,
    random: options.random ?? Math.random,
    now: options.now ?? systemClock.now,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
  };
  Object.defineProperty(resolved, 'password', { value: options.password, enumerable: false });
  return Object.freeze(resolved) as ResolvedAriSourceOptions;
}
