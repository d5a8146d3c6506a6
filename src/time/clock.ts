/**
 * Time for everything outside `openflow/` (which keeps its own copy). Timers, ages, intervals
 * and back-offs run on a monotonic clock, so a wall-clock step (NTP, an operator fixing the
 * date) neither stalls nor hurries them; the wall clock is only for timestamps shown to people.
 */

/** A pending timer. */
export interface TimerHandle {
  cancel(): void;
}

/** Monotonic time, injected so timers can be driven by tests. */
export interface Clock {
  /** Milliseconds on a monotonic scale; only differences between two readings mean anything. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
}

/**
 * The process clock. Globals are looked up on each call (not captured at import), so fake
 * timers installed later (`vi.useFakeTimers({ toFake: [..., 'performance'] })`) take effect.
 * Timers are unref'd: a pending timer alone never keeps the process alive.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

/** Milliseconds since the epoch on the wall clock: for timestamps shown to people only. */
export function wallClockMs(): number {
  return Date.now();
}

/**
 * The wall-clock time (epoch ms) of `instant`, a reading of `clock` in the past: measured back
 * from now on both clocks, so it is right for whatever the wall clock says at display time.
 */
export function wallTimeOf(instant: number, clock: Clock, wallNow: () => number = wallClockMs): number {
  return Math.round(wallNow() - (clock.now() - instant));
}
