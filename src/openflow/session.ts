/**
 * The life of the connection to one switch: open a socket, run the handshake on it, read and
 * dispatch what arrives, notice when it dies (socket close, keepalive, protocol error) and
 * reconnect with backoff. An epoch, bumped whenever a socket is opened or given up, keeps
 * callbacks of older sockets from touching the current one.
 */

import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { systemClock, type Clock } from './clock.js';
import {
  OFP_DEFAULT_MISS_SEND_LEN,
  OfpFramer,
  encodeEchoRequest,
  type FeaturesReply,
} from './codec/index.js';
import type { RequestChannel } from './channel.js';
import {
  silentLogger,
  type ConnectionStatus,
  type EmitEvent,
  type HasListeners,
  type OpenFlowConnectionOptions,
  type OpenFlowLogger,
} from './connection-types.js';
import { dispatchMessage, type DispatchContext } from './dispatch.js';
import { OpenFlowDisconnectedError, OpenFlowTimeoutError } from './errors.js';
import { HelloWait, handshake } from './handshake.js';
import { EchoKeepalive } from './keepalive.js';
import { PendingRequests } from './requests.js';
import { RetryPlan } from './retry-plan.js';
import { DEFAULT_MAX_QUEUED_BYTES, SendQueue } from './send-queue.js';
import { connectTransport, parseTarget, type TransportSocket } from './transport.js';

/** The options with their defaults applied. */
export interface SessionConfig {
  readonly target: string;
  readonly openSocket: (target: string) => TransportSocket;
  readonly clock: Clock;
  readonly log: OpenFlowLogger;
  readonly requestTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly echoIntervalMs: number;
  readonly deadAfterMs: number;
  readonly backoff: BackoffPolicy | false;
  readonly random: () => number;
  readonly missSendLen: number;
  readonly maxQueuedBytes: number;
}

export function sessionConfig(options: OpenFlowConnectionOptions): SessionConfig {
  parseTarget(options.target);
  const missSendLen = options.missSendLen ?? OFP_DEFAULT_MISS_SEND_LEN;
  if (missSendLen < 1 || missSendLen > 0xffff) {
    throw new RangeError(`missSendLen must be 1..65535, got ${missSendLen}`);
  }
  const deadAfterMs = options.deadAfterMs ?? 15_000;
  return {
    target: options.target,
    openSocket: options.connect ?? connectTransport,
    clock: options.clock ?? systemClock,
    log: options.logger ?? silentLogger,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
    echoIntervalMs: Math.min(options.echoIntervalMs ?? 5_000, deadAfterMs),
    deadAfterMs,
    backoff: options.reconnect ?? DEFAULT_BACKOFF,
    random: options.random ?? Math.random,
    missSendLen,
    maxQueuedBytes: options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES,
  };
}

/** One socket's state: its send queue, its framer, what the handshake and errors learnt. */
interface Wire {
  readonly link: SendQueue;
  readonly framer: OfpFramer;
  /** The version was agreed: from now on every message but HELLO and ERROR must be 1.3. */
  negotiated: boolean;
  lastError: Error | undefined;
}

/** Callers of `connect()` waiting for the connection to be ready. */
class ReadyWaiters {
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  add(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  settle(err?: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (err) w.reject(err);
      else w.resolve();
    }
  }
}

export class SwitchSession {
  readonly pending: PendingRequests;
  /** Requests made by the connection's users. */
  readonly channel: RequestChannel;
  readonly counters = { readyCount: 0, packetInDrained: 0, unsolicitedErrors: 0 };
  private readonly keepalive: EchoKeepalive;
  private readonly retry: RetryPlan | undefined;
  private readonly hello = new HelloWait();
  private readonly dispatch: DispatchContext;
  private _status: ConnectionStatus = 'idle';
  private epoch = 0;
  private wire: Wire | undefined;
  private readonly readyWaiters = new ReadyWaiters();
  private _features: FeaturesReply | undefined;

  constructor(
    private readonly cfg: SessionConfig,
    private readonly emit: EmitEvent,
    heard: HasListeners = () => true,
  ) {
    this.pending = new PendingRequests(cfg.clock);
    this.channel = this.channelWith(cfg.requestTimeoutMs);
    this.retry = cfg.backoff === false ? undefined : new RetryPlan(cfg.clock, cfg.backoff, cfg.random);
    this.keepalive = new EchoKeepalive({
      clock: cfg.clock,
      intervalMs: cfg.echoIntervalMs,
      deadAfterMs: cfg.deadAfterMs,
      sendProbe: () => this.send(encodeEchoRequest(this.pending.allocate())),
      onDead: (silentMs) => {
        cfg.log.warn(
          `openflow ${cfg.target}: switch silent for ${Math.round(silentMs)} ms, declaring it dead`,
        );
        this.lost(this.epoch, new OpenFlowTimeoutError('switch keepalive', cfg.deadAfterMs));
      },
    });
    this.dispatch = {
      target: cfg.target,
      log: cfg.log,
      pending: this.pending,
      hello: this.hello,
      counters: this.counters,
      emit,
      heard,
      negotiated: () => this.wire?.negotiated ?? false,
      send: (b) => this.send(b),
      drop: (err) => this.lost(this.epoch, err),
    };
  }

  get status(): ConnectionStatus {
    return this._status;
  }

  get features(): FeaturesReply | undefined {
    return this._features;
  }

