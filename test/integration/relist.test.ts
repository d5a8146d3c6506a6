import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffloadLab, type LabCall } from '../../src/lab/offload-lab.js';

/**
 * A missed hangup must not leave a flow that later delivers someone else's media to the
 * old call's party (issue 11 item 5). The PBX has exactly two RTP port pairs, so the next
 * call's legs take the ports of the call whose hangup was dropped.
 */
const RELIST_MS = 1500;
let lab: OffloadLab;

beforeAll(async () => {
  lab = await OffloadLab.create({
    pbx: { rtpPortRange: [10000, 10004] },
    agent: { asterisk: { relistIntervalMs: RELIST_MS } },
  });
  lab.gen.start();
}, 60_000);
afterAll(async () => {
  await lab?.destroy();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function forwardingFlows(ports: readonly number[]): Promise<string[]> {
  return (await lab.bed.ofctl('dump-flows'))
    .split('\n')
    .filter((l) => l.includes('IN_PORT') && ports.some((p) => l.includes(`tp_dst=${p}`)));
}

describe('a hangup Asterisk never reported', () => {
  it('loses its flows within one re-list, and the next call on the same address and port gets its own media', async () => {
    const old: LabCall = await lab.placeCall();
    await lab.until('call offloaded', () => lab.stateOf(old) === 'offloaded', 20_000);
    const ports = [old.call.caller.localRtpPort, old.call.callee.localRtpPort];
    expect(await forwardingFlows(ports)).toHaveLength(2);

    lab.pbx.faults.dropNextHangup(old.call.caller.uniqueid);
    old.call.hangup();
    expect(lab.pbx.bridges()).toHaveLength(0);
    // The old callee's phone goes quiet; the caller's phone keeps sending toward the same
    // PBX port, as a phone whose next call reuses its address and port would.
    old.b.setSending(false);
    const hungUpAt = Date.now();
    // Within one re-list interval (plus the time to run it on a loaded machine).
    await lab.until(
      'flows of the gone bridge removed',
      async () => (await forwardingFlows(ports)).length === 0,
      RELIST_MS * 4 + 5000,
    );
    const removedAfter = Date.now() - hungUpAt;
    console.log(`dropped hangup → flows removed: ${removedAfter} ms (re-list every ${RELIST_MS} ms)`);
    expect(lab.agent!.engine.statusOf(old.call.bridgeId)).toBeNull();
    // And they stay gone: no idle expiry or audit adds them back.
    await sleep(RELIST_MS * 2);
    expect(await forwardingFlows(ports)).toEqual([]);

    // The next call: its caller is the same phone (same address and port), toward the
    // same PBX port; its callee is a new phone.
    const phone = await lab.newPhone();
    const next = await lab.pbx.placeCall({
      caller: { endpoint: 'alice', remote: old.aAddress },
      callee: { endpoint: 'bob', remote: { address: phone.address, port: phone.port } },
    });
    expect(next.caller.localRtpPort).toBe(old.call.caller.localRtpPort);
    const c = phone.attach({ address: next.callee.localAddress, port: next.callee.localRtpPort });
    const oldHeard = old.b.stats().received;
    await lab.until(
      'new call offloaded',
      () => lab.agent!.engine.statusOf(next.bridgeId)?.state === 'offloaded',
      20_000,
    );
    const heard = c.stats().received;
    await sleep(1000);
    // The new callee hears the caller; the old callee hears nothing at all.
    expect(c.stats().received - heard).toBeGreaterThan(20);
    expect(old.b.stats().received).toBe(oldHeard);
  }, 90_000);
});
