/** The AmiConnection's listener lists, and the guard around library callbacks. */

import type { AmiAuthError } from './errors.js';
import type { AmiDown } from './connection-types.js';
import type { AmiMessage } from './message.js';

/** Listeners of one kind, called in the order they were added. */
export class Listeners<A extends unknown[]> {
  readonly #list: ((...args: A) => void)[] = [];

  add(listener: (...args: A) => void): void {
    this.#list.push(listener);
  }

  emit(...args: A): void {
    for (const l of this.#list) l(...args);
  }
}

export class AmiListenerHub {
  readonly event = new Listeners<[msg: AmiMessage]>();
  readonly ready = new Listeners<[]>();
  readonly down = new Listeners<[down: AmiDown]>();
  readonly authFailed = new Listeners<[err: AmiAuthError]>();
  /** A message dropped before translation (what: `event`, `reply`, or the framing check). */
  readonly malformed = new Listeners<[what: string, detail: string]>();

  /** Library callbacks run in its socket data handler, where a throw would end the process. */
  guarded(what: 'event' | 'reply', deliver: () => void): void {
    try {
      deliver();
    } catch (err) {
      this.malformed.emit(what, (err as Error).message);
    }
  }
}
