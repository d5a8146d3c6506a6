import { describe, expect, it } from 'vitest';
import { flowKey, type FlowSpec } from '../../../src/plan/flow-spec.js';
import { planPair } from '../../../src/plan/planner.js';
import type { ApplyFailure, FlowRef } from '../../../src/switch/flow-port.js';
import { PacedFlowPort } from '../../../src/switch/paced-port.js';
import { Reconciler } from '../../../src/switch/reconciler.js';
import { TAG_MASK, tagCookie } from '../../../src/plan/cookie.js';
import { planLeg as leg, planOptions as opts } from './fixtures.js';
import { MemoryPort } from './memory-port.js';

const pair = (n: number): FlowSpec[] =>
  planPair(
    `b${n}`,
    'forward',
    [
      leg(`b${n}a`, 10000 + 4 * n, '198.51.100.10', 4000 + n),
      leg(`b${n}b`, 10002 + 4 * n, '198.51.100.11', 5000 + n),
    ],
    opts,
  );

/** A memory switch that records the size of every batch (one barrier each). */
class CountingPort extends MemoryPort {
  readonly batches: number[] = [];
  override async apply(adds: readonly FlowSpec[], deletes: readonly FlowRef[]): Promise<ApplyFailure[]> {
    this.batches.push(adds.length + deletes.length);
    await new Promise((r) => setTimeout(r, 2));
    return super.apply(adds, deletes);
  }
}

const pacing = { flowModsPerBatch: 8, pausePercent: 100, minPauseMs: 0, maxPauseMs: 5 };

describe('the paced switch write path', () => {
  it('sends the requests of many bridges at once as one batch with one barrier', async () => {
    const mem = new CountingPort();
    const port = new PacedFlowPort(mem, { ...pacing, flowModsPerBatch: 1000 });
    const rec = new Reconciler(port, tagCookie(0xab), TAG_MASK);
    for (let n = 0; n < 50; n++) rec.setDesired(`b${n}`, pair(n));
    await rec.sync();
    expect(mem.batches).toHaveLength(1);
    const installed = mem.table.size;
    expect(installed).toBeGreaterThan(50);
    // Fifty bridges removed by fifty evaluations at once.
    mem.batches.length = 0;
    await Promise.all(
      Array.from({ length: 50 }, (_, n) => {
        const prev = rec.keysOf(`b${n}`);
        rec.setDesired(`b${n}`, []);
        return rec.sync([`b${n}`], prev);
      }),
    );
    expect(mem.table.size).toBe(0);
    expect(rec.installedCount).toBe(0);
    expect(mem.batches).toEqual([installed]);
  });

  it('cuts a burst into batches of at most the configured size, each request settling with its last', async () => {
    const mem = new CountingPort();
    const port = new PacedFlowPort(mem, pacing);
    const flows = Array.from({ length: 10 }, (_, n) => pair(n));
    const perCall = flows[0]!.length;
    const results = await Promise.all(flows.map((f) => port.apply(f, [])));
    expect(results.every((r) => r.length === 0)).toBe(true);
    expect(mem.table.size).toBe(10 * perCall);
    expect(Math.max(...mem.batches)).toBeLessThanOrEqual(8);
    expect(mem.batches.reduce((a, b) => a + b, 0)).toBe(10 * perCall);
    expect(port.stats().batches).toBe(mem.batches.length);
    expect(port.stats().pauses).toBe(mem.batches.length - 1);
  });

  it('gives each request the failures of its own flows only', async () => {
    const mem = new CountingPort();
    const port = new PacedFlowPort(mem, pacing);
    const a = pair(1);
    const b = pair(2);
    mem.failAdds.add(flowKey(b[0]!));
    const [ra, rb] = await Promise.all([port.apply(a, []), port.apply(b, [])]);
    expect(ra).toEqual([]);
    expect(rb.map((f) => f.key)).toEqual([flowKey(b[0]!)]);
  });

  it('rejects every request of a batch the switch could not take, and later requests still go out', async () => {
    const mem = new CountingPort();
    let broken = true;
    const port = new PacedFlowPort(
      {
        ...mem,
        dump: mem.dump.bind(mem),
        deleteByCookie: mem.deleteByCookie.bind(mem),
        onFlowRemoved: mem.onFlowRemoved.bind(mem),
        onReady: mem.onReady.bind(mem),
        apply: (adds, deletes) =>
          broken ? Promise.reject(new Error('switch gone')) : mem.apply(adds, deletes),
      },
      pacing,
    );
    const settled = await Promise.allSettled([port.apply(pair(1), []), port.apply(pair(2), [])]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    broken = false;
    await expect(port.apply(pair(3), [])).resolves.toEqual([]);
    expect(mem.table.size).toBe(pair(3).length);
  });

  it('sends urgent requests (a member left) in the next batch whatever their size, ahead of paced work', async () => {
    const mem = new CountingPort();
    const port = new PacedFlowPort(mem, pacing);
    const order: string[] = [];
    const paced = Array.from({ length: 6 }, (_, n) =>
      port.apply(pair(n), []).then(() => order.push(`paced ${n}`)),
    );
    // Arrives while the first paced batch is on its way.
    await new Promise((r) => setTimeout(r, 1));
    const urgentFlows = Array.from({ length: 5 }, (_, n) => pair(10 + n)).flat();
    const urgent = port.apply(urgentFlows, [], { urgent: true }).then(() => order.push('urgent'));
    await Promise.all([...paced, urgent]);
    expect(mem.batches[1]).toBeGreaterThanOrEqual(urgentFlows.length);
    expect(urgentFlows.length).toBeGreaterThan(8);
    expect(order.indexOf('urgent')).toBeLessThan(order.indexOf('paced 5'));
  });

  it('sends urgent deletes while a batch is still on its way, without waiting for its barrier', async () => {
    const mem = new MemoryPort();
    await mem.apply(pair(1), []);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const started: number[] = [];
    const inner = Object.assign(Object.create(mem) as MemoryPort, {
      apply: async (adds: readonly FlowSpec[], deletes: readonly FlowRef[]) => {
        started.push(adds.length + deletes.length);
        // The first batch's barrier is answered only when the test says so.
        if (started.length === 1) await held;
        return mem.apply(adds, deletes);
      },
    });
    const port = new PacedFlowPort(inner, pacing);
    const slow = port.apply(pair(2).slice(0, 4), []);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([4]);
    const gone = pair(1);
    await port.apply([], gone, { urgent: true });
    // The urgent deletes went out and were answered while the first batch still waits.
    expect(started).toEqual([4, gone.length]);
    expect(gone.some((f) => mem.table.has(flowKey(f)))).toBe(false);
    release();
    await slow;
    expect(
      pair(2)
        .slice(0, 4)
        .every((f) => mem.table.has(flowKey(f))),
    ).toBe(true);
  });
});
