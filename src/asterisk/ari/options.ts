/**
 * Options of the ARI source: those every source has (shared/source-options.ts) and the
 * ARI-only ones, each with its default in one place (DEFAULT_ARI_OPTIONS). The password is
 * kept out of enumerable properties so that logging or serialising the options never shows it.
 */

import {
  DEFAULT_COMMON_OPTIONS,
  resolveCommonOptions,
  withHiddenSecret,
  type CommonSourceOptions,
  type RequestQueueOptions,
  type ResolvedCommonOptions,
} from '../shared/source-options.js';

export type AriQueueOptions = RequestQueueOptions;

export interface AriSourceOptions extends CommonSourceOptions {
  /** Base URL of Asterisk's HTTP server, without `/ari`. @default 'http://127.0.0.1:8088' */
  readonly url?: string;
  /** ari.conf user (`type = user`); `read_only = no` is needed for setChannelVars/userEvent. */
  readonly username: string;
  /** Never logged; kept non-enumerable. */
  readonly password: string;
  /** Stasis application name of the event socket. @default 'rtp-offload' */
  readonly app?: string;
  /**
   * How long ari-client may try to reopen a dropped socket by itself before this source
   * discards it and starts a fresh client. ari-client's own limit (10 tries, 100 ms doubling
   * up to 10 s: ~43 s, then WebSocketMaxRetries) cannot be set. @default 45000
   */
  readonly socketRetryMs?: number;
  /**
   * bridgeTechnologies() asks `GET /bridges/{id}` per bridge up to this many bridges, and one
   * `GET /bridges` above it (a bridge JSON is ~250 bytes, so the listing costs about as much
   * as this many single requests). @default 4
   */
  readonly singleBridgeQueryLimit?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export interface ResolvedAriSourceOptions extends ResolvedCommonOptions {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly app: string;
  readonly socketRetryMs: number;
  readonly singleBridgeQueryLimit: number;
  readonly fetch: typeof fetch;
}

export const DEFAULT_ARI_OPTIONS = Object.freeze({
  ...DEFAULT_COMMON_OPTIONS,
  url: 'http://127.0.0.1:8088',
  app: 'rtp-offload',
  name: 'ari',
  socketRetryMs: 45_000,
  singleBridgeQueryLimit: 4,
});

export function resolveAriOptions(options: AriSourceOptions): ResolvedAriSourceOptions {
  const d = DEFAULT_ARI_OPTIONS;
  const resolved = {
    ...resolveCommonOptions(options, d.name),
    url: (options.url ?? d.url).replace(/\/+$/, ''),
    username: options.username,
    app: options.app ?? d.app,
    socketRetryMs: options.socketRetryMs ?? d.socketRetryMs,
    singleBridgeQueryLimit: options.singleBridgeQueryLimit ?? d.singleBridgeQueryLimit,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
  };
  return withHiddenSecret(resolved, 'password', options.password) as ResolvedAriSourceOptions;
}
