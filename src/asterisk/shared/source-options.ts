/**
 * The options the AMI and ARI sources have in common, with their defaults in one place and
 * one normalisation; each source adds its own on top (ami/options.ts, ari/options.ts).
 */

import { DEFAULT_BACKOFF, type BackoffOptions } from '../../time/backoff.js';
import { systemClock } from '../../time/clock.js';
import { silentLogger, type AmiLogger } from '../ami/logger.js';
import type { MalformedInputs } from './malformed-inputs.js';

/** The rate limit every request to Asterisk goes through. */
export interface RequestQueueOptions {
  /** Requests in flight at once. @default 4 */
  readonly concurrency: number;
  /** Requests started per `intervalMs`. @default 200 */
  readonly intervalCap: number;
  /** @default 1000 */
  readonly intervalMs: number;
}

export interface CommonSourceOptions {
  /** Source name carried by `connected`/`disconnected`. */
  readonly name?: string;
  /** Per request. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** How long start() waits for the first session before rejecting. @default 30000 */
  readonly startTimeoutMs?: number;
  /** Keepalive period; 0 = off. @default 20000 */
  readonly pingIntervalMs?: number;
  /** Reconnect backoff. @default DEFAULT_BACKOFF */
  readonly reconnect?: Partial<BackoffOptions>;
  /**
   * Every request goes through this queue. Variable reads run on Asterisk's SIP serializer,
   * so the rate matters more than the concurrency.
   * @default { concurrency: 4, intervalCap: 200, intervalMs: 1000 }
   */
  readonly queue?: Partial<RequestQueueOptions>;
  /** Endpoint facts are reused this long. @default 60000 */
  readonly endpointCacheTtlMs?: number;
  /** @default silent */
  readonly logger?: AmiLogger;
  /** @default Math.random */
  readonly random?: () => number;
  /** Monotonic milliseconds (cache lifetimes, rate limits). @default systemClock.now */
  readonly now?: () => number;
  /** Where inputs not understood are counted; @default one of the source's own. */
  readonly malformedInputs?: MalformedInputs;
}

export interface ResolvedCommonOptions {
  readonly name: string;
  readonly requestTimeoutMs: number;
  readonly startTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly reconnect: BackoffOptions;
  readonly queue: RequestQueueOptions;
  readonly endpointCacheTtlMs: number;
  readonly logger: AmiLogger;
  readonly random: () => number;
  readonly now: () => number;
}

export const DEFAULT_COMMON_OPTIONS = Object.freeze({
  requestTimeoutMs: 5000,
  startTimeoutMs: 30_000,
  pingIntervalMs: 20_000,
  reconnect: DEFAULT_BACKOFF,
  queue: Object.freeze({ concurrency: 4, intervalCap: 200, intervalMs: 1000 }),
  endpointCacheTtlMs: 60_000,
});

export function resolveCommonOptions(
  options: CommonSourceOptions,
  defaultName: string,
): ResolvedCommonOptions {
  const d = DEFAULT_COMMON_OPTIONS;
  return {
    name: options.name ?? defaultName,
    requestTimeoutMs: options.requestTimeoutMs ?? d.requestTimeoutMs,
    startTimeoutMs: options.startTimeoutMs ?? d.startTimeoutMs,
    pingIntervalMs: options.pingIntervalMs ?? d.pingIntervalMs,
    reconnect: { ...d.reconnect, ...options.reconnect },
    queue: { ...d.queue, ...options.queue },
    endpointCacheTtlMs: options.endpointCacheTtlMs ?? d.endpointCacheTtlMs,
    logger: options.logger ?? silentLogger,
    random: options.random ?? Math.random,
    now: options.now ?? systemClock.now,
  };
}

/** Freezes the resolved options with the secret present but not enumerable (never logged). */
export function withHiddenSecret<T extends object>(resolved: T, key: string, secret: string): T {
  Object.defineProperty(resolved, key, { value: secret, enumerable: false });
  return Object.freeze(resolved);
}
