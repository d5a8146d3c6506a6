/**
 * Writes to one socket respecting backpressure: once `write` returns false nothing more is
 * handed to the socket until 'drain'; later messages wait here, in order. Bulk senders
 * (flow-mod batches, bundles) ask for `room()` first, so at most one batch beyond the
 * socket's own buffer waits in memory; small messages (barriers, echoes, requests) always
 * queue. Past `maxQueuedBytes` the switch is not reading: `onOverflow`, and the connection
 * is dropped rather than grown without end.
 */

import type { TransportSocket } from './transport.js';

/** Queued bytes above which the connection counts as stuck. @default 64 MiB */
export const DEFAULT_MAX_QUEUED_BYTES = 64 * 1024 * 1024;

export class SendQueue {
  private blocked = false;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private roomWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private failed: Error | undefined;
  /** Times `write` returned false (for tests and status). */
  stalls = 0;

  constructor(
    readonly socket: TransportSocket,
    private readonly maxQueuedBytes: number,
    private readonly onOverflow: (queuedBytes: number) => void,
  ) {
    socket.on('drain', () => this.drained());
  }

  get queued(): number {
    return this.queuedBytes;
  }

  send(buf: Buffer): void {
    if (this.failed) return;
    if (!this.blocked) {
      this.put(buf);
      return;
    }
    this.queue.push(buf);
    this.queuedBytes += buf.length;
    if (this.queuedBytes > this.maxQueuedBytes) this.onOverflow(this.queuedBytes);
  }

  /** Undefined when a batch may be sent now; else a promise for when it may (or the failure). */
  room(): Promise<void> | undefined {
    if (this.failed) return Promise.reject(this.failed);
    if (!this.blocked) return undefined;
    return new Promise((resolve, reject) => this.roomWaiters.push({ resolve, reject }));
  }

  /** The socket is gone: drop what waits, fail whoever waits for room. */
  fail(err: Error): void {
    if (this.failed) return;
    this.failed = err;
    this.queue.length = 0;
    this.queuedBytes = 0;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) w.reject(err);
  }

  private put(buf: Buffer): void {
    if (!this.socket.write(buf)) {
      this.blocked = true;
      this.stalls++;
    }
  }

  private drained(): void {
    if (this.failed) return;
    this.blocked = false;
    while (this.queue.length > 0 && !this.blocked) {
      const buf = this.queue.shift()!;
      this.queuedBytes -= buf.length;
      this.put(buf);
    }
    if (this.blocked) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) w.resolve();
  }
}
