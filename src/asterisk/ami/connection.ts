/**
 * One logical AMI session over asterisk-manager 0.2.0, with what the library lacks: a status
 * union, login with the right event mask, request timeouts, list-action collection,
 * keepalive, reconnect with capped backoff and jitter, and a request queue.
 *
 * Each TCP connection gets a fresh library instance and an epoch number; callbacks of an
 * older epoch return early (the connectionEpoch idea of ioredis event_handler.ts), so a late
 * reply or close from a dead socket never touches the current session. A fresh instance also
 * avoids the library's leftovers across reconnects (half-parsed lines, held actions).
 */

import Manager from 'asterisk-manager';
import PQueue from 'p-queue';
import { backoffDelay } from '../../time/backoff.js';
import {
  AmiAuthError,
  AmiDisconnectedError,
  AmiError,
  AmiTimeoutError,
  type AmiClientError,
} from './errors.js';
import { checkAction, firstString } from './action-check.js';
import {
  type AmiAction,
  type AmiConnectionOptions,
  type AmiConnectionStats,
  type AmiDown,
  type AmiStatus,
} from './connection-types.js';
import { ListCollector, type AmiListResult } from './list-action.js';
import { AmiMessage } from './message.js';
import { guardedSocketOptions } from './read-guard.js';

export { checkAction };
export * from './connection-types.js';

interface Pending {
  readonly action: string;
  readonly epoch: number;
  readonly list: ListCollector | null;
  readonly resolve: (value: AmiMessage | AmiListResult) => void;
  readonly reject: (err: AmiClientError) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

export class AmiConnection {
  readonly #secret: string;
  readonly #options: Omit<AmiConnectionOptions, 'secret'>;
  readonly #queue: PQueue;
  readonly #pending = new Map<string, Pending>();
  readonly #eventListeners: ((msg: AmiMessage) => void)[] = [];
  readonly #readyListeners: (() => void)[] = [];
  readonly #downListeners: ((down: AmiDown) => void)[] = [];
  readonly #authListeners: ((err: AmiAuthError) => void)[] = [];
  readonly #malformedListeners: ((what: string, detail: string) => void)[] = [];
  #manager: Manager.Instance | null = null;
  #status: AmiStatus = 'idle';
  #epoch = 0;
  #seq = 0;
  #attempt = 0;
  #everReady = false;
  #lastError = '';
  #phaseTimer: ReturnType<typeof setTimeout> | null = null;
  #pingTimer: ReturnType<typeof setInterval> | null = null;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #stopped: Promise<void> | null = null;
  #onClosed: (() => void) | null = null;
  #stats = { requests: 0, events: 0, reconnects: 0, timeouts: 0, bytesIn: 0 };

