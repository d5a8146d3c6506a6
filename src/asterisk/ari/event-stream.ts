/**
 * The ARI event socket on top of ari-client 2.2.0: connect (Swagger load), `start(app,
 * subscribeAll=true)`, a keepalive ping, and restarts of its own.
 *
 * ari-client reconnects a dropped socket by itself (backoff-func from 100 ms, 10 tries, at
 * most 10 s apart), then emits WebSocketMaxRetries after ~40 s and never tries again; from
 * there this stream starts over with a fresh client after a capped, jittered backoff, for
 * as long as it is not stopped. Each client is a generation: callbacks of a discarded one
 * are ignored, and if an already armed retry of it opens a socket later, that socket is closed.
 *
 * Frames are taken from the socket before ari-client sees them: its handler (lib/client.js
 * processMessage) JSON-parses the frame and reads `eventModel.properties` without a guard,
 * so a malformed frame or an event type missing from the server's events.json throws inside
 * the `ws` 'message' handler, i.e. out of the socket's data callback. The swap happens on
 * WebSocketConnected, which ari-client emits synchronously from the socket's 'open', before
 * any frame can arrive.
 */

import ariClient, { type Client } from 'ari-client';
import { backoffDelay, type BackoffOptions } from '../../time/backoff.js';
import type { AmiLogger } from '../ami/logger.js';
import { routeLibraryLog } from './library-log.js';
import { AriAuthError, redactApiKey, type AriClientError } from './errors.js';

export type AriStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'stopped';

export interface AriEventStreamOptions {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly app: string;
  readonly connectTimeoutMs: number;
  readonly pingIntervalMs: number;
  /** ari-client's own reconnect of a dropped socket is given this long, then a fresh client. */
  readonly socketRetryMs: number;
  readonly reconnect: BackoffOptions;
  readonly logger: AmiLogger;
  readonly random: () => number;
  /** Run before each new client (the source reads `GET /asterisk/info`); AriAuthError is fatal. */
  readonly probe: () => Promise<void>;
  /** @default ari-client's connect */
  readonly connect?: (url: string, user: string, pass: string) => Promise<Client>;
}

export interface AriEventStreamHandlers {
  /** The socket is open (first time, or again after any reconnect): events flow from here. */
  open(): void;
  /** The open socket was lost; events until the next open() are lost. */
  down(reason: string): void;
  frame(text: string): void;
  /** Refused credentials: the stream stopped itself. */
  fatal(err: AriClientError): void;
}

export class AriEventStream {
  readonly #o: AriEventStreamOptions;
  readonly #h: AriEventStreamHandlers;
  #status: AriStatus = 'idle';
  #generation = 0;
  #client: Client | null = null;
  #attempt = 0;
  #restarts = 0;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #pingTimer: ReturnType<typeof setInterval> | null = null;
  #giveUpTimer: ReturnType<typeof setTimeout> | null = null;
  #awaitingPong = false;

  constructor(options: AriEventStreamOptions, handlers: AriEventStreamHandlers) {
    this.#o = options;
    this.#h = handlers;
  }

  get status(): AriStatus {
    return this.#status;
  }

  /** New clients made after the first (ari-client gave up, or connecting failed). */
  get restarts(): number {
    return this.#restarts;
  }

