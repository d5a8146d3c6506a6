import { describe, expect, it } from 'vitest';
import { BridgeScheduler, repeatAfter } from '../../../src/engine/scheduler.js';
import { silentLogger } from '../../../src/log.js';
import { ManualClock } from './harness.js';

/** An evaluation that waits until released, so overlap and folding can be observed. */
function gated() {
  const runs: string[] = [];
  const gates: (() => void)[] = [];
  let active = 0;
  let maxActive = 0;
  const evaluate = async (id: string): Promise<void> => {
    runs.push(id);
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise<void>((resolve) => gates.push(resolve));
    active--;
  };
  const releaseAll = async (): Promise<void> => {
    while (gates.length > 0) {
      gates.splice(0).forEach((g) => g());
      await new Promise((r) => setImmediate(r));
    }
  };
  return { runs, evaluate, releaseAll, maxActive: () => maxActive };
}

describe('BridgeScheduler', () => {
  it('folds triggers during an evaluation of a bridge into one rerun', async () => {
    const g = gated();
    const s = new BridgeScheduler(g.evaluate, 4, new ManualClock(), silentLogger);
    s.schedule('B');
    await new Promise((r) => setImmediate(r));
    s.schedule('B');
    s.schedule('B');
    s.schedule('B');
    await g.releaseAll();
    await s.idle();
    expect(g.runs).toEqual(['B', 'B']);
  });

  it('evaluates different bridges concurrently, up to the limit', async () => {
    const g = gated();
    const s = new BridgeScheduler(g.evaluate, 2, new ManualClock(), silentLogger);
    for (const id of ['A', 'B', 'C', 'D', 'E']) s.schedule(id);
    await new Promise((r) => setImmediate(r));
    expect(g.runs).toHaveLength(2);
    await g.releaseAll();
    await s.idle();
    expect(g.runs.sort()).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(g.maxActive()).toBe(2);
  });

  it('keeps going after an evaluation throws', async () => {
    const runs: string[] = [];
    const s = new BridgeScheduler(
      async (id) => {
        runs.push(id);
        if (id === 'bad') throw new Error('boom');
      },
      1,
      new ManualClock(),
      silentLogger,
    );
    s.schedule('bad');
    s.schedule('good');
    await s.idle();
    expect(runs).toEqual(['bad', 'good']);
  });

  it('wakes a bridge at a monotonic instant; a later wake-up replaces the earlier one', async () => {
    const clock = new ManualClock();
    const runs: string[] = [];
    const s = new BridgeScheduler(async (id) => void runs.push(id), 4, clock, silentLogger);
    s.scheduleAt('B', clock.now() + 1000);
    s.scheduleAt('B', clock.now() + 3000);
    clock.advance(2000);
    await s.idle();
    expect(runs).toEqual([]);
    clock.advance(1000);
    await s.idle();
    expect(runs).toEqual(['B']);
  });

  it('drops the wake-up of a forgotten bridge, and everything once stopped', async () => {
    const clock = new ManualClock();
    const runs: string[] = [];
    const s = new BridgeScheduler(async (id) => void runs.push(id), 4, clock, silentLogger);
    s.scheduleAt('A', clock.now() + 100);
    s.scheduleAt('B', clock.now() + 100);
    s.forget('A');
    s.stop();
    s.schedule('C');
    clock.advance(1000);
    await s.idle();
    expect(runs).toEqual([]);
    expect(s.stopped).toBe(true);
  });
});

describe('repeatAfter', () => {
  it('runs the task an interval after the previous run ended, until cancelled', async () => {
    const clock = new ManualClock();
    let runs = 0;
    let finish = (): void => undefined;
    const handle = repeatAfter(
      clock,
      1000,
      () => {
        runs++;
        return new Promise<void>((resolve) => (finish = resolve));
      },
      () => false,
    );
    clock.advance(1000);
    expect(runs).toBe(1);
    clock.advance(5000); // still running: no second run stacks up
    expect(runs).toBe(1);
    finish();
    await new Promise((r) => setImmediate(r));
    clock.advance(1000);
    expect(runs).toBe(2);
    handle.cancel();
    finish();
    await new Promise((r) => setImmediate(r));
    clock.advance(10_000);
    expect(runs).toBe(2);
  });

  it('never runs with an interval of 0 or once stopped', () => {
    const clock = new ManualClock();
    let runs = 0;
    repeatAfter(
      clock,
      0,
      async () => void runs++,
      () => false,
    );
    repeatAfter(
      clock,
      100,
      async () => void runs++,
      () => true,
    );
    clock.advance(10_000);
    expect(runs).toBe(0);
  });
});
