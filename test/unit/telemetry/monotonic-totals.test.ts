import { describe, expect, it } from 'vitest';
import { MonotonicTotals } from '../../../src/telemetry/monotonic-totals.js';

describe('MonotonicTotals', () => {
  it('counts a first reading whole, then only increases', () => {
    const t = new MonotonicTotals();
    expect(t.increase('a', 10)).toBe(10);
    expect(t.increase('a', 15)).toBe(5);
    expect(t.increase('a', 15)).toBe(0);
  });

  it('takes a reading below the last one as a restart from zero', () => {
    const t = new MonotonicTotals();
    t.increase('a', 100);
    expect(t.increase('a', 7)).toBe(7);
  });

  it('forgets keys that are no longer read, so a returning key counts whole again', () => {
    const t = new MonotonicTotals();
    t.increase('a', 5);
    t.increase('b', 5);
    t.retain(new Set(['b']));
    expect(t.size).toBe(1);
    expect(t.increase('a', 3)).toBe(3);
  });
});
