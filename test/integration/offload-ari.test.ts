import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffloadLab, type LabCall } from '../../src/lab/offload-lab.js';

// The agent talks ARI (asterisk.source "ari") to the simulated PBX, which serves it from
// the same live model as AMI: offload, hold, MixMonitor, hangup and transfer end to end.
let lab: OffloadLab;
beforeAll(async () => {
  lab = await OffloadLab.create({ asteriskSource: 'ari', endpoints: { alice: {}, bob: {}, carol: {} } });
  lab.gen.start();
}, 60_000);
afterAll(async () => {
  await lab?.destroy();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `rx` grew by 90 % of what `tx` grew in a window of `ms`: "the phones hear each
 * other" judged against what was actually sent, not a wall-clock rate a loaded machine does not
 * keep; the generous deadline lets a starved receiver read its socket buffer.
 */
async function hearsWhatIsSent(rx: () => number, tx: () => number, ms = 1000): Promise<void> {
  const r0 = rx();
  const t0 = tx();
  await sleep(ms);
  const sent = tx() - t0;
  expect(sent).toBeGreaterThan(0);
  await lab.until(`${sent} packets heard`, () => rx() - r0 >= sent * 0.9, 15_000, 20);
}
const state = (bridgeId: string): string | undefined => lab.agent!.engine.statusOf(bridgeId)?.state;

async function offloaded(o: Parameters<OffloadLab['placeCall']>[0] = {}): Promise<LabCall> {
  const c = await lab.placeCall(o);
  await lab.until('call offloaded', () => lab.stateOf(c) === 'offloaded', 60_000);
  return c;
}

/** Forwarding flows whose match ends at this PBX port. */
async function flowsTo(port: number): Promise<string[]> {
  const dst = new RegExp(`tp_dst=${port}\\b`);
  return (await lab.bed.ofctl('dump-flows')).split('\n').filter((l) => l.includes('IN_PORT') && dst.test(l));
}

describe('offload over ARI against the simulated PBX', () => {
  it('uses ARI, offloads a call, and the PBX relays nothing while the phones hear each other', async () => {
    expect(lab.config.asterisk.source).toBe('ari');
    const c = await offloaded();
    expect(await flowsTo(c.call.caller.localRtpPort)).not.toEqual([]);
    await sleep(300);
    const relayed = c.call.relayed().packets;
    await hearsWhatIsSent(
      () => c.b.stats().received,
      () => c.a.stats().sent,
    );
    expect(c.call.relayed().packets).toBe(relayed);
  }, 90_000);

  it('hands a held call back to the PBX and offloads it again after unhold', async () => {
    const c = await offloaded();
    c.call.hold('caller');
    await lab.until('reverted on hold', () => state(c.call.bridgeId) !== 'offloaded', 30_000);
    c.call.unhold('caller');
    await lab.until('offloaded after unhold', () => state(c.call.bridgeId) === 'offloaded', 60_000);
  }, 150_000);

  it('hands a recorded call back to the PBX and offloads it again after StopMixMonitor', async () => {
    const c = await offloaded();
    c.call.startMixMonitor('callee');
    await lab.until('reverted on MixMonitor', () => state(c.call.bridgeId) !== 'offloaded', 30_000);
    c.call.stopMixMonitor('callee');
    await lab.until('offloaded after StopMixMonitor', () => state(c.call.bridgeId) === 'offloaded', 60_000);
  }, 150_000);

  it('reverts a recording on MIXMONITOR_FILENAME itself: no technology read before the revert', async () => {
    const c = await offloaded();
    const from = lab.pbx.ariTrace.length;
    c.call.startMixMonitor('callee');
    await lab.until('reverted on MixMonitor', () => state(c.call.bridgeId) !== 'offloaded', 5000);
    // The revert's accounting (POST /events/user/RtpOffloadEnd) follows the flow delete.
    await lab.until(
      'revert accounted',
      () => lab.pbx.ariTrace.slice(from).some((l) => l.includes('RtpOffloadEnd')),
      5000,
    );
    const seen = lab.pbx.ariTrace.slice(from);
    const hint = seen.indexOf('event ChannelVarset MIXMONITOR_FILENAME');
    const end = seen.findIndex((l) => l === 'POST /ari/events/user/RtpOffloadEnd');
    expect(hint).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(hint);
    expect(seen.slice(hint, end).filter((l) => l.startsWith('GET /ari/bridges'))).toEqual([]);
    c.call.stopMixMonitor('callee');
    await lab.until('offloaded after StopMixMonitor', () => state(c.call.bridgeId) === 'offloaded', 15_000);
  }, 40_000);

  it('removes the flows of a hung-up call', async () => {
    const c = await offloaded();
    c.call.hangup();
    await lab.until(
      'flows gone',
      async () => (await flowsTo(c.call.caller.localRtpPort)).length === 0,
      30_000,
      50,
    );
    await lab.until('bridge forgotten', () => state(c.call.bridgeId) !== 'offloaded', 30_000);
  }, 90_000);

  it('follows a blind transfer: the new pair is offloaded, the old pair is gone', async () => {
    const x = await offloaded();
    const carol = await lab.newPhone();
    const nc = await x.call.blindTransfer('caller', {
      endpoint: 'carol',
      remote: { address: carol.address, port: carol.port },
    });
    const carolPhone = carol.attach({ address: nc.callee.localAddress, port: nc.callee.localRtpPort });
    x.a.setSending(false);
    await lab.until('new pair offloaded', () => state(nc.bridgeId) === 'offloaded', 60_000);
    await lab.until('old pair gone', () => (state(x.call.bridgeId) ?? 'gone') !== 'offloaded', 30_000);
    await hearsWhatIsSent(
      () => x.b.stats().received,
      () => carolPhone.stats().sent,
    );
    await hearsWhatIsSent(
      () => carolPhone.stats().received,
      () => x.b.stats().sent,
    );
    expect(await flowsTo(x.call.caller.localRtpPort)).toEqual([]);
  }, 150_000);
});
