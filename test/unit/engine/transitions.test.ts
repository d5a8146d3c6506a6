import { describe, expect, it } from 'vitest';
import { Transitions } from '../../../src/engine/transitions.js';
import type { Decision } from '../../../src/policy/eligibility.js';
import { refuse } from '../../../src/policy/reasons.js';
import type { BridgeView } from '../../../src/policy/view.js';
import { bridgeView } from '../core/fixtures.js';
import { count, makeContext, OFFLOAD_B, twoParty } from './context.js';

const view = (over: Partial<BridgeView> = {}): BridgeView => bridgeView({ id: 'B', ...over });
const refused = (code: Parameters<typeof refuse>[0], probe = false): Decision => ({
  offload: false,
  probe,
  ...refuse(code),
});
/** Lets pending promise chains run until `cond` holds (no timer: the clock here is manual). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise<void>((r) => setImmediate(r));
  expect(cond()).toBe(true);
}
/** The packet counts of each revert the listeners hear of, in order. */
function revertsOf(ctx: Context): number[][] {
  const reverted: number[][] = [];
  ctx.listeners.reverted.push((_id, _reason, legs) => reverted.push(legs.map((l) => l.packets)));
  return reverted;
}

/** Offloads B at `now`; an audit reads 5 packets per flow, 7 more pass, then B is gone. */
async function offloadThenGone(t: Transitions, ctx: Context, port: Port, now: number): Promise<void> {
  twoParty(ctx.model, now);
  await t.enact('B', OFFLOAD_B, view(), now + 100);
  await count(port, ctx, 'rtp-forward', 5);
  for (const v of port.table.values()) if (v.spec.owner.role === 'rtp-forward') v.packets += 7;
  ctx.model.bridges.delete('B');
}
type Context = ReturnType<typeof makeContext>['ctx'];
type Port = ReturnType<typeof makeContext>['port'];
const roles = (port: ReturnType<typeof makeContext>['port']) =>
  [...port.table.values()].map((v) => v.spec.owner.role).sort();