  start(): void {
    if (this.#status !== 'idle' && this.#status !== 'stopped') return;
    this.#attempt = 0;
    this.#restarts = 0;
    void this.#newClient();
  }

  stop(): void {
    const wasOpen = this.#status === 'open';
    this.#setStatus('stopped');
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#discard();
    if (wasOpen) this.#h.down('stopped');
  }

  #setStatus(next: AriStatus): void {
    if (next === this.#status) return;
    this.#o.logger.debug('ari status', { from: this.#status, to: next });
    this.#status = next;
  }

  async #newClient(): Promise<void> {
    const gen = ++this.#generation;
    this.#setStatus(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    let client: Client;
    try {
      await this.#o.probe();
      if (gen !== this.#generation) return;
      routeLibraryLog(this.#o.logger);
      client = await withTimeout(
        (this.#o.connect ?? ariClient.connect)(this.#o.url, this.#o.username, this.#o.password),
        this.#o.connectTimeoutMs,
      );
    } catch (err) {
      if (gen !== this.#generation) return;
      if (err instanceof AriAuthError) {
        this.#o.logger.error('ari credentials refused', { error: err.message });
        this.stop();
        this.#h.fatal(err);
        return;
      }
      // ari-client names an ETIMEDOUT/ENOTFOUND/ECONNREFUSED `HostIsNotReachable`.
      this.#scheduleRestart(`connect failed: ${describe(err)}`);
      return;
    }
    if (gen !== this.#generation) {
      stopQuietly(client);
      return;
    }
    this.#client = client;
    client.on('WebSocketConnected', () => this.#onConnected(gen, client));
    client.on('WebSocketReconnecting', (err: unknown) => {
      if (gen !== this.#generation) return;
      this.#lost(`websocket closed${err ? `: ${describe(err)}` : ''}`);
      this.#setStatus('reconnecting');
      // Fires once per drop; ari-client's retries after it keep emitting this event.
      this.#giveUpTimer ??= setTimeout(() => {
        this.#giveUpTimer = null;
        if (gen === this.#generation) {
          this.#scheduleRestart(`ari-client did not reopen the socket within ${this.#o.socketRetryMs} ms`);
        }
      }, this.#o.socketRetryMs);
    });
    client.on('WebSocketMaxRetries', (err: unknown) => {
      if (gen !== this.#generation) return;
      this.#scheduleRestart(`ari-client gave up reconnecting${err ? `: ${describe(err)}` : ''}`);
    });
    client.on('pong', () => {
      if (gen === this.#generation) this.#awaitingPong = false;
    });
    client.on('APILoadError', () => undefined);
    // The returned Promise rejects together with WebSocketMaxRetries, handled above.
    client.start(this.#o.app, true).catch(() => undefined);
  }

  #onConnected(gen: number, client: Client): void {
    if (gen !== this.#generation || this.#status === 'stopped') {
      stopQuietly(client); // an armed retry of a discarded client
      return;
    }
    const ws = client._ws;
    if (ws) {
      ws.removeAllListeners('message');
      ws.on('message', (data: unknown) => {
        if (gen !== this.#generation) return;
        this.#h.frame(
          typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : String(data),
        );
      });
    }
    this.#clearGiveUp();
    this.#attempt = 0;
    this.#awaitingPong = false;
    this.#startPing(gen, client);
    this.#setStatus('open');
    this.#h.open();
  }

  #startPing(gen: number, client: Client): void {
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.#pingTimer = null;
    if (this.#o.pingIntervalMs <= 0) return;
    this.#pingTimer = setInterval(() => {
      if (gen !== this.#generation || this.#status !== 'open') return;
      if (this.#awaitingPong) {
        // A silent peer (cable pulled, namespace gone) never closes the TCP session itself.
        this.#o.logger.warn('ari websocket missed a pong; closing it');
        client._ws?.terminate();
        return;
      }
      this.#awaitingPong = true;
      client.ping();
    }, this.#o.pingIntervalMs);
    this.#pingTimer.unref();
  }

  #lost(reason: string): void {
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.#pingTimer = null;
    if (this.#status !== 'open') return;
    this.#o.logger.warn('ari websocket lost', { reason });
    this.#h.down(reason);
  }

  #scheduleRestart(reason: string): void {
    this.#lost(reason);
    this.#discard();
    if (this.#status === 'stopped') return;
    this.#setStatus('reconnecting');
    const delay = backoffDelay(this.#attempt++, this.#o.reconnect, this.#o.random);
    this.#o.logger.info('ari restarting client', { reason, delayMs: delay });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#restarts++;
      void this.#newClient();
    }, delay);
  }

  #clearGiveUp(): void {
    if (this.#giveUpTimer) clearTimeout(this.#giveUpTimer);
    this.#giveUpTimer = null;
  }

  #discard(): void {
    this.#generation++;
    this.#clearGiveUp();
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.#pingTimer = null;
    const client = this.#client;
    this.#client = null;
    if (client) {
      client.removeAllListeners();
      // A retry ari-client armed before this may still open a socket: close it on sight.
      client.on('WebSocketConnected', () => stopQuietly(client));
      client.on('error', () => undefined);
      stopQuietly(client);
    }
  }
}

function stopQuietly(client: Client): void {
  try {
    if (client._ws) client.stop();
  } catch {
    // stop() on a socket that never opened: nothing to close.
  }
}

function describe(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown } | null;
  const text =
    e && typeof e.message === 'string' ? `${String(e.name ?? 'Error')}: ${e.message}` : String(err);
  return redactApiKey(text);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no Swagger docs within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(t);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
