/**
 * Outstanding requests of one connection: xid → waiter, plus ranges of xids whose messages
 * have no success reply (flow mods, SET_CONFIG), whose ERRORs are collected until the barrier
 * that ends the range answers. The switch answers in order on one connection, so every ERROR
 * for a range arrives before that range's BARRIER_REPLY.
 */

import type { Clock, Timer } from './clock.js';
import { OpenFlowError, OpenFlowTimeoutError, type OpenFlowClientError } from './errors.js';

interface Waiter {
  readonly what: string;
  readonly resolve: (message: Buffer) => void;
  readonly reject: (err: Error) => void;
  readonly timer: Timer | undefined;
  /** Multipart replies call `resolve` once per part; the waiter decides when it is done. */
  readonly multipart: boolean;
}

/** ERRORs collected for a range of xids, by offset from the first xid. */
export class XidRange {
  readonly errors = new Map<number, OpenFlowError>();

  constructor(
    readonly firstXid: number,
    readonly count: number,
  ) {}

  contains(xid: number): boolean {
    return xid >= this.firstXid && xid < this.firstXid + this.count;
  }
}

export class PendingRequests {
  private readonly waiters = new Map<number, Waiter>();
  private readonly ranges = new Set<XidRange>();
  private nextXid = 1;

  constructor(private readonly clock: Clock) {}

  /**
   * Reserves `n` consecutive xids. xid 0 is never used (OVS uses it for unsolicited messages)
   * and a range never wraps, so range membership stays a simple comparison.
   */
  allocate(n = 1): number {
    if (this.nextXid + n > 0xffffffff) this.nextXid = 1;
    const first = this.nextXid;
    this.nextXid += n;
    return first;
  }

  /** Waits for the reply (or ERROR) with this xid. */
  expect(xid: number, what: string, timeoutMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => this.register(xid, what, timeoutMs, resolve, reject, false));
  }

  /** Registers a waiter that gets every message with this xid (multipart parts) until `finish`. */
  expectParts(
    xid: number,
    what: string,
    timeoutMs: number,
    onPart: (message: Buffer) => void,
    reject: (err: Error) => void,
  ): void {
    this.register(xid, what, timeoutMs, onPart, reject, true);
  }

  private register(
    xid: number,
    what: string,
    timeoutMs: number,
    resolve: (message: Buffer) => void,
    reject: (err: Error) => void,
    multipart: boolean,
  ): void {
    const timer =
      timeoutMs > 0
        ? this.clock.setTimeout(() => {
            if (this.waiters.get(xid)?.timer !== timer) return;
            this.waiters.delete(xid);
            reject(new OpenFlowTimeoutError(`${what} (xid ${xid})`, timeoutMs));
          }, timeoutMs)
        : undefined;
    this.waiters.set(xid, { what, resolve, reject, timer, multipart });
  }

  /** Ends a multipart wait (its last part arrived). */
  finish(xid: number): void {
    this.waiters.get(xid)?.timer?.cancel();
    this.waiters.delete(xid);
  }

  /** Delivers a reply; returns false if nobody waited for this xid. */
  resolve(xid: number, message: Buffer): boolean {
    const w = this.waiters.get(xid);
    if (w === undefined) return false;
    if (!w.multipart) {
      this.waiters.delete(xid);
      w.timer?.cancel();
    }
    w.resolve(message);
    return true;
  }

  /** Fails the waiter with this xid; returns false if nobody waited for it. */
  reject(xid: number, err: Error): boolean {
    const w = this.waiters.get(xid);
    if (w === undefined) return false;
    this.waiters.delete(xid);
    w.timer?.cancel();
    w.reject(err);
    return true;
  }

  /** Starts collecting ERRORs for `count` xids from `firstXid`. */
  trackRange(firstXid: number, count: number): XidRange {
    const range = new XidRange(firstXid, count);
    this.ranges.add(range);
    return range;
  }

  untrackRange(range: XidRange): void {
    this.ranges.delete(range);
  }

  /** Files an ERROR under the range holding its xid; false if none does. */
  recordRangeError(err: OpenFlowError): boolean {
    for (const range of this.ranges) {
      if (range.contains(err.xid)) {
        range.errors.set(err.xid - range.firstXid, err);
        return true;
      }
    }
    return false;
  }

  /** Fails every waiter (the connection is gone); ranges are dropped with them. */
  rejectAll(err: OpenFlowClientError): void {
    const waiters = [...this.waiters.values()];
    this.waiters.clear();
    this.ranges.clear();
    for (const w of waiters) {
      w.timer?.cancel();
      w.reject(err);
    }
  }

  get size(): number {
    return this.waiters.size;
  }
}
