import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimCall, SimulatedPbx } from '../../src/lab/pbx/index.js';
import { header, type AmiMessage } from '../../src/lab/recorder/ami.js';
import { LEG_VARIABLES, type PbxAccess, type RecordingSession } from '../../src/lab/recorder/session.js';
import {
  amiReceived,
  fieldNamesByEvent,
  lifecycleByEndpoint,
  loadFixture,
  recordedLegReads,
  shape,
} from './fixtures.js';
import { Phone, type Seen } from './phone.js';
import { openAmi, startSim } from './sim.js';

/** datapath.json: media facts measured on the far side of the switch during the recordings. */
const DATAPATH = JSON.parse(
  readFileSync(new URL('../fixtures/asterisk-22/datapath.json', import.meta.url), 'utf8'),
) as { facts: { id: string; measured: Record<string, unknown> }[] };
const measured = (id: string): Record<string, unknown> => {
  const f = DATAPATH.facts.find((x) => x.id === id);
  if (!f) throw new Error(`datapath.json has no fact ${id}`);
  return f.measured;
};

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const NTP_UNIX_OFFSET = 2_208_988_800;

const events = (s: RecordingSession): AmiMessage[] =>
  s.ami.received().filter((m) => header(m, 'ActionID') === undefined);

/** Where the PBX expects a leg's RTP and RTCP. */
const rtpOf = (call: SimCall, leg: 'caller' | 'callee') => ({
  address: call[leg].localAddress,
  port: call[leg].localRtpPort,
});
const rtcpOf = (call: SimCall, leg: 'caller' | 'callee') => ({
  address: call[leg].localAddress,
  port: call[leg].localRtcpPort,
});

/** Differences between what a phone received and what its peer sent, by the relay's rules. */
function relayDiffs(name: string, got: readonly Seen[], sent: readonly Seen[]): string[] {
  const diffs: string[] = [];
  const bySeq = new Map(sent.map((p) => [p.seq, p]));
  if (got.length === 0) return [`${name}: nothing relayed`];
  got.forEach((p, i) => {
    const orig = bySeq.get(p.seq);
    if (!orig || orig.ssrc !== p.ssrc || orig.ts !== p.ts || orig.pt !== p.pt)
      diffs.push(`${name} #${i}: SSRC/sequence/timestamp/payload type changed`);
    if (p.marker !== (i === 0)) diffs.push(`${name} #${i}: marker ${p.marker}`);
  });
  return diffs.slice(0, 5);
}

async function readLegs(s: RecordingSession, call: SimCall): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const leg of [call.caller, call.callee]) {
    const r: Record<string, string> = {};
    for (const v of LEG_VARIABLES) {
      const value = await s.getvar(leg.channel, v);
      r[v] = value === undefined ? '(no value)' : shape(value);
    }
    out[leg.endpoint] = r;
  }
  return out;
}

function readDiffs(
  real: Record<string, Record<string, string>>,
  sim: Record<string, Record<string, string>>,
  phase: string,
): string[] {
  const diffs: string[] = [];
  for (const ep of Object.keys(real))
    for (const v of LEG_VARIABLES)
      if (real[ep]![v] !== sim[ep]?.[v])
        diffs.push(`Getvar ${v} on ${ep} ${phase}: real ${real[ep]![v]}, simulated ${sim[ep]?.[v]}`);
  return diffs;
}

/**
 * Media of the simulated PBX against the recordings: the p2p relay, RTCP events, learned
 * addresses, hold and MixMonitor on the data path, and rtp_timeout. The RTCP interval is
 * shortened to 1 s (Asterisk's default is 5 s) to keep the suite quick; it changes timing,
 * not fields.
 */
