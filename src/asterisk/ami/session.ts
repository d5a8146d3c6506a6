/**
 * The AMI session lifecycle over asterisk-manager 0.2.0: connect, login, event mask, status,
 * keepalive, reconnect with capped backoff and jitter, stop.
 *
 * Each TCP connection gets a fresh library instance and an epoch number; callbacks of an
 * older epoch return early (the connectionEpoch idea of ioredis event_handler.ts), so a late
 * reply or close from a dead socket never touches the current session. A fresh instance also
 * avoids the library's leftovers across reconnects (half-parsed lines, held actions).
 */

import Manager from 'asterisk-manager';
import type PQueue from 'p-queue';
import { AmiAuthError, AmiDisconnectedError, type AmiClientError } from './errors.js';
import { firstString } from './action-check.js';
import type { AmiAction, AmiConnectionOptions, AmiStatus } from './connection-types.js';
import type { AmiListenerHub } from './listeners.js';
import type { AmiListResult } from './list-action.js';
import { AmiMessage } from './message.js';
import { guardedSocketOptions } from './read-guard.js';
import { RequestTracker, zeroCounters, type AmiCounters } from './request-tracker.js';
import { Keepalive, OneShotTimer, ReconnectSchedule } from './session-timers.js';

export class AmiSession {
  readonly #options: AmiConnectionOptions;
  readonly #queue: PQueue;
  readonly #hub: AmiListenerHub;
  readonly #stats: AmiCounters = zeroCounters();
  readonly #tracker: RequestTracker;
  readonly #keepalive: Keepalive;
  readonly #reconnect: ReconnectSchedule;
  readonly #phase = new OneShotTimer();
  #manager: Manager.Instance | null = null;
  #status: AmiStatus = 'idle';
  #epoch = 0;
  #lastError = '';
  #onClosed: (() => void) | null = null;

