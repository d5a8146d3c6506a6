/**
 * Requests in flight on the AMI session: ActionIDs (`<prefix><epoch>-<n>`), the reply timeout
 * (for list actions, the longest wait between two items), replies and list items routed by
 * ActionID, and rejecting what is pending when the session goes down.
 */

import type Manager from 'asterisk-manager';
import { AmiDisconnectedError, AmiError, AmiTimeoutError, type AmiClientError } from './errors.js';
import type { AmiAction, AmiConnectionStats } from './connection-types.js';
import { ListCollector, type AmiListResult } from './list-action.js';
import { AmiMessage } from './message.js';

export type AmiCounters = { -readonly [K in keyof AmiConnectionStats]: AmiConnectionStats[K] };

export function zeroCounters(): AmiCounters {
  return { requests: 0, events: 0, reconnects: 0, timeouts: 0, bytesIn: 0 };
}

interface Pending {
  readonly action: string;
  readonly epoch: number;
  readonly list: ListCollector | null;
  readonly resolve: (value: AmiMessage | AmiListResult) => void;
  readonly reject: (err: AmiClientError) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

export interface RequestTrackerOptions {
  readonly requestTimeoutMs: number;
  readonly actionIdPrefix: string;
  /** The session's current epoch: a reply of another epoch is not heard. */
  readonly currentEpoch: () => number;
  /** Wraps the library's reply callback (see AmiListenerHub.guarded). */
  readonly guarded: (what: 'reply', deliver: () => void) => void;
}

export class RequestTracker {
  readonly #options: RequestTrackerOptions;
  readonly #stats: AmiCounters;
  readonly #pending = new Map<string, Pending>();
  #seq = 0;

  constructor(options: RequestTrackerOptions, stats: AmiCounters) {
    this.#options = options;
    this.#stats = stats;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Sends `action` on `manager` under a fresh ActionID of the current epoch. */
  send(manager: Manager.Instance, action: AmiAction, list: boolean): Promise<AmiMessage | AmiListResult> {
    const sendEpoch = this.#options.currentEpoch();
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
        this.#options.guarded('reply', () => this.#onReply(id, err ?? res, err !== undefined)),
      );
    });
  }

  /**
   * Takes an event carrying one of our ActionIDs (a list item or completion: Asterisk puts
   * the ActionID on each); a late one of a timed-out action is dropped. False when the event
   * is not ours. `manager` (the current one) re-arms the wait for the next item.
   */
  onEvent(msg: AmiMessage, manager: Manager.Instance | null): boolean {
    const actionId = msg.get('ActionID');
    if (actionId === undefined || !actionId.startsWith(this.#options.actionIdPrefix)) return false;
    const pending = this.#pending.get(actionId);
    if (!pending?.list) return true;
    if (manager) this.#armTimeout(actionId, pending, manager);
    const done = pending.list.onItem(msg);
    if (done) {
      this.#finish(actionId, pending);
      pending.resolve(done);
    }
    return true;
  }

  /** Rejects everything pending with AmiDisconnectedError. */
  rejectAll(reason: string): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(new AmiDisconnectedError(p.action, reason));
    }
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
    if (!pending || pending.epoch !== this.#options.currentEpoch()) return;
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
}