  constructor(options: AmiConnectionOptions) {
    const { secret, ...rest } = options;
    this.#secret = secret;
    this.#options = rest;
    this.#queue = new PQueue({
      concurrency: options.queue.concurrency,
      intervalCap: options.queue.intervalCap,
      interval: options.queue.intervalMs,
    });
  }

  get status(): AmiStatus {
    return this.#status;
  }

  stats(): AmiConnectionStats {
    return { ...this.#stats };
  }

  /** Requests waiting in the queue and running. */
  get queued(): { readonly waiting: number; readonly running: number } {
    return { waiting: this.#queue.size, running: this.#queue.pending };
  }

  onEvent(listener: (msg: AmiMessage) => void): void {
    this.#eventListeners.push(listener);
  }
  onReady(listener: () => void): void {
    this.#readyListeners.push(listener);
  }
  onDown(listener: (down: AmiDown) => void): void {
    this.#downListeners.push(listener);
  }
  onAuthFailed(listener: (err: AmiAuthError) => void): void {
    this.#authListeners.push(listener);
  }
  /** A message dropped before translation (what: `event`, `reply`, or the framing check). */
  onMalformed(listener: (what: string, detail: string) => void): void {
    this.#malformedListeners.push(listener);
  }

  /** Starts connecting; reconnects on its own until stop(). */
  start(): void {
    if (this.#status !== 'idle' && this.#status !== 'stopped') return;
    this.#stopped = null;
    this.#connect();
  }

  /** Logs off, closes, rejects what is pending; resolves once the socket is closed. */
  stop(): Promise<void> {
    if (this.#stopped) return this.#stopped;
    this.#stopped = this.#stop();
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

  #setStatus(to: AmiStatus, why: string): void {
    const from = this.#status;
    if (from === to) return;
    this.#status = to;
    this.#options.logger.info(`ami status ${from} -> ${to}`, { why, epoch: this.#epoch });
  }

  #connect(): void {
    const epoch = ++this.#epoch;
    this.#lastError = '';
    this.#setStatus(
      'connecting',
      `attempt ${this.#attempt + 1} to ${this.#options.host}:${this.#options.port}`,
    );
    // No port to the constructor: given one it connects and logs in by itself at once, with
    // `Event: off` that Asterisk ignores. We connect, log in, then set the mask ourselves.
    const manager = new Manager(undefined, this.#options.host, this.#options.username, this.#secret, false);
    this.#manager = manager;
    manager.on('managerevent', (raw: Manager.Message) =>
      this.#guarded('event', () => this.#onManagerEvent(epoch, raw)),
    );
    manager.on('error', (err: Error) => {
      if (epoch !== this.#epoch) return;
      this.#lastError = err.message;
      this.#options.logger.debug('ami socket error', { error: err.message });
    });
    manager.on('close', () => this.#onClose(epoch));
    this.#phaseTimer = setTimeout(
      () => this.#abandon(epoch, `no connection within ${this.#options.connectTimeoutMs} ms`),
      this.#options.connectTimeoutMs,
    );
    const socketOptions = guardedSocketOptions(this.#options, {
      dropped: (d) => epoch === this.#epoch && this.#malformedListeners.forEach((l) => l(d.field, d.detail)),
      tooLarge: (err) => {
        if (epoch !== this.#epoch) return;
        this.#options.logger.error('ami message over the read limit; reconnecting', { code: err.code });
        for (const l of this.#malformedListeners) l('message', err.message);
        this.#abandon(epoch, err.message);
      },
    });
    manager.connect(socketOptions, this.#options.host, () => this.#onTcpConnected(epoch, manager));
  }

  #onTcpConnected(epoch: number, manager: Manager.Instance): void {
    if (epoch !== this.#epoch) return;
    this.#clearPhaseTimer();
    this.#setStatus('authenticating', 'tcp connected');
    this.#phaseTimer = setTimeout(
      () => this.#abandon(epoch, `no login reply within ${this.#options.requestTimeoutMs} ms`),
      this.#options.requestTimeoutMs,
    );
    manager.login((err) => {
      if (epoch !== this.#epoch) return;
      this.#clearPhaseTimer();
      if (err) {
        const authErr = new AmiAuthError(firstString(err['message']));
        this.#options.logger.error('ami login refused', {
          message: authErr.amiMessage,
          user: this.#options.username,
        });
        for (const l of this.#authListeners) l(authErr);
        // Asterisk closes the session itself after a failed login; do not wait for it.
        this.#abandon(epoch, 'login refused');
        return;
      }
      void this.#afterLogin(epoch);
    });
  }

  async #afterLogin(epoch: number): Promise<void> {
    try {
      // Asterisk reads the mask from `Events` at login (manager.c authenticate); the library
      // sends `Event:` instead, so the session has the user's read= classes until this.
      await this.#enqueueFor(epoch, { Action: 'Events', EventMask: this.#options.eventMask });
    } catch (err) {
      if (epoch !== this.#epoch) return;
      this.#options.logger.warn('ami event mask refused', { error: (err as Error).message });
      this.#abandon(epoch, 'event mask refused');
      return;
    }
    if (epoch !== this.#epoch) return;
    if (this.#everReady) this.#stats.reconnects++;
    this.#everReady = true;
    this.#attempt = 0;
    this.#setStatus('ready', 'logged in, event mask set');
    this.#startPing(epoch);
    for (const l of this.#readyListeners) l();
  }

  #startPing(epoch: number): void {
    if (this.#options.pingIntervalMs <= 0) return;
    this.#pingTimer = setInterval(() => {
      if (epoch !== this.#epoch || this.#status !== 'ready') return;
      this.request({ Action: 'Ping' }, 10).catch((err: AmiClientError) => {
        if (err.code === 'AMI_TIMEOUT' && epoch === this.#epoch) this.#abandon(epoch, 'ping timed out');
      });
    }, this.#options.pingIntervalMs);
  }

  #onClose(epoch: number): void {
    if (epoch !== this.#epoch) {
      return;
    }
    this.#down(this.#lastError ? `connection closed (${this.#lastError})` : 'connection closed');
  }

  /**
   * Gives up on the current socket (timeouts, refused login) without waiting for its close.
   * The library hides its socket: disconnect() ends an open one, but a connect still in
   * progress is only forgotten and closes when the OS gives up on it; its epoch is stale
   * by then, so nothing it reports is heard.
   */
  #abandon(epoch: number, reason: string): void {
    if (epoch !== this.#epoch) return;
    const manager = this.#manager;
    this.#down(reason);
    manager?.disconnect();
  }

  #down(reason: string): void {
    const wasReady = this.#status === 'ready';
    this.#clearPhaseTimer();
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.#pingTimer = null;
    // Bump the epoch first so anything the old socket still delivers is ignored.
    this.#epoch++;
    this.#manager = null;
    this.#rejectAll(reason);
    const onClosed = this.#onClosed;
    this.#onClosed = null;
    if (this.#status === 'stopping') {
      this.#setStatus('stopped', reason);
      onClosed?.();
      return;
    }
    const delay = backoffDelay(this.#attempt++, this.#options.reconnect, this.#options.random);
    this.#setStatus('reconnecting', `${reason}; retry in ${delay} ms`);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#status === 'reconnecting') this.#connect();
    }, delay);
    for (const l of this.#downListeners) l({ reason, wasReady });
  }

  async #stop(): Promise<void> {
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    const manager = this.#manager;
    const wasReady = this.#status === 'ready';
    if (
      !manager ||
      this.#status === 'idle' ||
      this.#status === 'reconnecting' ||
      this.#status === 'stopped'
    ) {
      this.#clearPhaseTimer();
      this.#epoch++;
      this.#setStatus('stopping', 'stop requested');
      this.#setStatus('stopped', 'no open connection');
      if (wasReady) for (const l of this.#downListeners) l({ reason: 'stopped', wasReady });
      return;
    }
    this.#setStatus('stopping', 'stop requested');
    if (wasReady) {
      // Logoff makes Asterisk close its side (Response: Goodbye); errors do not matter here.
      await this.#enqueueFor(this.#epoch, { Action: 'Logoff' }).catch(() => undefined);
    }
    // The Goodbye may already have closed the socket (and ended the stop) while we waited.
    if (this.status === 'stopped') {
      for (const l of this.#downListeners) l({ reason: 'stopped', wasReady });
      return;
    }
    const closed = new Promise<void>((resolve) => {
      this.#onClosed = resolve;
    });
    manager.disconnect();
    const timer = setTimeout(() => this.#down('closed by stop (no close seen)'), 2000);
    await closed;
    clearTimeout(timer);
    if (wasReady) for (const l of this.#downListeners) l({ reason: 'stopped', wasReady });
  }

  #clearPhaseTimer(): void {
    if (this.#phaseTimer) clearTimeout(this.#phaseTimer);
    this.#phaseTimer = null;
  }

  #rejectAll(reason: string): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(new AmiDisconnectedError(p.action, reason));
    }
  }

  #enqueue(action: AmiAction, list: boolean, priority: number): Promise<AmiMessage | AmiListResult> {
    const problem = checkAction(action);
    if (problem) return Promise.reject(problem);
    return this.#queue.add(() => this.#send(action, list, null), { priority, throwOnTimeout: true });
  }

  /** Queues a handshake or goodbye action of one epoch, ahead of ordinary requests. */
  #enqueueFor(epoch: number, action: AmiAction): Promise<AmiMessage> {
    return this.#queue.add(() => this.#send(action, false, epoch) as Promise<AmiMessage>, {
      priority: 100,
      throwOnTimeout: true,
    });
  }

  /**
   * Sends one action now. `epoch` non-null allows sending during the handshake of that epoch;
   * otherwise the session must be ready.
   */
  #send(action: AmiAction, list: boolean, epoch: number | null): Promise<AmiMessage | AmiListResult> {
    const manager = this.#manager;
    const allowed = epoch === null ? this.#status === 'ready' : epoch === this.#epoch;
    if (!manager || !allowed) {
      return Promise.reject(new AmiDisconnectedError(action.Action, `status ${this.#status}`));
    }
    const sendEpoch = this.#epoch;
    const id = `${this.#options.actionIdPrefix}${sendEpoch}-${++this.#seq}`;
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        action: action.Action,
        epoch: sendEpoch,
        list: list ? new ListCollector() : null,
        resolve,
        reject,
        timer: null,
      };
      this.#pending.set(id, pending);
      this.#armTimeout(id, pending, manager);
      this.#stats.requests++;
      const fields: Manager.Action = { action: action.Action, actionid: id };
      for (const [k, v] of Object.entries(action)) if (k !== 'Action') fields[k] = v;
      // The callback runs once, for the first reply with this ActionID; for a list action
      // that is only the "will follow" acknowledgement.
      manager.action(fields, (err, res) =>
        this.#guarded('reply', () => this.#onReply(id, err ?? res, err !== undefined)),
      );
    });
  }

  #armTimeout(id: string, pending: Pending, manager: Manager.Instance): void {
    if (pending.timer) clearTimeout(pending.timer);
    pending.timer = setTimeout(() => {
      if (this.#pending.get(id) !== pending) return;
      this.#pending.delete(id);
      this.#stats.timeouts++;
      manager.removeAllListeners(id);
      pending.reject(new AmiTimeoutError(pending.action, this.#options.requestTimeoutMs));
    }, this.#options.requestTimeoutMs);
  }

  #onReply(id: string, raw: Manager.Message, isError: boolean): void {
    const pending = this.#pending.get(id);
    if (!pending || pending.epoch !== this.#epoch) return;
    const msg = AmiMessage.fromLibrary(raw);
    this.#stats.bytesIn += msg.bytes;
    if (isError || msg.get('Response')?.toLowerCase() === 'error') {
      this.#finish(id, pending);
      pending.reject(new AmiError(pending.action, msg.get('Message') ?? ''));
      return;
    }
    if (!pending.list) {
      this.#finish(id, pending);
      pending.resolve(msg);
      return;
    }
    const done = pending.list.onAck(msg);
    if (done) {
      this.#finish(id, pending);
      pending.resolve(done);
    }
  }

  #finish(id: string, pending: Pending): void {
    if (pending.timer) clearTimeout(pending.timer);
    this.#pending.delete(id);
  }

  /** Library callbacks run in its socket data handler, where a throw would end the process. */
  #guarded(what: 'event' | 'reply', deliver: () => void): void {
    try {
      deliver();
    } catch (err) {
      for (const l of this.#malformedListeners) l(what, (err as Error).message);
    }
  }

  #onManagerEvent(epoch: number, raw: Manager.Message): void {
    if (epoch !== this.#epoch) return;
    const msg = AmiMessage.fromLibrary(raw);
    this.#stats.bytesIn += msg.bytes;
    const actionId = msg.get('ActionID');
    if (actionId !== undefined && actionId.startsWith(this.#options.actionIdPrefix)) {
      // A list item or completion of one of our actions (Asterisk puts the ActionID on
      // each); a late one of a timed-out action is dropped.
      const pending = this.#pending.get(actionId);
      if (!pending?.list) return;
      const manager = this.#manager;
      if (manager) this.#armTimeout(actionId, pending, manager);
      const done = pending.list.onItem(msg);
      if (done) {
        this.#finish(actionId, pending);
        pending.resolve(done);
      }
      return;
    }
    this.#stats.events++;
    for (const l of this.#eventListeners) l(msg);
  }
}