  connect(): Promise<void> {
    if (this._status === 'closed')
      return Promise.reject(new OpenFlowDisconnectedError('connection is closed'));
    if (this._status === 'ready') return Promise.resolve();
    const ready = this.readyWaiters.add();
    if (this._status === 'idle') this.open();
    return ready;
  }

  close(): void {
    if (this._status === 'closed') return;
    this.retry?.cancel();
    this.setStatus('closed');
    this.lost(this.epoch, new Error('closed by client'));
    this.readyWaiters.settle(new OpenFlowDisconnectedError('connection closed before it was ready'));
  }

  private send(buf: Buffer): void {
    this.wire?.link.send(buf);
  }

  private channelWith(timeoutMs: number): RequestChannel {
    return {
      pending: this.pending,
      timeoutMs,
      send: (b) => this.send(b),
      room: () =>
        this.wire ? this.wire.link.room() : Promise.reject(new OpenFlowDisconnectedError('not connected')),
    };
  }

  private setStatus(to: ConnectionStatus): void {
    const from = this._status;
    if (from === to) return;
    this._status = to;
    this.cfg.log.info(`openflow ${this.cfg.target}: ${from} -> ${to}`);
    this.emit('status', to, from);
  }

  private open(): void {
    const epoch = ++this.epoch;
    this.setStatus('connecting');
    let socket: TransportSocket;
    try {
      socket = this.cfg.openSocket(this.cfg.target);
    } catch (err) {
      this.lost(epoch, err);
      return;
    }
    const wire: Wire = {
      link: new SendQueue(socket, this.cfg.maxQueuedBytes, (bytes) =>
        this.lost(epoch, new Error(`${bytes} bytes wait for the socket to drain: the switch is not reading`)),
      ),
      framer: new OfpFramer(),
      negotiated: false,
      lastError: undefined,
    };
    this.wire = wire;
    socket.on('connect', () => {
      if (epoch !== this.epoch) return;
      this.setStatus('handshaking');
      void this.runHandshake(epoch);
    });
    socket.on('data', (chunk: Buffer) => this.onData(epoch, chunk));
    socket.on('error', (err: Error) => {
      wire.lastError = err;
    });
    socket.on('close', () =>
      this.lost(epoch, wire.lastError ?? new Error('connection closed by the switch')),
    );
  }

  private async runHandshake(epoch: number): Promise<void> {
    const { cfg } = this;
    try {
      const peerHello = this.hello.wait(cfg.clock, cfg.handshakeTimeoutMs);
      const features = await handshake(
        {
          ch: this.channelWith(cfg.handshakeTimeoutMs),
          target: cfg.target,
          missSendLen: cfg.missSendLen,
          current: () => epoch === this.epoch,
          negotiated: () => {
            if (this.wire) this.wire.negotiated = true;
          },
        },
        peerHello,
      );
      if (features === undefined || epoch !== this.epoch) return;
      this._features = features;
      this.becomeReady();
    } catch (err) {
      if (epoch !== this.epoch) return;
      cfg.log.warn(
        `openflow ${cfg.target}: handshake failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      this.lost(epoch, err);
    }
  }

  private becomeReady(): void {
    const { attempts, downtimeMs } = this.retry?.ready() ?? { attempts: 0, downtimeMs: undefined };
    this.counters.readyCount++;
    this.keepalive.start();
    this.setStatus('ready');
    if (downtimeMs !== undefined) {
      this.cfg.log.info(`openflow ${this.cfg.target}: reconnected after ${Math.round(downtimeMs)} ms`);
      this.emit('reconnected', { epoch: this.epoch, downtimeMs, attempts });
    }
    this.readyWaiters.settle();
  }

  /** The socket of `epoch` is gone (or must go): fail what waited on it, then maybe retry. */
  private lost(epoch: number, reason: unknown): void {
    if (epoch !== this.epoch) return;
    this.epoch++;
    const wire = this.wire;
    this.wire = undefined;
    wire?.link.socket.destroy();
    this.keepalive.stop();
    const why = reason instanceof Error ? reason.message : String(reason);
    const err = new OpenFlowDisconnectedError(`OpenFlow connection to ${this.cfg.target} lost: ${why}`, {
      cause: reason,
    });
    wire?.link.fail(err);
    this.hello.fail(err);
    this.pending.rejectAll(err);
    if (this._status === 'closed') return;
    if (this._status === 'ready') this.retry?.lostReady();
    if (this.retry === undefined) {
      this.setStatus('closed');
      this.readyWaiters.settle(err);
      return;
    }
    const { delay, attempt } = this.retry.schedule(() => {
      if (this._status === 'reconnecting') this.open();
    });
    this.setStatus('reconnecting');
    this.cfg.log.info(`openflow ${this.cfg.target}: ${why}; retrying in ${delay} ms (attempt ${attempt})`);
  }

  private onData(epoch: number, chunk: Buffer): void {
    if (epoch !== this.epoch) return;
    try {
      this.wire?.framer.push(chunk, (message) => {
        if (epoch !== this.epoch) return;
        this.keepalive.heard();
        dispatchMessage(this.dispatch, message);
      });
    } catch (err) {
      this.cfg.log.warn(
        `openflow ${this.cfg.target}: ${err instanceof Error ? err.message : String(err)}; dropping connection`,
      );
      this.lost(epoch, err);
    }
  }
}
