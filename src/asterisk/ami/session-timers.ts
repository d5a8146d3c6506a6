/** The session's timers: a one-shot phase deadline, the keepalive period, the reconnect backoff. */

import { backoffDelay, type BackoffOptions } from '../../time/backoff.js';

/** One pending timeout at most; arming again replaces it. */
export class OneShotTimer {
  #timer: ReturnType<typeof setTimeout> | null = null;

  arm(ms: number, fire: () => void): void {
    this.clear();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      fire();
    }, ms);
  }

  clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  get armed(): boolean {
    return this.#timer !== null;
  }
}

/** Runs `tick` every `intervalMs` while started; an interval of 0 or less means off. */
export class Keepalive {
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly intervalMs: number) {}

  start(tick: () => void): void {
    this.stop();
    if (this.intervalMs <= 0) return;
    this.#timer = setInterval(tick, this.intervalMs);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  get running(): boolean {
    return this.#timer !== null;
  }
}

/** Attempts since the last ready session, and the capped, jittered wait before the next. */
export class ReconnectSchedule {
  #attempt = 0;
  #everReady = false;
  readonly #timer = new OneShotTimer();

  constructor(
    private readonly backoff: BackoffOptions,
    private readonly random: () => number,
  ) {}

  /** Attempts made since the last ready session (0 before the first). */
  get attempt(): number {
    return this.#attempt;
  }

  /** Arms the next attempt after the backoff of this one; returns the wait in ms. */
  schedule(run: () => void): number {
    const delay = backoffDelay(this.#attempt++, this.backoff, this.random);
    this.#timer.arm(delay, run);
    return delay;
  }

  cancel(): void {
    this.#timer.clear();
  }

  /** A session became ready: resets the attempts; true when it replaces a lost one. */
  established(): boolean {
    const again = this.#everReady;
    this.#everReady = true;
    this.#attempt = 0;
    return again;
  }
}
