import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../src/time/clock.js';
import { cfg, bridge, mediaFlows, setup } from './harness.js';

const HOUR = 3_600_000;

/**
 * The process clock with fake timers: setTimeout and performance.now (the monotonic clock)
 * advance together, while vi.setSystemTime moves only Date, as an NTP step or an operator
 * fixing the date does.
 */
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Lets promise chains and setImmediate-based batching run after fake time moved. */
async function settle(s: ReturnType<typeof setup>): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setImmediate(r));
    await s.engine.idle();
  }
}

describe('a wall-clock step back by an hour mid-call', () => {
  it('still offloads the bridge once the minimum age has passed', async () => {
    const s = setup({ policy: { ...cfg.policy, minBridgeAgeMs: 2000 } }, undefined, systemClock);
    await bridge(s);
    await mediaFlows(s);
    expect(s.engine.statusOf('B')).toMatchObject({ reason: 'too-young' });
    await vi.advanceTimersByTimeAsync(500);
    vi.setSystemTime(Date.now() - HOUR);
    await vi.advanceTimersByTimeAsync(1000);
    await settle(s);
    expect(s.engine.statusOf('B')).toMatchObject({ reason: 'too-young' });
    await vi.advanceTimersByTimeAsync(600);
    await settle(s);
    expect(s.engine.statusOf('B')).toMatchObject({ state: 'offloaded', reason: null });
    s.engine.stop();
  });

  it('ends the back-off on time and shows `since` on the wall clock', async () => {
    const s = setup({ backoffMs: 10_000 }, undefined, systemClock);
    await bridge(s);
    await mediaFlows(s);
    // Asterisk keeps relaying on an offloaded leg: the first audit takes the counters in, three more that see them grow give the call back.
    for (let i = 0; i < 4; i++) {
      for (const v of s.port.table.values()) if (v.spec.owner.role === 'egress-watch') v.packets += 50;
      await s.engine.audit();
      await s.engine.idle();
    }
    expect(s.engine.statusOf('B')).toMatchObject({ state: 'not-offloaded', reason: 'backoff' });
    const wallAtBackoff = Date.now();
    await vi.advanceTimersByTimeAsync(4000);
    vi.setSystemTime(Date.now() - HOUR);
    // The status reads its instant back on whatever the wall clock says now.
    expect(s.engine.statusOf('B')!.since).toBe(wallAtBackoff - HOUR);
    await vi.advanceTimersByTimeAsync(5000);
    await settle(s);
    expect(s.engine.statusOf('B')).toMatchObject({ reason: 'backoff' });
    await vi.advanceTimersByTimeAsync(1100);
    await settle(s);
    // Back-off over: the bridge probes again (the remotes must be seen anew).
    expect(s.engine.statusOf('B')?.reason).not.toBe('backoff');
    await mediaFlows(s);
    expect(s.engine.statusOf('B')).toMatchObject({ state: 'offloaded' });
    s.engine.stop();
  });
});
