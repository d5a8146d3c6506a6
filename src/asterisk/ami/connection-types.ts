/** The AmiConnection's public shapes: options, status, statistics, the down report. */

import type { BackoffOptions } from '../../time/backoff.js';
import type { AmiLogger } from './logger.js';

/**
 * Longest AMI message read (bytes up to its blank line). Asterisk's largest are list items
 * (EndpointDetail, ~150 headers, a few KiB). At these limits the library parses the largest
 * message let through in about 12 ms (bench/ami-read-path.ts); without them 0.8 MB that
 * never ends cost 10.9 s of reads, up to 2.1 s in one.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 128 * 1024;
/** Most lines in one AMI message; Asterisk's events have well under 200. */
export const DEFAULT_MAX_MESSAGE_LINES = 1024;

export type AmiStatus =
  'idle' | 'connecting' | 'authenticating' | 'ready' | 'reconnecting' | 'stopping' | 'stopped';

/** An action as Asterisk names it: `{ Action: 'Getvar', Channel: …, Variable: … }`. */
export type AmiAction = { readonly Action: string } & Readonly<Record<string, string>>;

export interface AmiQueueOptions {
  /** Requests in flight at once. @default 4 */
  readonly concurrency: number;
  /** Requests started per `intervalMs`. @default 200 */
  readonly intervalCap: number;
  /** @default 1000 */
  readonly intervalMs: number;
}

export interface AmiConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly secret: string;
  /** Sent as `Action: Events` / `EventMask:` right after login. */
  readonly eventMask: string;
  /** Per request; for list actions, the longest wait between two items. */
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** `Ping` period while ready (silent drops, asterisk-manager #18); 0 = off. */
  readonly pingIntervalMs: number;
  readonly reconnect: BackoffOptions;
  readonly queue: AmiQueueOptions;
  /** ActionID prefix; ours are `<prefix><epoch>-<n>`. */
  readonly actionIdPrefix: string;
  readonly logger: AmiLogger;
  readonly random: () => number;
  /** @default DEFAULT_MAX_MESSAGE_BYTES */
  readonly maxMessageBytes?: number;
  /** @default DEFAULT_MAX_MESSAGE_LINES */
  readonly maxMessageLines?: number;
}

export interface AmiConnectionStats {
  readonly requests: number;
  readonly events: number;
  /** Sessions re-established after a loss. */
  readonly reconnects: number;
  readonly timeouts: number;
  /** Estimated bytes of replies and events received. */
  readonly bytesIn: number;
}

export interface AmiDown {
  readonly reason: string;
  /** Whether the session had been ready (a `connected` was reported for it). */
  readonly wasReady: boolean;
}
