import { describe, expect, it } from 'vitest';
import type { FlowStatsEntry } from '../../../src/openflow/index.js';
import { flowBody, flowKey } from '../../../src/plan/flow-spec.js';
import { planPair } from '../../../src/plan/planner.js';
import { fromStats, toFlowMod } from '../../../src/switch/openflow-port.js';
import { planLeg as leg, planOptions as opts } from './fixtures.js';

/** What the switch would report for a flow the agent wrote. */
function statsOf(mod: ReturnType<typeof toFlowMod>, packets: bigint): FlowStatsEntry {
  return {
    tableId: mod.tableId ?? 0,
    durationSec: 3,
    durationNsec: 0,
    priority: mod.priority ?? 0,
    idleTimeout: mod.idleTimeout ?? 0,
    hardTimeout: 0,
    flags: mod.flags ?? 0,
    cookie: mod.cookie ?? 0n,
    packetCount: packets,
    byteCount: packets * 200n,
    match: mod.match ?? [],
    instructions: mod.instructions ?? [],
  };
}

describe('flow stats read back', () => {
  it('give the key, counters and body of the flow that was written (the body built when read)', () => {
    const flows = planPair(
      'B',
      'forward',
      [leg('a', 10000, '198.51.100.10', 4000), leg('b', 10002, '198.51.100.11', 5000)],
      opts,
    );
    for (const f of flows) {
      const got = fromStats(statsOf(toFlowMod(f), 7n));
      expect(got.key).toBe(flowKey(f));
      expect([got.packets, got.bytes, got.durationSec]).toEqual([7, 1400, 3]);
      expect(got.body).toBe(flowBody(f));
      // Read twice, copied, serialised: always the same string.
      expect(got.body).toBe(flowBody(f));
      expect({ ...got }.body).toBe(flowBody(f));
      expect(JSON.parse(JSON.stringify({ body: got.body })).body).toBe(flowBody(f));
      expect(got.spec).toMatchObject({ cookie: f.cookie, match: f.match, actions: f.actions });
    }
  });
});

describe('ip_frag=no on the wire and back', () => {
  const [flow] = planPair(
    'B',
    'forward',
    [leg('a', 10000, '198.51.100.10', 4000), leg('b', 10002, '198.51.100.11', 5000)],
    opts,
  );

  it('writes NXM_NX_IP_FRAG 0 in every flow the agent plans', () => {
    expect(toFlowMod(flow!).match).toContainEqual({ type: 'IP_FRAG', value: 0 });
  });

  it('reads back the same key whether OVS returns the field unmasked or as 0/3', () => {
    const mod = toFlowMod(flow!);
    const masked = mod.match!.map((f) =>
      f.type === 'IP_FRAG' ? { type: 'IP_FRAG' as const, value: 0, mask: 3 } : f,
    );
    expect(fromStats(statsOf(mod, 1n)).key).toBe(flowKey(flow!));
    expect(fromStats(statsOf({ ...mod, match: masked }, 1n)).key).toBe(flowKey(flow!));
  });

  it('keys a flow without the field (written by an earlier version) apart, so it is replaced', () => {
    const mod = toFlowMod(flow!);
    const old = fromStats(statsOf({ ...mod, match: mod.match!.filter((f) => f.type !== 'IP_FRAG') }, 1n));
    expect(old.spec?.match.ipFrag).toBe('any');
    expect(old.key).not.toBe(flowKey(flow!));
  });

  it('leaves a flow taking fragments (ip_frag=first, later, not_later) unparsed', () => {
    const mod = toFlowMod(flow!);
    for (const [value, mask] of [
      [1, 3],
      [3, 3],
      [0, 2],
    ] as const) {
      const match = mod.match!.map((f) =>
        f.type === 'IP_FRAG' ? { type: 'IP_FRAG' as const, value, mask } : f,
      );
      expect(fromStats(statsOf({ ...mod, match }, 1n)).spec).toBeNull();
    }
  });
});
