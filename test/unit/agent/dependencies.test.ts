import { describe, expect, it } from 'vitest';
import { DependencyState, retryForever } from '../../../src/agent/dependencies.js';
import { withParentDeathSignal } from '../../../src/net/parent-death.js';
import { ManualClock } from '../engine/harness.js';

const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};
const backoff = { initialDelayMs: 100, maxDelayMs: 400, factor: 2, jitter: 0 };

describe('retryForever', () => {
  it('tries again after each failure with a growing, capped delay until one attempt works', async () => {
    const clock = new ManualClock();
    let attempts = 0;
    const delays: number[] = [];
    retryForever(
      async () => {
        attempts++;
        if (attempts < 5) throw new Error('ECONNREFUSED');
      },
      (_e, ms) => delays.push(ms),
      backoff,
      clock,
    );
    await settle();
    for (let i = 0; i < 10; i++) {
      clock.advance(400);
      await settle();
    }
    expect(attempts).toBe(5);
    expect(delays).toEqual([100, 200, 400, 400]);
  });

  it('stops trying once cancelled', async () => {
    const clock = new ManualClock();
    let attempts = 0;
    const h = retryForever(
      async () => {
        attempts++;
        throw new Error('no');
      },
      () => undefined,
      backoff,
      clock,
    );
    await settle();
    h.cancel();
    clock.advance(10_000);
    await settle();
    expect(attempts).toBe(1);
  });
});

describe('DependencyState', () => {
  it('says what it is and since when, keeping the time while the status stays', () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const d = new DependencyState(() => new Date(t));
    expect(d.report()).toEqual({ status: 'starting', since: '2026-01-01T00:00:00.000Z' });
    t += 5000;
    d.set('down', 'refused');
    t += 5000;
    d.set('down', 'timeout');
    expect(d.report()).toEqual({ status: 'down', since: '2026-01-01T00:00:05.000Z', detail: 'timeout' });
    t += 1000;
    d.set('up');
    expect(d.report()).toEqual({ status: 'up', since: '2026-01-01T00:00:11.000Z' });
  });
});

describe('withParentDeathSignal', () => {
  it('runs the command through setpriv when there is one, as it is otherwise', () => {
    expect(withParentDeathSignal('ip', ['monitor', 'neigh'], '/sbin/setpriv')).toEqual({
      file: '/sbin/setpriv',
      args: ['--pdeathsig', 'KILL', '--', 'ip', 'monitor', 'neigh'],
    });
    expect(withParentDeathSignal('ip', ['monitor', 'neigh'], null)).toEqual({
      file: 'ip',
      args: ['monitor', 'neigh'],
    });
  });
});
