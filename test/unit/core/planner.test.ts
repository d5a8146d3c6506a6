import { describe, expect, it } from 'vitest';
import { cookieTag, formatCookie, pairCookie, TAG_MASK } from '../../../src/plan/cookie.js';
import { flowBody, flowKey } from '../../../src/plan/flow-spec.js';
import { planPair, type PlanLeg, type PlanOptions } from '../../../src/plan/planner.js';
import { v4, v6 } from './fixtures.js';

const opts: PlanOptions = {
  cookieTag: 0x00ab,
  table: 0,
  priority: 1000,
  idleTimeout: 30,
  watchIdleTimeout: 300,
  ttl: 64,
  bridgeMac: '5a:7d:d5:22:99:41',
  uplinkPort: 1,
  vlan: null,
};
const alice: PlanLeg = {
  channelId: 'a',
  local: v4('198.51.100.148', 12164),
  remote: v4('198.51.100.130', 10322),
  nextHopMac: '6a:a7:45:12:cd:01',
  dscp: 46,
};
const bob: PlanLeg = {
  channelId: 'b',
  local: v4('198.51.100.148', 18364),
  remote: v4('198.51.100.131', 19818),
  nextHopMac: '6a:a7:45:12:cd:ef',
  dscp: 26,
};

describe('the planner', () => {
  it('forwards each direction with an exact 5-tuple match and a rewrite to the other leg', () => {
    const flows = planPair('bridge-1', 'forward', [alice, bob], opts);
    const fwd = flows.filter((f) => f.owner.role === 'rtp-forward');
    expect(fwd).toHaveLength(2);
    const aToB = fwd.find((f) => f.owner.channelId === 'a')!;
    expect(aToB.match).toEqual({
      inPort: { port: 1 },
      family: 4,
      vlan: null,
      srcIp: '198.51.100.130',
      srcPort: 10322,
      dstIp: '198.51.100.148',
      dstPort: 12164,
      ipFrag: 'no',
    });
    expect(aToB.actions).toEqual([
      { type: 'set-eth-src', mac: '5a:7d:d5:22:99:41' },
      { type: 'set-eth-dst', mac: '6a:a7:45:12:cd:ef' },
      { type: 'set-ip-src', ip: '198.51.100.148' },
      { type: 'set-ip-dst', ip: '198.51.100.131' },
      { type: 'set-udp-src', port: 18364 },
      { type: 'set-udp-dst', port: 19818 },
      { type: 'set-ip-dscp', dscp: 26 },
      { type: 'set-ttl', ttl: 64 },
      { type: 'output', to: { reserved: 'IN_PORT' } },
    ]);
    expect(aToB.idleTimeout).toBe(30);
  });

  it('watches Asterisk sending on each leg with pass-through counting flows', () => {
    const flows = planPair('bridge-1', 'forward', [alice, bob], opts);
    const watch = flows.filter((f) => f.owner.role === 'egress-watch');
    expect(watch.map((f) => f.match)).toEqual([
      {
        inPort: { reserved: 'LOCAL' },
        family: 4,
        vlan: null,
        srcIp: '198.51.100.148',
        srcPort: 12164,
        dstIp: '198.51.100.130',
        dstPort: 10322,
        ipFrag: 'no',
      },
      {
        inPort: { reserved: 'LOCAL' },
        family: 4,
        vlan: null,
        srcIp: '198.51.100.148',
        srcPort: 18364,
        dstIp: '198.51.100.131',
        dstPort: 19818,
        ipFrag: 'no',
      },
    ]);
    for (const f of watch) expect(f.actions).toEqual([{ type: 'output', to: { reserved: 'NORMAL' } }]);
  });

  it('takes only unfragmented datagrams in every flow, so every fragment reaches Asterisk', () => {
    for (const mode of ['forward', 'probe'] as const) {
      for (const f of planPair('x', mode, [alice, bob], opts)) expect(f.match.ipFrag).toBe('no');
    }
  });

  it('never plans a flow that drops: every action list ends with an output', () => {
    for (const mode of ['forward', 'probe'] as const) {
      for (const f of planPair('x', mode, [alice, bob], opts)) expect(f.actions.at(-1)?.type).toBe('output');
    }
  });

  it('probes with the same matches the forwarding flows will use, so an ADD upgrades them in place', () => {
    const probe = planPair(
      'bridge-1',
      'probe',
      [
        { ...alice, nextHopMac: null },
        { ...bob, nextHopMac: null },
      ],
      opts,
    );
    const fwd = planPair('bridge-1', 'forward', [alice, bob], opts);
    expect(probe.map(flowKey).sort()).toEqual(fwd.map(flowKey).sort());
    expect(probe.filter((f) => f.owner.role === 'ingress-probe').every((f) => f.actions.length === 1)).toBe(
      true,
    );
    const fwdBody = new Map(fwd.map((f) => [flowKey(f), flowBody(f)]));
    for (const p of probe) {
      // Ingress probes are rewritten in place; egress watches stay as they are (no churn).
      if (p.owner.role === 'ingress-probe') expect(fwdBody.get(flowKey(p))).not.toBe(flowBody(p));
      else expect(fwdBody.get(flowKey(p))).toBe(flowBody(p));
    }
  });

  it('plans IPv6 pairs the same way', () => {
    const a6 = { ...alice, local: v6('2001:db8:100::1', 12164), remote: v6('2001:db8:100::10', 10322) };
    const b6 = { ...bob, local: v6('2001:db8:100::1', 18364), remote: v6('2001:db8:100::11', 19818) };
    const f = planPair('b6', 'forward', [a6, b6], opts).find(
      (x) => x.owner.role === 'rtp-forward' && x.owner.channelId === 'a',
    )!;
    expect(f.match.family).toBe(6);
    expect(f.actions).toContainEqual({ type: 'set-ip-dst', ip: '2001:db8:100::11' });
  });

  it('matches the VLAN of a tagged uplink', () => {
    const f = planPair('b', 'forward', [alice, bob], { ...opts, vlan: 42 })[0]!;
    expect(f.match.vlan).toBe(42);
  });
});

describe('cookies', () => {
  it('carry the agent tag in the top 16 bits and a stable pair id below', () => {
    const c = pairCookie(0xab, 'bridge-1', ['a', 'b']);
    expect(cookieTag(c)).toBe(0xab);
    expect(c & TAG_MASK).toBe(0xabn << 48n);
    expect(pairCookie(0xab, 'bridge-1', ['b', 'a'])).toBe(c);
    expect(pairCookie(0xab, 'bridge-2', ['a', 'b'])).not.toBe(c);
    expect(pairCookie(0xac, 'bridge-1', ['a', 'b']) & ~TAG_MASK).toBe(c & ~TAG_MASK);
    expect(formatCookie(c)).toMatch(/^0x00ab[0-9a-f]{12}$/);
  });
});
