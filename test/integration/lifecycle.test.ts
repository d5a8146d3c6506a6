import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagerEvent } from '../../src/lab/pbx/index.js';
import { OffloadLab, type LabCall } from '../../src/lab/offload-lab.js';

let lab: OffloadLab;
const events: ManagerEvent[] = [];

beforeAll(async () => {
  lab = await OffloadLab.create({ endpoints: { alice: { tosAudio: 'ef' }, bob: { tosAudio: 'ef' } } });
  lab.pbx.onManagerEvent((e) => events.push(e));
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

async function offloadedCall(): Promise<LabCall> {
  const c = await lab.placeCall();
  await lab.until('call offloaded', () => lab.stateOf(c) === 'offloaded', 60_000);
  return c;
}

/** Forwarding flows for a call, as the switch lists them. */
async function forwardingFlows(c: LabCall): Promise<string[]> {
  const ports = [c.call.caller.localRtpPort, c.call.callee.localRtpPort];
  return (await lab.bed.ofctl('dump-flows'))
    .split('\n')
    .filter((l) => l.includes('IN_PORT') && ports.some((p) => l.includes(`tp_dst=${p}`)));
}

const status = (c: LabCall) => lab.agent!.engine.statusOf(c.call.bridgeId);

describe('following a call through its changes', () => {
  it('reverts on hold (the PBX relays again) and offloads again after unhold, losing nothing at the switchovers', async () => {
    const c = await offloadedCall();
    c.call.hold('caller');
    await lab.until('reverted on hold', () => status(c)?.reason === 'held', 30_000, 20);
    expect(await forwardingFlows(c)).toEqual([]);
    // Asterisk plays music on hold to the held party itself: the PBX sends again.
    const relayed = c.call.relayed().packets;
    const heard = c.b.stats().received;
    await lab.until('music on hold heard', () => c.b.stats().received - heard > 10, 15_000, 20);
    c.call.unhold('caller');
    // The phones' own stream (and the gap the hold left in it) resumes with the relay.
    // The PBX relays until the agent has confirmed the remotes again; on a fast turn the agent
    // may already be back before four packets went through Asterisk, which is as good.
    await lab.until(
      'relayed again after unhold, or offloaded again',
      () => c.call.relayed().packets >= relayed + 4 || status(c)?.state === 'offloaded',
      30_000,
      2,
    );
    const lostAfterUnhold = [c.a.stats().lost, c.b.stats().lost];
    await lab.until('offloaded again', () => status(c)?.state === 'offloaded', 60_000, 20);
    await sleep(1000);
    expect([c.a.stats().lost, c.b.stats().lost]).toEqual(lostAfterUnhold);
    expect(await forwardingFlows(c)).toHaveLength(2);
  }, 150_000);

  it('reverts when a recording starts and offloads again when it stops', async () => {
    const c = await offloadedCall();
    const t0 = Date.now();
    c.call.startMixMonitor('callee');
    await lab.until('reverted for the recording', () => status(c)?.reason === 'audiohook', 30_000, 5);
    // The window in which the recording misses audio: from MixMonitor start to the revert.
    const window = Date.now() - t0;
    expect(await forwardingFlows(c)).toEqual([]);
    console.log(`recording start → flows removed: ${window} ms`);
    c.call.stopMixMonitor('callee');
    // While recording, Asterisk sends its own SSRC and sequence; the phones' own stream
    // (and with it the gap it left) resumes when the packet-to-packet relay does.
    await lab.until('native_rtp again', () => c.call.technology === 'native_rtp', 20_000, 2);
    const r0 = c.call.relayed().packets;
    await lab.until('relay resumed', () => c.call.relayed().packets >= r0 + 4, 20_000, 2);
    const lost = [c.a.stats().lost, c.b.stats().lost];
    await lab
      .until('offloaded again', () => status(c)?.state === 'offloaded', 60_000, 20)
      .catch((e: Error) => {
        throw new Error(`${e.message}: ${JSON.stringify(status(c))}`);
      });
    await sleep(500);
    expect([c.a.stats().lost, c.b.stats().lost]).toEqual(lost);
  }, 150_000);

  // The phones keep sending after the hangup, so the flows keep matching and their idle
  // timeout cannot fire: flows gone means the agent removed them. How fast is the bench's
  // business (engine.hangup_to_removed_ms_*), not a bound a loaded machine could miss.
  it('removes the flows on hangup while the phones still send', async () => {
    const c = await offloadedCall();
    expect(await forwardingFlows(c)).toHaveLength(2);
    const t0 = Date.now();
    c.call.hangup();
    await lab.until('flows gone', async () => (await forwardingFlows(c)).length === 0, 15_000, 10);
    console.log(`hangup → flows gone: ${Date.now() - t0} ms`);
    c.a.setSending(false);
    c.b.setSending(false);
  }, 60_000);

  it('moves the flows after a re-INVITE to a new remote and forwards nothing more from the old one', async () => {
    const c = await offloadedCall();
    // Bob's phone moves to another address and port.
    const moved = await lab.bed.udpSocket('far', 'udp4', lab.bed.far.ipv4[31]!, 40000);
    const movedRtcp = await lab.bed.udpSocket('far', 'udp4', lab.bed.far.ipv4[31]!, 40001);
    const bob2 = lab.gen.add({
      rtp: moved,
      rtcp: movedRtcp,
      target: { address: c.call.callee.localAddress, port: c.call.callee.localRtpPort },
    });
    c.b.setSending(false);
    c.call.reinvite('callee', { address: lab.bed.far.ipv4[31]!, port: 40000 });
    await lab.until(
      'flows follow the new remote',
      async () => {
        const f = await forwardingFlows(c);
        return (
          status(c)?.state === 'offloaded' && f.some((l) => l.includes(`nw_src=${lab.bed.far.ipv4[31]}`))
        );
      },
      10_000,
      50,
    );
    const flows = await forwardingFlows(c);
    expect(flows).toHaveLength(2);
    // The old address is in no flow's match any more…
    const old = c.bAddress;
    expect(flows.some((l) => l.includes(`nw_src=${old.address},`) && l.includes(`tp_src=${old.port},`))).toBe(
      false,
    );
    // …and alice now hears bob's new phone through the switch.
    await hearsWhatIsSent(
      () => c.a.stats().received,
      () => bob2.stats().sent,
    );
    await hearsWhatIsSent(
      () => bob2.stats().received,
      () => c.a.stats().sent,
    );
  }, 60_000);

  it('does not revert a call whose phones fall silent for 10 s (DTX)', async () => {
    const c = await offloadedCall();
    c.a.setSending(false);
    c.b.setSending(false);
    await sleep(10_000);
    expect(status(c)?.state).toBe('offloaded');
    c.a.setSending(true);
    c.b.setSending(true);
    const heard = c.a.stats().received;
    await lab.until('heard again', () => c.a.stats().received > heard, 15_000, 20);
    expect(c.call.relayed().packets).toBeLessThan(2000);
  }, 30_000);

  it('records the switch counters in channel variables and a UserEvent on revert and hangup', async () => {
    const c = await offloadedCall();
    // Enough traffic through the switch for the counters to mean something, however slowly
    // a loaded machine sends it.
    const [ha, hb] = [c.a.stats().received, c.b.stats().received];
    await lab.until(
      'traffic through the switch',
      () => c.a.stats().received - ha > 50 && c.b.stats().received - hb > 50,
      20_000,
      20,
    );
    c.call.hold('callee');
    await lab.until('reverted', () => status(c)?.reason === 'held', 30_000, 20);
    await lab.until(
      'channel variables set',
      () => Number(lab.pbx.readVariable(c.call.channel('caller'), 'RTPOFFLOAD_PACKETS_FORWARDED') || 0) > 0,
      20_000,
      20,
    );
    const fwd = Number(lab.pbx.readVariable(c.call.channel('caller'), 'RTPOFFLOAD_PACKETS_FORWARDED'));
    expect(fwd).toBeGreaterThan(40);
    expect(lab.pbx.readVariable(c.call.channel('caller'), 'RTPOFFLOAD_END_REASON')).toBe('held');
    const end = events.find(
      (e) =>
        e.name === 'UserEvent' &&
        JSON.stringify(e.fields).includes(c.call.bridgeId) &&
        JSON.stringify(e.fields).includes('RtpOffloadEnd'),
    );
    expect(end).toBeDefined();
    c.call.unhold('callee');
    await lab.until('offloaded again', () => status(c)?.state === 'offloaded', 60_000, 20);
    const before = events.length;
    c.call.hangup();
    await lab.until(
      'UserEvent at hangup',
      () =>
        events
          .slice(before)
          .some(
            (e) =>
              e.name === 'UserEvent' &&
              JSON.stringify(e.fields).includes('RtpOffloadEnd') &&
              /leg1packets/i.test(JSON.stringify(e.fields)),
          ),
      20_000,
      20,
    );
  }, 150_000);
});
