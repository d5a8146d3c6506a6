import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffloadLab, type LabCall } from '../../src/lab/offload-lab.js';

let lab: OffloadLab;
beforeAll(async () => {
  lab = await OffloadLab.create({ endpoints: { alice: {}, bob: {}, carol: {}, dave: {} } });
  lab.gen.start();
}, 60_000);
afterAll(async () => {
  await lab?.destroy();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const state = (bridgeId: string) => lab.agent!.engine.statusOf(bridgeId);

async function offloaded(o: Parameters<OffloadLab['placeCall']>[0] = {}): Promise<LabCall> {
  const c = await lab.placeCall(o);
  await lab.until('call offloaded', () => lab.stateOf(c) === 'offloaded', 15_000);
  return c;
}

/** Forwarding flows whose match ends at this PBX port. */
async function flowsTo(port: number): Promise<string[]> {
  const dst = new RegExp(`tp_dst=${port}\\b`);
  return (await lab.bed.ofctl('dump-flows')).split('\n').filter((l) => l.includes('IN_PORT') && dst.test(l));
}

describe('transfers and NAT rebinding', () => {
  it('follows a blind transfer: the transferee and the new party are offloaded, the old pair is gone', async () => {
    const x = await offloaded();
    const carol = await lab.newPhone();
    const nc = await x.call.blindTransfer('caller', {
      endpoint: 'carol',
      remote: { address: carol.address, port: carol.port },
    });
    const carolPhone = carol.attach({ address: nc.callee.localAddress, port: nc.callee.localRtpPort });
    x.a.setSending(false);
    await lab.until('new pair offloaded', () => state(nc.bridgeId)?.state === 'offloaded', 15_000);
    await lab.until('old pair gone', () => (state(x.call.bridgeId)?.state ?? 'gone') !== 'offloaded', 5000);
    // Bob (the transferee) hears carol through the switch: from his own PBX leg, and the PBX relays nothing.
    const heard = x.b.stats().received;
    const relayed = nc.relayed().packets;
    await sleep(1000);
    expect(x.b.stats().received - heard).toBeGreaterThan(40);
    expect(nc.relayed().packets).toBe(relayed);
    expect(carolPhone.stats().received).toBeGreaterThan(40);
    expect(await flowsTo(x.call.caller.localRtpPort)).toEqual([]);
  }, 40_000);

  it('follows an attended transfer: the two transferees end up offloaded together', async () => {
    const x = await offloaded(); // alice (transferer) ↔ bob
    const y = await offloaded({ callee: 'carol' }); // alice's consultation call ↔ carol
    const nc = lab.pbx.attendedTransfer(
      { call: x.call, transferer: 'caller' },
      { call: y.call, transferer: 'caller' },
    );
    x.a.setSending(false);
    y.a.setSending(false);
    // The consultation bridge is reused: wait for it to be offloaded with bob in it.
    const bob = x.call.callee.uniqueid;
    await lab.until(
      'bob and carol offloaded',
      () =>
        state(nc.bridgeId)?.state === 'offloaded' &&
        !!state(nc.bridgeId)?.legs.some((l) => l.channelId === bob),
      15_000,
    );
    const heardBob = x.b.stats().received;
    const heardCarol = y.b.stats().received;
    const relayed = nc.relayed().packets;
    await sleep(1000);
    expect(x.b.stats().received - heardBob).toBeGreaterThan(40);
    expect(y.b.stats().received - heardCarol).toBeGreaterThan(40);
    expect(nc.relayed().packets).toBe(relayed);
    expect(await flowsTo(x.call.caller.localRtpPort)).toEqual([]);
  }, 40_000);

  it('notices a NAT rebinding through Asterisk’s egress and moves the flows, losing nothing beyond the rebinding', async () => {
    const c = await offloaded();
    // Bob's NAT maps him to a new public port: his packets no longer match the flow, reach
    // Asterisk, which relays them to alice (its egress moves) and learns the new source.
    const nat = await lab.bed.udpSocket('far', 'udp4', c.bAddress.address, 0);
    const newPort = nat.address().port;
    const natted = lab.gen.add({
      rtp: nat,
      target: { address: c.call.callee.localAddress, port: c.call.callee.localRtpPort },
      rtcpIntervalMs: 0,
    });
    c.b.setSending(false);
    const lostBefore = c.a.stats().lost;
    await lab.until(
      'flows moved to the new port',
      async () => {
        const f = await flowsTo(c.call.callee.localRtpPort);
        return (
          f.some((l) => l.includes(`tp_src=${newPort},`)) && state(c.call.bridgeId)?.state === 'offloaded'
        );
      },
      20_000,
      100,
    );
    expect(await flowsTo(c.call.callee.localRtpPort)).toHaveLength(1);
    const heard = c.a.stats().received;
    await sleep(1000);
    expect(c.a.stats().received - heard).toBeGreaterThan(40);
    // Alice heard bob's new stream all along: through Asterisk, then through the switch.
    expect(c.a.stats().lost - lostBefore).toBeLessThanOrEqual(2);
    expect(natted.stats().sent).toBeGreaterThan(0);
  }, 40_000);
});