  /** `queue` carries every request; the handshake and goodbye go ahead of the rest. */
  constructor(options: AmiConnectionOptions, queue: PQueue, hub: AmiListenerHub) {
    this.#options = options;
    this.#queue = queue;
    this.#hub = hub;
    this.#keepalive = new Keepalive(options.pingIntervalMs);
    this.#reconnect = new ReconnectSchedule(options.reconnect, options.random);
    this.#tracker = new RequestTracker(
      {
        requestTimeoutMs: options.requestTimeoutMs,
        actionIdPrefix: options.actionIdPrefix,
        currentEpoch: () => this.#epoch,
        guarded: (what, deliver) => hub.guarded(what, deliver),
      },
      this.#stats,
    );
  }

  get status(): AmiStatus {
    return this.#status;
  }

  get stats(): Readonly<AmiCounters> {
    return this.#stats;
  }

  /** Opens a fresh library instance under a new epoch. */
  connect(): void {
    const epoch = ++this.#epoch;
    const { host, port, username, connectTimeoutMs, logger } = this.#options;
    this.#lastError = '';
    this.#setStatus('connecting', `attempt ${this.#reconnect.attempt + 1} to ${host}:${port}`);
    // No port to the constructor: given one it connects and logs in by itself at once, with
    // `Event: off` that Asterisk ignores. We connect, log in, then set the mask ourselves.
    const manager = new Manager(undefined, host, username, this.#options.secret, false);
    this.#manager = manager;
    manager.on('managerevent', (raw: Manager.Message) =>
      this.#hub.guarded('event', () => {
        if (epoch !== this.#epoch) return;
        const msg = AmiMessage.fromLibrary(raw);
        this.#stats.bytesIn += msg.bytes;
        if (this.#tracker.onEvent(msg, this.#manager)) return;
        this.#stats.events++;
        this.#hub.event.emit(msg);
      }),
    );
    manager.on('error', (err: Error) => {
      if (epoch !== this.#epoch) return;
      this.#lastError = err.message;
      logger.debug('ami socket error', { error: err.message });
    });
    manager.on('close', () => {
      if (epoch !== this.#epoch) return;
      this.#down(this.#lastError ? `connection closed (${this.#lastError})` : 'connection closed');
    });
    this.#phase.arm(connectTimeoutMs, () =>
      this.#abandon(epoch, `no connection within ${connectTimeoutMs} ms`),
    );
    const socketOptions = guardedSocketOptions(this.#options, {
      dropped: (d) => epoch === this.#epoch && this.#hub.malformed.emit(d.field, d.detail),
      tooLarge: (err) => {
        if (epoch !== this.#epoch) return;
        logger.error('ami message over the read limit; reconnecting', { code: err.code });
        this.#hub.malformed.emit('message', err.message);
        this.#abandon(epoch, err.message);
      },
    });
    manager.connect(socketOptions, host, () => this.#onTcpConnected(epoch, manager));
  }

  /**
   * Sends one action now. `epoch` non-null allows sending during the handshake of that epoch;
   * otherwise the session must be ready.
   */
  send(action: AmiAction, list: boolean, epoch: number | null): Promise<AmiMessage | AmiListResult> {
    const manager = this.#manager;
    const allowed = epoch === null ? this.#status === 'ready' : epoch === this.#epoch;
    if (!manager || !allowed) {
      return Promise.reject(new AmiDisconnectedError(action.Action, `status ${this.#status}`));
    }
    return this.#tracker.send(manager, action, list);
  }

  /** Logs off, closes, rejects what is pending; resolves once the socket is closed. */
  async stop(): Promise<void> {
    this.#reconnect.cancel();
    const manager = this.#manager;
    const wasReady = this.#status === 'ready';
    const open = !['idle', 'reconnecting', 'stopped'].includes(this.#status);
    if (!manager || !open) {
      this.#phase.clear();
      this.#epoch++;
      this.#setStatus('stopping', 'stop requested');
      this.#setStatus('stopped', 'no open connection');
      if (wasReady) this.#hub.down.emit({ reason: 'stopped', wasReady });
      return;
    }
    this.#setStatus('stopping', 'stop requested');
    if (wasReady) {
      // Logoff makes Asterisk close its side (Response: Goodbye); errors do not matter here.
      await this.#enqueueFor(this.#epoch, { Action: 'Logoff' }).catch(() => undefined);
    }
    // The Goodbye may already have closed the socket (and ended the stop) while we waited.
    if (this.#status === 'stopped') {
      this.#hub.down.emit({ reason: 'stopped', wasReady });
      return;
    }
    const closed = new Promise<void>((resolve) => {
      this.#onClosed = resolve;
    });
    manager.disconnect();
    const timer = setTimeout(() => this.#down('closed by stop (no close seen)'), 2000);
    await closed;
    clearTimeout(timer);
    if (wasReady) this.#hub.down.emit({ reason: 'stopped', wasReady });
  }

  #setStatus(to: AmiStatus, why: string): void {
    const from = this.#status;
    if (from === to) return;
    this.#status = to;
    this.#options.logger.info(`ami status ${from} -> ${to}`, { why, epoch: this.#epoch });
  }

  #onTcpConnected(epoch: number, manager: Manager.Instance): void {
    if (epoch !== this.#epoch) return;
    this.#phase.clear();
    this.#setStatus('authenticating', 'tcp connected');
    this.#phase.arm(this.#options.requestTimeoutMs, () =>
      this.#abandon(epoch, `no login reply within ${this.#options.requestTimeoutMs} ms`),
    );
    manager.login((err) => {
      if (epoch !== this.#epoch) return;
      this.#phase.clear();
      if (err) {
        const authErr = new AmiAuthError(firstString(err['message']));
        this.#options.logger.error('ami login refused', {
          message: authErr.amiMessage,
          user: this.#options.username,
        });
        this.#hub.authFailed.emit(authErr);
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
    if (this.#reconnect.established()) this.#stats.reconnects++;
    this.#setStatus('ready', 'logged in, event mask set');
    this.#keepalive.start(() => {
      if (epoch !== this.#epoch || this.#status !== 'ready') return;
      this.#enqueueFor(null, { Action: 'Ping' }, 10).catch((e: AmiClientError) => {
        if (e.code === 'AMI_TIMEOUT' && epoch === this.#epoch) this.#abandon(epoch, 'ping timed out');
      });
    });
    this.#hub.ready.emit();
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
    this.#phase.clear();
    this.#keepalive.stop();
    // Bump the epoch first so anything the old socket still delivers is ignored.
    this.#epoch++;
    this.#manager = null;
    this.#tracker.rejectAll(reason);
    const onClosed = this.#onClosed;
    this.#onClosed = null;
    if (this.#status === 'stopping') {
      this.#setStatus('stopped', reason);
      onClosed?.();
      return;
    }
    const delay = this.#reconnect.schedule(() => {
      if (this.#status === 'reconnecting') this.connect();
    });
    this.#setStatus('reconnecting', `${reason}; retry in ${delay} ms`);
    this.#hub.down.emit({ reason, wasReady });
  }

  /**
   * Queues a handshake or goodbye action of one epoch, ahead of ordinary requests; with a null
   * epoch, a request of the session itself (the keepalive) sent only while ready.
   */
  #enqueueFor(epoch: number | null, action: AmiAction, priority = 100): Promise<AmiMessage> {
    return this.#queue.add(() => this.send(action, false, epoch) as Promise<AmiMessage>, {
      priority,
      throwOnTimeout: true,
    });
  }
}
