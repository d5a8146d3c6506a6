import { describe, expect, it } from 'vitest';
import { TAG_MASK, tagCookie } from '../../../src/plan/cookie.js';
import { flowKey } from '../../../src/plan/flow-spec.js';
import { planPair } from '../../../src/plan/planner.js';
import { Reconciler } from '../../../src/switch/reconciler.js';
import { planLeg as leg, planOptions as opts } from './fixtures.js';
import { MemoryPort } from './memory-port.js';

const pair = (bridge: string, n: number) =>
  planPair(
    bridge,
    'forward',
    [
      leg(`${bridge}a`, 10000 + 2 * n, '198.51.100.10', 4000 + n),
      leg(`${bridge}b`, 10001 + 2 * n, '198.51.100.11', 5000 + n),
    ],
    opts,
  );

describe('the reconciler', () => {
  it('adds what is desired and leaves it alone on the next sync', async () => {
    const port = new MemoryPort();
    const r = new Reconciler(port, tagCookie(0xab), TAG_MASK);
    r.setDesired('B1', pair('B1', 1));
    expect((await r.sync(['B1'])).added).toBe(4);
    const again = await r.sync(['B1']);
    expect(again).toMatchObject({ added: 0, deleted: 0, unchanged: 4 });
  });

  it('adopts flows installed by an earlier run without deleting or re-adding them', async () => {
    const port = new MemoryPort();
    const first = new Reconciler(port, tagCookie(0xab), TAG_MASK);
    first.setDesired('B1', pair('B1', 1));
    first.setDesired('B2', pair('B2', 2));
    await first.sync();
    port.ops.length = 0;
    const restarted = new Reconciler(port, tagCookie(0xab), TAG_MASK);
    await restarted.refresh();
    restarted.setDesired('B1', pair('B1', 1));
    restarted.setDesired('B2', pair('B2', 2));
    const res = await restarted.sync();
    expect(res).toMatchObject({ added: 0, deleted: 0, unchanged: 8 });
    expect(port.ops).toEqual([]);
  });

  it('deletes, on a full sync, flows carrying our tag that no bridge wants', async () => {
    const port = new MemoryPort();
    const r = new Reconciler(port, tagCookie(0xab), TAG_MASK);
    r.setDesired('GONE', pair('GONE', 3));
    await r.sync();
    const fresh = new Reconciler(port, tagCookie(0xab), TAG_MASK);
    await fresh.refresh();
    fresh.setDesired('B1', pair('B1', 1));
    const res = await fresh.sync();
    expect(res.deleted).toBe(4);
    expect(res.added).toBe(4);
    expect(port.table.size).toBe(4);
  });

  it('rewrites only the flows whose actions changed when a remote moves', async () => {
    const port = new MemoryPort();
    const r = new Reconciler(port, tagCookie(0xab), TAG_MASK);
    const before = planPair(
      'B',
      'forward',
      [leg('a', 10000, '198.51.100.10', 4000), leg('b', 10002, '198.51.100.11', 5000)],
      opts,
    );
    r.setDesired('B', before);
    await r.sync(['B']);
    port.ops.length = 0;
    // Re-INVITE: bob now sends from another address.
    const after = planPair(
      'B',
      'forward',
      [leg('a', 10000, '198.51.100.10', 4000), leg('b', 10002, '198.51.100.12', 5002)],
      opts,
    );
    const prev = r.keysOf('B');
    r.setDesired('B', after);
    const res = await r.sync(['B'], prev);
    // bob's ingress and egress watch have new matches (2 deletes + 2 adds); alice's
    // forward flow keeps its match and gets new actions (1 add); alice's watch is untouched.
    expect(res).toMatchObject({ deleted: 2, added: 3, unchanged: 1 });
    expect(port.table.size).toBe(4);
  });

  it('reports per-flow failures and keeps them out of the mirror', async () => {
    const port = new MemoryPort();
    const r = new Reconciler(port, tagCookie(0xab), TAG_MASK);
    const flows = pair('B', 1);
    port.failAdds.add(flowKey(flows[0]!));
    const res = await r.sync((r.setDesired('B', flows), ['B']));
    expect(res.failed).toBe(1);
    expect(res.failures[0]).toContain('TABLE_FULL');
    expect(r.installed(flowKey(flows[0]!))).toBeUndefined();
    expect(r.installed(flowKey(flows[1]!))).toBeDefined();
  });

  it('re-adds a desired flow the switch removed by itself', async () => {
    const port = new MemoryPort();
    const r = new Reconciler(port, tagCookie(0xab), TAG_MASK);
    const flows = pair('B', 1);
    r.setDesired('B', flows);
    await r.sync(['B']);
    port.expire(flowKey(flows[0]!));
    expect(r.forget(flowKey(flows[0]!))).toBe('B');
    expect((await r.sync(['B'])).added).toBe(1);
  });
});

describe('flows with our tag but not our shape', () => {
  it('are deleted by their exact cookie on refresh, and their pair is added again', async () => {
    const port = new MemoryPort();
    const r = new Reconciler(port, tagCookie(0xab), TAG_MASK);
    const flows = pair('B', 1);
    r.setDesired('B', flows);
    await r.sync(['B']);
    // Someone rewrote one of our flows into a shape we never write (a drop flow).
    const key = flowKey(flows[0]!);
    port.table.set(key, { spec: { ...flows[0]!, actions: [] }, packets: 0, addedAt: 0 });
    const dump = port.dump.bind(port);
    port.dump = async (c, m) =>
      (await dump(c, m)).map((f) => (f.key === key ? { ...f, spec: null, body: null, key: 'unparsed' } : f));
    await r.refresh();
    expect([...port.table.values()].some((v) => v.spec.cookie === flows[0]!.cookie)).toBe(false);
    const res = await r.sync();
    expect(res.added).toBe(4);
    expect(port.table.get(key)!.spec.actions.at(-1)?.type).toBe('output');
  });

  it('marks every flow it writes, so a dump asked for earlier can be told to predate it', async () => {
    const port = new MemoryPort();
    const r = new Reconciler(port, tagCookie(0xab), TAG_MASK);
    r.setDesired('B1', pair('B1', 1));
    await r.sync();
    const mark = r.writeMark;
    const first = pair('B1', 1).map((f) => flowKey(f));
    expect(first.some((k) => r.installedAfter(k, mark))).toBe(false);
    r.setDesired('B2', pair('B2', 2));
    await r.sync();
    expect(pair('B2', 2).every((f) => r.installedAfter(flowKey(f), mark))).toBe(true);
    // Unchanged flows are not rewritten, so they keep their mark; unknown keys are not after.
    expect(first.some((k) => r.installedAfter(k, mark))).toBe(false);
    expect(r.installedAfter('no such flow', mark)).toBe(false);
    // A refresh reads the switch later than any dump asked for before it.
    await r.refresh();
    expect(first.every((k) => r.installedAfter(k, mark))).toBe(true);
  });
});
