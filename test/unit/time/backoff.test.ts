import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../../../src/time/backoff.js';

describe('backoffDelay', () => {
  const opts = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.5 };

  it.each([
    [0, 0, 250],
    [0, 0.999999, 500],
    [1, 0, 500],
    [3, 1, 4000],
    [10, 0.5, 22_500],
    [100, 0, 15_000],
  ])('attempt %i with random %f → %i ms', (attempt, r, ms) => {
    expect(backoffDelay(attempt, opts, () => r)).toBe(ms);
  });

  it('grows by the factor from the first delay up to the cap', () => {
    const full = (attempt: number): number =>
      backoffDelay(attempt, { ...DEFAULT_BACKOFF, initialDelayMs: 100, maxDelayMs: 1000 }, () => 1);
    expect([0, 1, 2, 3, 4, 10, 1000].map(full)).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('jitters the given fraction of the delay', () => {
    const none = { ...opts, jitter: 0 };
    expect(backoffDelay(2, none, () => 0)).toBe(2000);
    expect(backoffDelay(2, none, () => 0.9)).toBe(2000);
    const full = { ...opts, jitter: 1 };
    expect(backoffDelay(2, full, () => 0)).toBe(0);
    expect(backoffDelay(2, full, () => 0.5)).toBe(1000);
  });

  it('never exceeds the cap, and treats a negative attempt as the first', () => {
    for (let a = 0; a < 40; a++) expect(backoffDelay(a, opts, () => 0.9999)).toBeLessThanOrEqual(30_000);
    expect(backoffDelay(-3, opts, () => 1)).toBe(500);
  });
});
