import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/net/backoff.js';

describe('backoffDelay', () => {
  it('doubles from the base up to the cap', () => {
    const full = (attempt: number): number =>
      backoffDelay(attempt, { baseMs: 100, capMs: 1000, random: () => 1 });
    expect([0, 1, 2, 3, 4, 10, 1000].map(full)).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('jitters between half and all of the ceiling', () => {
    expect(backoffDelay(2, { baseMs: 100, random: () => 0 })).toBe(200);
    expect(backoffDelay(2, { baseMs: 100, random: () => 0.5 })).toBe(300);
  });
});