describe('media matches Asterisk 22', () => {
  let pbx: SimulatedPbx;
  let access: PbxAccess;
  const phones: Phone[] = [];
  const phoneAt = async (port = 0): Promise<Phone> => {
    const p = await Phone.open(port);
    phones.push(p);
    return p;
  };
  beforeAll(async () => {
    ({ pbx, access } = await startSim({ rtcpIntervalMs: 1000 }));
  });
  afterEach(() => {
    for (const p of phones.splice(0)) p.close();
  });
  afterAll(async () => {
    await pbx.stop();
  });

  async function bridgedCall(s: RecordingSession, a: Phone, b: Phone, callee = 'bob'): Promise<SimCall> {
    const bridged = s.ami.waitForEvent('BridgeEnter', (m) => header(m, 'BridgeNumChannels') === '2');
    const call = await pbx.placeCall({
      caller: { endpoint: 'alice', remote: { address: '127.0.0.1', port: a.port } },
      callee: { endpoint: callee, remote: { address: '127.0.0.1', port: b.port } },
    });
    await bridged;
    return call;
  }

  it('relays RTP untouched but for the first marker, terminates RTCP, and reports it with the recorded fields', async () => {
    const fixture = loadFixture('basic-call');
    const s = await openAmi(access);
    const a = await phoneAt();
    const b = await phoneAt();
    const call = await bridgedCall(s, a, b);
    expect(await s.waitForTechnology(call.bridgeId, 'native_rtp', 1000)).not.toBeNull();
    const srSent = (ch: string) =>
      s.ami.waitForEvent(
        'RTCPSent',
        (m) =>
          header(m, 'Channel') === ch && header(m, 'PT') === '200(SR)' && header(m, 'ReportCount') === '1',
        5000,
      );
    const received = s.ami.waitForEvent('RTCPReceived', (m) => header(m, 'ReportCount') === '1', 5000);
    const sentA = srSent(call.caller.channel);
    const sentB = srSent(call.callee.channel);
    a.start(rtpOf(call, 'caller'));
    b.start(rtpOf(call, 'callee'));
    await sleep(600);
    a.sendSr(rtcpOf(call, 'caller'));
    b.sendSr(rtcpOf(call, 'callee'));
    const [toA, toB, rx] = await Promise.all([sentA, sentB, received]);
    a.stop();
    b.stop();
    await sleep(100);
    call.hangup();
    await s.close(0);

    const real = amiReceived(fixture);
    const diffs = [
      ...relayDiffs('alice → bob', b.received, a.sent),
      ...relayDiffs('bob → alice', a.received, b.sent),
    ];
    const pt = measured('relay.payload-type') as { in: number[]; out: number[] };
    if (b.received.some((p) => !pt.out.includes(p.pt))) diffs.push('payload type changed');
    const realFields = (ev: string) =>
      fieldNamesByEvent(real.filter((m) => header(m, 'Event') !== ev || header(m, 'PT') === '200(SR)')).get(
        ev,
      );
    for (const [ev, m] of [
      ['RTCPSent', toA],
      ['RTCPReceived', rx],
    ] as const) {
      const got = m.headers.map(([k]) => k).join(',');
      if (got !== realFields(ev)?.join(','))
        diffs.push(`${ev} fields:\n  real      ${realFields(ev)?.join(',')}\n  simulated ${got}`);
    }
    // rtcp.ssrc / rtcp.sentrtp: the SR towards a phone carries the SSRC of the stream
    // relayed to it and SentRTP 0.
    if (header(toA, 'SSRC') !== hex(b.ssrc))
      diffs.push(`SR to alice: SSRC ${header(toA, 'SSRC')}, not bob's`);
    if (header(toB, 'SSRC') !== hex(a.ssrc))
      diffs.push(`SR to bob: SSRC ${header(toB, 'SSRC')}, not alice's`);
    const sentRtp = String(measured('rtcp.sentrtp').SentRTP);
    for (const m of [toA, toB])
      if (header(m, 'SentRTP') !== sentRtp)
        diffs.push(`RTCPSent SentRTP ${header(m, 'SentRTP')} while relaying`);
    // The received SR's SSRC field carries the NTP-seconds word (as recorded).
    const ntpSeconds = Number((header(rx, 'SentNTP') ?? '').split('.')[0]) + NTP_UNIX_OFFSET;
    if (header(rx, 'SSRC') !== hex(ntpSeconds)) diffs.push(`RTCPReceived SSRC ${header(rx, 'SSRC')}`);
    const realRx = real.find((m) => header(m, 'Event') === 'RTCPReceived' && header(m, 'PT') === '200(SR)')!;
    const realNtp = Number((header(realRx, 'SentNTP') ?? '').split('.')[0]) + NTP_UNIX_OFFSET;
    expect(header(realRx, 'SSRC')).toBe(hex(realNtp));
    expect(diffs).toEqual([]);
  }, 30_000);

  it('learns the sending address: dest is the SDP address before media and the learned one after, probation dropping 4', async () => {
    const fixture = loadFixture('learned-address');
    const s = await openAmi(access);
    const a = await phoneAt();
    const bSdp = await phoneAt(); // bob's SDP port: receives until his real source is learned
    const b = await phoneAt(); // where bob actually sends from
    const call = await bridgedCall(s, a, bSdp);
    const diffs: string[] = [];
    diffs.push(
      ...readDiffs(recordedLegReads(fixture, 'before-media'), await readLegs(s, call), 'before media'),
    );
    a.start(rtpOf(call, 'caller'));
    await sleep(500);
    diffs.push(
      ...readDiffs(
        recordedLegReads(fixture, 'caller-media-only'),
        await readLegs(s, call),
        'caller media only',
      ),
    );
    const bobDest = () => s.getvar(call.callee.channel, 'CHANNEL(rtp,dest)');
    if ((await bobDest()) !== `127.0.0.1:${bSdp.port}`) diffs.push('bob dest is not the SDP address');
    b.start(rtpOf(call, 'callee'));
    await sleep(500);
    diffs.push(
      ...readDiffs(recordedLegReads(fixture, 'both-media'), await readLegs(s, call), 'both sending'),
    );
    if ((await bobDest()) !== `127.0.0.1:${b.port}`) diffs.push('bob dest is not the learned address');
    a.stop();
    b.stop();
    await sleep(100);
    call.hangup();
    await s.close(0);

    // dest.learning-drop: the first packets from the new source are not forwarded; the
    // first forwarded one carries the marker.
    const drop = measured('dest.learning-drop') as { notForwarded: number; firstForwardedIndex: number };
    const first = a.received[0];
    const index = first ? b.sent.findIndex((p) => p.seq === first.seq) : -1;
    if (index !== drop.firstForwardedIndex) diffs.push(`first forwarded from bob: #${index}`);
    if (!first?.marker) diffs.push('first packet from the learned source has no marker');
    // relay.marker: the move to the learned port sets no marker.
    if (bSdp.received.length === 0 || b.received.length === 0)
      diffs.push('alice was not relayed to both ports');
    if (b.received.some((p) => p.marker)) diffs.push('a marker on the move to the learned port');
    expect(diffs).toEqual([]);
  }, 30_000);

  it('keeps native_rtp on hold, plays its own stream to the held party, and marks the first packet after unhold', async () => {
    const s = await openAmi(access);
    const a = await phoneAt();
    const b = await phoneAt();
    const call = await bridgedCall(s, a, b);
    a.start(rtpOf(call, 'caller'));
    b.start(rtpOf(call, 'callee'));
    await sleep(300);
    a.stop();
    call.hold('caller');
    const heldFrom = b.received.length;
    await sleep(300);
    const diffs: string[] = [];
    if ((await s.bridgeInfo(call.bridgeId)) !== measured('relay.hold').techOnHold)
      diffs.push('technology changed on hold');
    const moh = b.received.slice(heldFrom);
    if (moh.length === 0 || moh.some((p) => p.ssrc === a.ssrc))
      diffs.push('music on hold is not the PBX stream');
    call.unhold('caller');
    const unheldFrom = b.received.length;
    a.start(rtpOf(call, 'caller'));
    await sleep(300);
    a.stop();
    b.stop();
    const after = b.received.slice(unheldFrom).filter((p) => p.ssrc === a.ssrc);
    if (!after[0]?.marker) diffs.push('no marker on the first caller packet after unhold');
    if (after.slice(1).some((p) => p.marker)) diffs.push('markers after the first after unhold');
    call.hangup();
    await s.close(0);
    expect(diffs).toEqual([]);
  }, 30_000);

  it('MixMonitor: simple_bridge at once with the PBX re-originating the stream, native_rtp a moment after the stop', async () => {
    const s = await openAmi(access);
    const a = await phoneAt();
    const b = await phoneAt();
    const call = await bridgedCall(s, a, b);
    a.start(rtpOf(call, 'caller'));
    await sleep(200);
    const diffs: string[] = [];
    await s.ami.action('MixMonitor', [
      ['Channel', call.caller.channel],
      ['File', 'conformance.wav'],
    ]);
    // relay.simple-bridge: 1–3 ms after MixMonitor, polled with BridgeInfo.
    const toSimple = await s.waitForTechnology(call.bridgeId, 'simple_bridge', 1000);
    if (toSimple === null || toSimple > 50) diffs.push(`simple_bridge after ${toSimple} ms`);
    const from = b.received.length;
    await sleep(200);
    const mixed = b.received.slice(from);
    if (mixed.length === 0 || mixed.some((p) => p.ssrc === a.ssrc))
      diffs.push('simple_bridge relays the SSRC');
    await s.ami.action('StopMixMonitor', [['Channel', call.caller.channel]]);
    // 21–22 ms recorded: not at once, well within a second.
    if ((await s.bridgeInfo(call.bridgeId)) !== 'simple_bridge')
      diffs.push('native_rtp at once after the stop');
    if ((await s.waitForTechnology(call.bridgeId, 'native_rtp', 1000)) === null) diffs.push('no native_rtp');
    await sleep(200);
    a.stop();
    // The packets relayed again: alice's own SSRC, after the PBX's re-originated ones.
    const after = b.received.slice(from).filter((p) => p.ssrc === a.ssrc);
    if (!after[0]?.marker) diffs.push('no marker on the first packet after native_rtp resumed');
    call.hangup();
    await s.close(0);
    expect(diffs).toEqual([]);
  }, 30_000);

  it('with rtcp_mux sends RTCP from and to the RTP port', async () => {
    const s = await openAmi(access);
    const a = await phoneAt();
    const e = await phoneAt();
    const call = await bridgedCall(s, a, e, 'erin');
    const sent = s.ami.waitForEvent('RTCPSent', (m) => header(m, 'Channel') === call.callee.channel, 5000);
    a.start(rtpOf(call, 'caller'));
    e.start(rtpOf(call, 'callee'));
    const m = await sent;
    await sleep(100);
    a.stop();
    e.stop();
    call.hangup();
    await s.close(0);
    const mux = measured('rtcp.mux');
    expect(mux.phoneDstPort).toMatch(/RTP port/);
    expect([header(m, 'To'), header(m, 'From')]).toEqual([
      `127.0.0.1:${e.port}`,
      `${call.callee.localAddress}:${call.callee.localRtpPort}`,
    ]);
    expect(e.rtcpOnRtpPort).toBeGreaterThan(0);
  }, 30_000);

  it('rtp_timeout: hangs up the silent leg 6 s after its last packet, cause 44 and no TechCause, the peer with 16', async () => {
    const fixture = loadFixture('rtp-timeout');
    const s = await openAmi(access);
    const a = await phoneAt();
    const d = await phoneAt();
    const call = await bridgedCall(s, a, d, 'dave');
    a.start(rtpOf(call, 'caller'));
    d.start(rtpOf(call, 'callee'));
    await sleep(500);
    d.stop();
    const stoppedAt = performance.now();
    const hangup = await s.ami.waitForEvent(
      'Hangup',
      (m) => header(m, 'Channel') === call.callee.channel,
      10_000,
    );
    const afterMs = performance.now() - stoppedAt;
    a.stop();
    await sleep(200);
    const sim = events(s);
    await s.close(0);

    const real = amiReceived(fixture).filter((m) => header(m, 'ActionID') === undefined);
    const diffs: string[] = [];
    const start = (msgs: AmiMessage[]) => {
      // From the callee's bridge entry on: the timeout part of the recording.
      const i = msgs.findIndex((m) => header(m, 'Event') === 'BridgeEnter');
      return lifecycleByEndpoint(msgs.slice(i));
    };
    const r = start(real);
    const m = start(sim);
    for (const [simEp, realEp] of [
      ['alice', 'alice'],
      ['dave', 'dave'],
    ])
      if ((r.get(realEp) ?? []).join() !== (m.get(simEp) ?? []).join())
        diffs.push(
          `events of ${realEp}:\n  real      ${r.get(realEp)?.join()}\n  simulated ${m.get(simEp)?.join()}`,
        );
    const causes = (msgs: AmiMessage[]) =>
      msgs
        .filter((x) => ['Hangup', 'SoftHangupRequest'].includes(header(x, 'Event') ?? ''))
        .map(
          (x) =>
            `${header(x, 'Event')}@${/\/([a-z]+)-/.exec(header(x, 'Channel') ?? '')?.[1]}=${header(x, 'Cause')}/${header(x, 'TechCause') ?? '-'}`,
        )
        .sort()
        .join(' ');
    if (causes(real) !== causes(sim))
      diffs.push(`causes:\n  real      ${causes(real)}\n  simulated ${causes(sim)}`);
    const t = measured('timeout.rtp') as { hangupAfterSilenceMs: number };
    // Never before the timeout; the check runs on a clock, so a little after it.
    if (afterMs < t.hangupAfterSilenceMs - 100 || afterMs > t.hangupAfterSilenceMs + 800)
      diffs.push(
        `hung up ${Math.round(afterMs)} ms after the last packet (recorded ${t.hangupAfterSilenceMs})`,
      );
    if (header(hangup, 'TechCause') !== undefined) diffs.push('TechCause present');
    expect(diffs).toEqual([]);
  }, 30_000);
});
