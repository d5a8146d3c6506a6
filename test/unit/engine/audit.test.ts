import { describe, expect, it } from 'vitest';
import { Auditor, deliveryProblem } from '../../../src/engine/audit.js';
import { Transitions } from '../../../src/engine/transitions.js';
import type { ChannelState } from '../../../src/model/call-model.js';
import type { LegStatus } from '../../../src/engine/types.js';
import { bridgeView, channel } from '../core/fixtures.js';
import { count, makeContext, OFFLOAD_B, twoParty } from './context.js';

async function offloaded(over: Parameters<typeof makeContext>[0] = {}) {
  const m = makeContext(over);
  twoParty(m.ctx.model, 0);
  await new Transitions(m.ctx, m.port).enact('B', OFFLOAD_B, bridgeView({ id: 'B' }), m.clock.now());
  m.evaluated.length = 0;
  return { ...m, auditor: new Auditor(m.ctx, m.port) };
}

describe('Auditor', () => {
  it('looks again at a bridge whose flow someone else removed', async () => {
    const { port, auditor, evaluated, ctx } = await offloaded();
    const gone = [...port.table.keys()][0]!;
    port.table.delete(gone);
    await auditor.audit();
    await ctx.scheduler.idle();
    expect(evaluated).toEqual(['B']);
    expect(ctx.reconciler.installed(gone)).toBeUndefined();
  });

  it('re-reads the legs when Asterisk still relays, and backs off after three audits in a row', async () => {
    const { port, auditor, ctx, clock } = await offloaded({ backoffMs: 60_000 });
    await auditor.audit(); // takes the egress counters in
    for (let i = 1; i <= 3; i++) {
      await count(port, ctx, 'egress-watch', 5);
      await auditor.audit();
      expect(ctx.model.membersOf('B').every((c) => c.legStale)).toBe(true);
      expect(ctx.tracked.get('B')!.backoffUntil).toBe(i < 3 ? null : clock.now() + 60_000);
    }
    expect(ctx.tracked.get('B')!.backoffCause).toMatch(/keeps relaying/);
  });

  it('forgets past strikes once the egress counters stand still', async () => {
    const { port, auditor, ctx } = await offloaded();
    await auditor.audit();
    await count(port, ctx, 'egress-watch', 5);
    await auditor.audit();
    await auditor.audit();
    expect(ctx.tracked.get('B')!.egressStrikes).toBe(0);
  });

  it('reads the counters of probing bridges and evaluates them', async () => {
    const { ctx, auditor, evaluated } = await offloaded();
    ctx.tracked.get('B')!.state = 'probing';
    await auditor.probeTick();
    await ctx.scheduler.idle();
    expect(evaluated).toEqual(['B']);
  });
});

describe('deliveryProblem', () => {
  const member = (id: string, name: string, reports: [number, number, number][]): ChannelState =>
    ({
      info: channel(id, name),
      receivedReports: new Map(reports.map(([ssrc, highestSequence, at]) => [ssrc, { highestSequence, at }])),
    }) as unknown as ChannelState;
  const forwarded = (a: number, b: number): LegStatus[] =>
    [
      ['1.1', a],
      ['1.2', b],
    ].map(([channelId, packets]) => ({ channelId, packets }) as unknown as LegStatus);
  const atOffload = new Map([
    ['1.1', new Map([[0xb0b, 100]])],
    ['1.2', new Map([[0xa11ce, 200]])],
  ]);

  it('finds media astray when fresh reports stop advancing although the switch forwards', () => {
    const members = [
      member('1.1', 'alice', [[0xb0b, 150, 9000]]),
      member('1.2', 'bob', [[0xa11ce, 200, 9000]]),
    ];
    expect(deliveryProblem(members, forwarded(40, 40), atOffload, 0, 10_000)).toBe(
      'bob reports no new RTP although the switch forwarded 40 packets',
    );
  });

  it('sees no problem while reports advance, while nothing is forwarded, or with old reports only', () => {
    const advancing = [
      member('1.1', 'alice', [[0xb0b, 150, 9000]]),
      member('1.2', 'bob', [[0xa11ce, 260, 9000]]),
    ];
    expect(deliveryProblem(advancing, forwarded(40, 40), atOffload, 0, 10_000)).toBeNull();
    const stale = [
      member('1.1', 'alice', [[0xb0b, 150, 9000]]),
      member('1.2', 'bob', [[0xa11ce, 200, 9000]]),
    ];
    expect(deliveryProblem(stale, forwarded(0, 40), atOffload, 0, 10_000)).toBeNull();
    const old = [member('1.1', 'alice', [[0xb0b, 100, 4000]]), member('1.2', 'bob', [[0xa11ce, 200, 4000]])];
    expect(deliveryProblem(old, forwarded(40, 40), atOffload, 0, 10_000)).toBeNull();
  });
});

describe('Auditor.auditIfOlder', () => {
  it('serves the last audit while it is young, dumps again once it is older, and shares a running one', async () => {
    const { port, auditor, clock } = await offloaded();
    let dumps = 0;
    const dump = port.dump.bind(port);
    port.dump = (cookie, mask) => (dumps++, dump(cookie, mask));
    await auditor.audit();
    expect(dumps).toBe(1);
    clock.advance(2000);
    await auditor.auditIfOlder(3000);
    expect(dumps).toBe(1);
    clock.advance(1500);
    await auditor.auditIfOlder(3000);
    expect(dumps).toBe(2);
    await Promise.all([auditor.audit(), auditor.auditIfOlder(0), auditor.audit()]);
    expect(dumps).toBe(3);
  });

  it('does not count a failed dump as fresh counters', async () => {
    const { port, auditor } = await offloaded();
    let dumps = 0;
    const dump = port.dump.bind(port);
    port.dump = (cookie, mask) => (++dumps === 1 ? Promise.reject(new Error('switch gone')) : dump(cookie, mask));
    await auditor.audit();
    await auditor.auditIfOlder(3000);
    expect(dumps).toBe(2);
  });
});
