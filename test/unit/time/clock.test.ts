import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock, wallClockMs, wallTimeOf } from '../../../src/time/clock.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('systemClock', () => {
  it('keeps counting on when the wall clock is stepped back', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const t0 = systemClock.now();
    vi.advanceTimersByTime(1000);
    vi.setSystemTime(Date.now() - 3_600_000);
    vi.advanceTimersByTime(500);
    expect(systemClock.now() - t0).toBe(1500);
  });

  it('runs a timer once unless cancelled', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const fired: string[] = [];
    systemClock.setTimeout(() => fired.push('a'), 100);
    const b = systemClock.setTimeout(() => fired.push('b'), 100);
    b.cancel();
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(['a']);
  });
});

describe('wallTimeOf', () => {
  it('places a monotonic instant on the wall clock as it reads now', () => {
    const clock = { now: () => 50_000, setTimeout: systemClock.setTimeout };
    expect(wallTimeOf(20_000, clock, () => 1_700_000_000_000)).toBe(1_700_000_000_000 - 30_000);
  });

  it('reads the wall clock of the system by default', () => {
    const before = Date.now();
    expect(wallTimeOf(systemClock.now(), systemClock)).toBeGreaterThanOrEqual(before);
    expect(wallClockMs()).toBeGreaterThanOrEqual(before);
  });
});
