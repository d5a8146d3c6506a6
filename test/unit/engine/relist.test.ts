import { describe, expect, it } from 'vitest';
import type { BridgeSnapshot } from '../../../src/model/pbx.js';
import { policy } from '../core/fixtures.js';
import { alice, bob, bridge, mediaFlows, setup } from './harness.js';

const listed: BridgeSnapshot = {
  id: 'B',
  technology: 'native_rtp',
  bridgeClass: 'basic',
  channels: [alice, bob],
};

/** An offloaded call B, the resync after connecting done, relisting every 1000 ms. */
async function offloadedAndSynced() {
  const s = setup({ relistIntervalMs: 1000 });
  await bridge(s);
  s.source.bridges = [listed];
  s.source.emit({ kind: 'connected', source: 'ami', startupTime: 'x', restarted: false });
  await new Promise((r) => setImmediate(r));
  await s.engine.idle();
  await mediaFlows(s);
  expect(s.engine.statusOf('B')?.state).toBe('offloaded');
  return s;
}

const tick = async (s: Awaited<ReturnType<typeof offloadedAndSynced>>, ms: number) => {
  s.clock.advance(ms);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  await s.engine.idle();
};

describe('the periodic re-list of Asterisk', () => {
  it('removes the flows of a bridge whose hangup was missed, within one interval', async () => {
    const s = await offloadedAndSynced();
    // Asterisk hung the call up; the Hangup/BridgeDestroy never reached us.
    s.source.bridges = [];
    await tick(s, 1000);
    expect(s.port.table.size).toBe(0);
    expect(s.engine.model.bridges.has('B')).toBe(false);
  });

  it('never adds a flow of a gone bridge again after an idle expiry', async () => {
    const s = await offloadedAndSynced();
    s.source.bridges = [];
    const add = s.port.ops.length;
    for (let round = 0; round < 5; round++) {
      for (const key of [...s.port.table.keys()]) s.port.expire(key);
      await tick(s, 1000);
    }
    const adds = s.port.ops.slice(add).filter((o) => o.startsWith('add')).length;
    expect(adds).toBe(0);
    expect(s.port.table.size).toBe(0);
  });

  it('reads nothing again when the listing shows the calls as the model has them', async () => {
    const s = await offloadedAndSynced();
    const before = s.source.requests;
    const ops = s.port.ops.length;
    // What was learned about the channel (RTCP reports, the delivery evidence) stays.
    const alicesState = s.engine.model.channels.get('1.1');
    await tick(s, 1000);
    await tick(s, 1000);
    // Two listings, and not one leg, technology or endpoint read.
    expect(s.source.requests - before).toBe(2);
    expect(s.port.ops.length).toBe(ops);
    expect(s.engine.statusOf('B')?.state).toBe('offloaded');
    expect(s.engine.model.channels.get('1.1')).toBe(alicesState);
  });

  it('re-reads the legs of a bridge whose members changed', async () => {
    const s = await offloadedAndSynced();
    // A masquerade the events did not show: bob's leg is now another channel.
    const carol = { ...bob, id: '1.3', name: 'PJSIP/carol-00000003' };
    s.source.legs.set('1.3', { ...s.source.legs.get('1.2')!, channelId: '1.3' });
    s.source.bridges = [{ ...listed, channels: [alice, carol] }];
    await tick(s, 1000);
    expect(s.engine.model.bridges.get('B')?.members).toEqual(['1.1', '1.3']);
    expect(s.engine.statusOf('B')?.legs.map((l) => l.channelId)).toEqual(['1.1', '1.3']);
  });
});

describe('pins', () => {
  it('keeps no pin for an id that names no bridge or channel', async () => {
    const s = setup({ relistIntervalMs: 0, policy: { ...policy, minBridgeAgeMs: 60_000 } });
    await s.ready;
    expect(s.engine.pin('B', 'offload')).toEqual([]);
    // Had the pin been kept, the bridge that later takes the name would skip its min age.
    await bridge(s);
    expect(s.engine.statusOf('B')?.reason).toBe('too-young');
  });
});
