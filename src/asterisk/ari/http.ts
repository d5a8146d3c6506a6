/**
 * ARI's REST side: every request through one p-queue (rate and concurrency limits), with a
 * timeout, Basic authentication in a header (never in the URL), and typed errors by status.
 *
 * Requests go out with fetch rather than through ari-client's generated operations, because
 * those lose the status code (lib/client.js swaggerError turns the reply into
 * `new Error(body)`, so a 404 "gone" cannot be told from a 500 "function failed") and have no
 * timeout (swagger-client 2.0.26 over `request`).
 */

import PQueue from 'p-queue';
import {
  AriAuthError,
  AriDisconnectedError,
  AriHttpError,
  AriNotFoundError,
  AriTimeoutError,
  AriUnreachableError,
  type AriClientError,
} from './errors.js';
import type { AriQueueOptions } from './options.js';

export interface AriHttpOptions {
  /** Base URL without `/ari`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly timeoutMs: number;
  readonly queue: AriQueueOptions;
  readonly fetch: typeof fetch;
}

export interface AriReply {
  readonly status: number;
  /** Parsed JSON body; undefined for an empty body (204). */
  readonly body: unknown;
}

export type Query = Readonly<Record<string, string>>;

export class AriHttp {
  readonly #options: AriHttpOptions;
  readonly #queue: PQueue;
  readonly #authorization: string;
  readonly #inFlight = new Set<AbortController>();
  #requests = 0;
  #timeouts = 0;
  #closed = false;

  constructor(options: AriHttpOptions) {
    this.#options = options;
    this.#authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    this.#queue = new PQueue({
      concurrency: options.queue.concurrency,
      intervalCap: options.queue.intervalCap,
      interval: options.queue.intervalMs,
    });
  }

  get requests(): number {
    return this.#requests;
  }

  get timeouts(): number {
    return this.#timeouts;
  }

  get queued(): { readonly waiting: number; readonly running: number } {
    return { waiting: this.#queue.size, running: this.#queue.pending };
  }

  /** Allows requests again after close(). */
  open(): void {
    this.#closed = false;
  }

  /** Rejects what waits in the queue and aborts what runs. */
  close(reason: string): void {
    this.#closed = true;
    this.#queue.clear();
    for (const c of this.#inFlight) c.abort(new AriDisconnectedError('request', reason));
  }

  get(path: string, query: Query = {}): Promise<AriReply> {
    return this.request('GET', path, query);
  }

  post(path: string, query: Query = {}, body?: unknown): Promise<AriReply> {
    return this.request('POST', path, query, body);
  }

  /** Resolves with a 2xx reply; rejects with an AriClientError otherwise. */
  async request(method: string, path: string, query: Query = {}, body?: unknown): Promise<AriReply> {
    const label = `${method} ${path}`;
    if (this.#closed) throw new AriDisconnectedError(label, 'stopped');
    const reply = await this.#queue.add(() => this.#send(method, path, query, body, label), {
      throwOnTimeout: true,
    });
    return reply;
  }

  async #send(method: string, path: string, query: Query, body: unknown, label: string): Promise<AriReply> {
    if (this.#closed) throw new AriDisconnectedError(label, 'stopped');
    this.#requests++;
    // encodeURIComponent leaves `(` `)` as they are and turns `,` into %2C, the form the
    // recorded requests have (`variable=CHANNEL(rtp%2Cdest)`).
    const qs = Object.entries(query)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    const url = `${this.#options.url}/ari${path}${qs ? `?${qs}` : ''}`;
    const controller = new AbortController();
    this.#inFlight.add(controller);
    const timer = setTimeout(
      () => controller.abort(new AriTimeoutError(label, this.#options.timeoutMs)),
      this.#options.timeoutMs,
    );
    try {
      const headers: Record<string, string> = {
        Authorization: this.#authorization,
        Accept: 'application/json',
      };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const res = await this.#options.fetch(url, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: controller.signal,
      });
      const text = await res.text();
      const parsed = parseBody(text);
      if (res.status >= 200 && res.status < 300) return { status: res.status, body: parsed };
      throw statusError(label, res.status, parsed, text);
    } catch (err) {
      throw this.#classify(label, controller, err);
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(controller);
    }
  }

  #classify(label: string, controller: AbortController, err: unknown): AriClientError {
    if (err instanceof AriHttpError) return err;
    if (controller.signal.aborted) {
      const reason: unknown = controller.signal.reason;
      if (reason instanceof AriTimeoutError) this.#timeouts++;
      if (reason instanceof AriTimeoutError || reason instanceof AriDisconnectedError) return reason;
    }
    // undici: TypeError('fetch failed') with the socket error as `cause`.
    const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
    const code = typeof cause?.code === 'string' ? cause.code : '';
    const message = typeof cause?.message === 'string' ? cause.message : (err as Error)?.message;
    return new AriUnreachableError(label, code || String(message));
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Asterisk's error body is `{"message": "…"}` (res/res_ari.c ast_ari_response_error). */
function statusError(label: string, status: number, body: unknown, text: string): AriHttpError {
  const message =
    typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string'
      ? (body as { message: string }).message
      : text.slice(0, 200);
  if (status === 404) return new AriNotFoundError(label, message);
  if (status === 401 || status === 403) return new AriAuthError(label, status, message);
  return new AriHttpError(label, status, message);
}
