import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffloadLab, type LabCall } from '../../src/lab/offload-lab.js';

describe('the switch refusing flows', () => {
  let lab: OffloadLab;
  let calls: LabCall[];

  beforeAll(async () => {
    lab = await OffloadLab.create();
    // Table 0 holds the bridge's NORMAL flow plus 8 more: two calls' worth (4 flows each).
    await lab.bed.vsctl([
      '--',
      '--id=@ft',
      'create',
      'Flow_Table',
      'flow_limit=9',
      'overflow_policy=refuse',
      '--',
      'set',
      'Bridge',
      'breth0',
      'flow_tables:0=@ft',
    ]);
    calls = [];
    for (let i = 0; i < 3; i++) calls.push(await lab.placeCall());
    lab.gen.start();
    await lab.until('two calls offloaded', () => lab.offloadedCount() === 2, 20_000);
    await new Promise((r) => setTimeout(r, 1500));
  }, 60_000);
  afterAll(async () => {
    await lab?.destroy();
  });

  it('leaves the call that did not fit with Asterisk, with the switch error as its reason', () => {
    const refused = calls
      .map((c) => lab.agent!.engine.statusOf(c.call.bridgeId)!)
      .filter((s) => s.state !== 'offloaded');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toBe('backoff');
    expect(refused[0]!.detail).toContain('TABLE_FULL');
  });

  it('keeps no partial flow for it, and its media still flows through the PBX', async () => {
    const c = calls.find((x) => lab.stateOf(x) !== 'offloaded')!;
    const flows = await lab.bed.ofctl('dump-flows');
    expect(flows).not.toContain(`tp_dst=${c.call.caller.localRtpPort}`);
    expect(flows).not.toContain(`tp_dst=${c.call.callee.localRtpPort}`);
    const relayed = c.call.relayed().packets;
    const heard = c.a.stats().received;
    await new Promise((r) => setTimeout(r, 1000));
    expect(c.call.relayed().packets - relayed).toBeGreaterThan(80);
    expect(c.a.stats().received - heard).toBeGreaterThan(40);
  });
});
