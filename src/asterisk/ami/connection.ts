/**
 * One logical AMI session over asterisk-manager 0.2.0, with what the library lacks: a status
 * union, login with the right event mask, request timeouts, list-action collection,
 * keepalive, reconnect with capped backoff and jitter, and a request queue.
 *
 * This is the public face; the parts are: `session.ts` (lifecycle, one library instance per
 * epoch), `request-tracker.ts` (ActionIDs, timeouts, replies and list items),
 * `session-timers.ts` (phase deadline, keepalive, reconnect backoff), `listeners.ts`.
 */

import PQueue from 'p-queue';
import type { AmiAuthError } from './errors.js';
import { checkAction } from './action-check.js';
import {
  type AmiAction,
  type AmiConnectionOptions,
  type AmiConnectionStats,
  type AmiDown,
  type AmiStatus,
} from './connection-types.js';
import type { AmiListResult } from './list-action.js';
import { AmiListenerHub } from './listeners.js';
import type { AmiMessage } from './message.js';
import { AmiSession } from './session.js';

export { checkAction };
export * from './connection-types.js';

export class AmiConnection {
  readonly #queue: PQueue;
  readonly #hub = new AmiListenerHub();
  readonly #session: AmiSession;
  #stopped: Promise<void> | null = null;

  constructor(options: AmiConnectionOptions) {
    this.#queue = new PQueue({
      concurrency: options.queue.concurrency,
      intervalCap: options.queue.intervalCap,
      interval: options.queue.intervalMs,
    });
    this.#session = new AmiSession(options, this.#queue, this.#hub);
  }

  get status(): AmiStatus {
    return this.#session.status;
  }

  stats(): AmiConnectionStats {
    return { ...this.#session.stats };
  }

  /** Requests waiting in the queue and running. */
  get queued(): { readonly waiting: number; readonly running: number } {
    return { waiting: this.#queue.size, running: this.#queue.pending };
  }

  onEvent(listener: (msg: AmiMessage) => void): void {
    this.#hub.event.add(listener);
  }
  onReady(listener: () => void): void {
    this.#hub.ready.add(listener);
  }
  onDown(listener: (down: AmiDown) => void): void {
    this.#hub.down.add(listener);
  }
  onAuthFailed(listener: (err: AmiAuthError) => void): void {
    this.#hub.authFailed.add(listener);
  }
  /** A message dropped before translation (what: `event`, `reply`, or the framing check). */
  onMalformed(listener: (what: string, detail: string) => void): void {
    this.#hub.malformed.add(listener);
  }

  /** Starts connecting; reconnects on its own until stop(). */
  start(): void {
    const status = this.#session.status;
    if (status !== 'idle' && status !== 'stopped') return;
    this.#stopped = null;
    this.#session.connect();
  }

  /** Logs off, closes, rejects what is pending; resolves once the socket is closed. */
  stop(): Promise<void> {
    if (this.#stopped) return this.#stopped;
    this.#stopped = this.#session.stop();
    return this.#stopped;
  }

  /** Sends a one-reply action through the queue. Rejects with AmiError on `Response: Error`. */
  request(action: AmiAction, priority = 0): Promise<AmiMessage> {
    return this.#enqueue(action, false, priority) as Promise<AmiMessage>;
  }

  /** Sends a list action through the queue and collects its items up to `EventList: Complete`. */
  requestList(action: AmiAction, priority = 0): Promise<AmiListResult> {
    return this.#enqueue(action, true, priority) as Promise<AmiListResult>;
  }

  #enqueue(action: AmiAction, list: boolean, priority: number): Promise<AmiMessage | AmiListResult> {
    const problem = checkAction(action);
    if (problem) return Promise.reject(problem);
    return this.#queue.add(() => this.#session.send(action, list, null), { priority, throwOnTimeout: true });
  }
}