describe('Transitions', () => {
  it('installs the forwarding flows of an offload, records it and tells the listeners once', async () => {
    const { ctx, port } = makeContext();
    twoParty(ctx.model, 0);
    const offloaded: string[] = [];
    ctx.listeners.offloaded.push((id) => offloaded.push(id));
    const t = new Transitions(ctx, port);
    await t.enact('B', OFFLOAD_B, view(), 100);
    await t.enact('B', OFFLOAD_B, view(), 200);
    expect(roles(port)).toEqual(['egress-watch', 'egress-watch', 'rtp-forward', 'rtp-forward']);
    expect(ctx.tracked.get('B')).toMatchObject({
      state: 'offloaded',
      reason: null,
      offloadedAt: 100,
      since: 100,
    });
    expect(offloaded).toEqual(['B']);
    expect(ctx.counters).toMatchObject({ offloads: 1, flowAdds: 4 });
  });

  it('reverts with the final counters of the deleted flows, without a dump first, then forgets a bridge that is gone', async () => {
    const { ctx, port } = makeContext();
    port.sendsFlowRemoved = true;
    twoParty(ctx.model, 0);
    const reverted: [string, string, number[]][] = [];
    ctx.listeners.reverted.push((id, reason, legs) =>
      reverted.push([id, reason, legs.map((l) => l.packets)]),
    );
    const t = new Transitions(ctx, port);
    await t.enact('B', OFFLOAD_B, view(), 100);
    for (const v of port.table.values()) if (v.spec.owner.role === 'rtp-forward') v.packets += 7;
    ctx.model.bridges.delete('B');
    const dumps = port.dumps;
    await t.enact('B', refused('not-two-party'), null, 200);
    expect(port.table.size).toBe(0);
    expect(port.dumps).toBe(dumps);
    expect(reverted).toEqual([['B', 'not-two-party', [7, 7]]]);
    expect(ctx.tracked.has('B')).toBe(false);
  });

  it('keeps the last audit counters of a deleted flow whose FLOW_REMOVED did not come', async () => {
    const { ctx, port } = makeContext();
    const t = new Transitions(ctx, port);
    const reverted = revertsOf(ctx);
    await offloadThenGone(t, ctx, port, 0);
    await t.enact('B', refused('not-two-party'), null, 200);
    expect(reverted).toEqual([[5, 5]]);
  });

  it('waits, at most the grace, for a FLOW_REMOVED that comes after the delete is answered', async () => {
    const { ctx, port, clock } = makeContext();
    port.sendsFlowRemoved = true;
    port.flowRemovedLate = true;
    port.flowRemovedGraceMs = 250;
    const t = new Transitions(ctx, port);
    const reverted = revertsOf(ctx);
    await offloadThenGone(t, ctx, port, 0);
    const revert = t.enact('B', refused('not-two-party'), null, 200);
    await until(() => port.lateRemovals.length === 2);
    expect(reverted).toEqual([]);
    port.deliverLateRemovals();
    await revert;
    expect(reverted).toEqual([[12, 12]]);

    // None comes: the revert ends at the grace with the last audit's counters.
    await offloadThenGone(t, ctx, port, 300);
    const silent = t.enact('B', refused('not-two-party'), null, 400);
    await until(() => port.lateRemovals.length === 2 && clock.pending > 0);
    clock.advance(249);
    await new Promise<void>((r) => setImmediate(r));
    expect(reverted).toHaveLength(1);
    clock.advance(1);
    await silent;
    expect(reverted[1]).toEqual([5, 5]);
  });

  it('installs probes for a probe decision, and nothing at all in dry run', async () => {
    const { ctx, port } = makeContext();
    twoParty(ctx.model, 0);
    await new Transitions(ctx, port).enact('B', refused('remote-not-learned', true), view(), 0);
    expect(roles(port)).toEqual(['egress-watch', 'egress-watch', 'ingress-probe', 'ingress-probe']);
    expect(ctx.tracked.get('B')?.state).toBe('probing');

    const dry = makeContext({ dryRun: true });
    twoParty(dry.ctx.model, 0);
    await new Transitions(dry.ctx, dry.port).enact('B', OFFLOAD_B, view(), 0);
    expect(dry.port.table.size).toBe(0);
    expect(dry.ctx.tracked.get('B')?.state).toBe('would-offload');
  });

  it('fails open when the switch refuses a flow: nothing stays installed and the bridge backs off', async () => {
    const { ctx, port } = makeContext({ backoffMs: 30_000 });
    twoParty(ctx.model, 0);
    port.apply = async (adds) =>
      adds.slice(0, 1).map((a) => ({ key: String(a.cookie), op: 'add' as const, error: 'TABLE_FULL' }));
    await new Transitions(ctx, port).enact('B', OFFLOAD_B, view(), 1000);
    expect(ctx.tracked.get('B')).toMatchObject({
      state: 'not-offloaded',
      reason: 'backoff',
      backoffUntil: 31_000,
    });
    expect(ctx.counters.flowFailures).toBe(1);
  });

  it('says the switch is unavailable when there are no switch facts, and installs nothing', async () => {
    const { ctx, port } = makeContext();
    twoParty(ctx.model, 0);
    ctx.flags.switchFacts = null;
    await new Transitions(ctx, port).enact('B', OFFLOAD_B, view(), 0);
    expect(port.table.size).toBe(0);
    expect(ctx.tracked.get('B')).toMatchObject({ state: 'not-offloaded', reason: 'switch-unavailable' });
  });

  it('wakes a too-young bridge when it comes of age, and one in back-off when that ends', async () => {
    const { ctx, port, clock, evaluated } = makeContext({
      policy: { ...makeContext().ctx.cfg.policy, minBridgeAgeMs: 2000 },
    });
    twoParty(ctx.model, clock.now());
    const t = new Transitions(ctx, port);
    await t.enact('B', refused('too-young'), view({ twoPartySince: clock.now() }), clock.now());
    clock.advance(1999);
    expect(evaluated).toEqual([]);
    clock.advance(1);
    await ctx.scheduler.idle();
    expect(evaluated).toEqual(['B']);
    await t.enact('B', refused('backoff'), view({ backoffUntil: clock.now() + 500 }), clock.now());
    clock.advance(500);
    await ctx.scheduler.idle();
    expect(evaluated).toEqual(['B', 'B']);
  });

  it('re-reads a refused technology a bounded number of times, further apart each time', async () => {
    const { ctx, port, clock, evaluated } = makeContext();
    twoParty(ctx.model, 0);
    const t = new Transitions(ctx, port);
    const wakes: number[] = [];
    for (let i = 0; i < 8; i++) {
      const start = clock.now();
      const before = evaluated.length;
      await t.enact('B', refused('technology'), view(), clock.now());
      while (evaluated.length === before && clock.now() - start < 20_000) {
        clock.advance(10);
        await ctx.scheduler.idle();
      }
      wakes.push(evaluated.length > before ? clock.now() - start : -1);
      expect(ctx.model.bridges.get('B')?.technologyStale).toBe(i < 6);
      ctx.model.bridges.get('B')!.technologyStale = false;
    }
    expect(wakes).toEqual([20, 50, 100, 400, 1600, 6400, -1, -1]);
  });
});
