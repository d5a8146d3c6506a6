import { describe, expect, it } from 'vitest';
import { bridgeStatus, legCounters } from '../../../src/engine/status.js';
import { Transitions } from '../../../src/engine/transitions.js';
import { bridgeView } from '../core/fixtures.js';
import { count, makeContext, OFFLOAD_B, twoParty } from './context.js';

async function offloaded() {
  const m = makeContext();
  twoParty(m.ctx.model, 0);
  await new Transitions(m.ctx, m.port).enact('B', OFFLOAD_B, bridgeView({ id: 'B' }), m.clock.now());
  return m;
}

describe('legCounters', () => {
  it('reports forwarded packets and bytes per leg, and what Asterisk still sent', async () => {
    const { ctx, port } = await offloaded();
    await count(port, ctx, 'rtp-forward', 10);
    await count(port, ctx, 'egress-watch', 2);
    expect(legCounters(ctx, 'B')).toEqual([
      expect.objectContaining({
        channelId: '1.1',
        channel: 'PJSIP/alice-00000001',
        packets: 10,
        bytes: 2000,
        asteriskEgressPackets: 2,
      }),
      expect.objectContaining({
        channelId: '1.2',
        channel: 'PJSIP/bob-00000002',
        packets: 10,
        bytes: 2000,
        asteriskEgressPackets: 2,
      }),
    ]);
  });

  it('counts from the offload on, and from zero again when a flow was re-added', async () => {
    const { ctx, port } = await offloaded();
    ctx.tracked.get('B')!.baseline = new Map(
      [...port.table]
        .filter(([, v]) => v.spec.owner.role === 'rtp-forward')
        .map(([k]) => [k, { packets: 5, bytes: 1000 }]),
    );
    await count(port, ctx, 'rtp-forward', 8);
    expect(legCounters(ctx, 'B').map((l) => l.packets)).toEqual([3, 3]);
    for (const v of port.table.values()) if (v.spec.owner.role === 'rtp-forward') v.packets = 2;
    await ctx.reconciler.refresh();
    expect(legCounters(ctx, 'B').map((l) => l.packets)).toEqual([2, 2]);
  });
});

describe('bridgeStatus', () => {
  it('shows when the state began on the wall clock, measured back from now', async () => {
    const { ctx, clock } = await offloaded();
    clock.advance(90_000);
    const realNow = Date.now();
    const s = bridgeStatus(ctx, 'B')!;
    expect(s).toMatchObject({ bridgeId: 'B', state: 'offloaded', technology: 'native_rtp', members: 2 });
    expect(s.cookie).toMatch(/^0x[0-9a-f]+$/);
    expect(Math.abs(s.since - (realNow - 90_000))).toBeLessThan(1000);
  });

  it('knows a bridge the model knows but nothing was decided for, and not one it never saw', () => {
    const { ctx } = makeContext();
    twoParty(ctx.model, 0);
    expect(bridgeStatus(ctx, 'B')).toMatchObject({
      state: 'not-offloaded',
      reason: null,
      since: 0,
      cookie: null,
      legs: [],
    });
    expect(bridgeStatus(ctx, 'nope')).toBeNull();
  });
});
