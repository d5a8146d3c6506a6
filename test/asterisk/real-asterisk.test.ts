/**
 * End-to-end against a real Asterisk (chan_pjsip, strictrtp, rtp_symmetric): Asterisk in
 * the testbed's PBX namespace on OVS breth0, SIPp and RTP phones in the far namespace, the
 * agent as its own process over AMI (with and without res_rtp_offload) and over ARI.
 * RTPO_ASTERISK names the installation prefix; without it nothing runs.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dial,
  finish,
  openEndpoint,
  streamFigures,
  type Phone,
  type RealCall,
} from '../../src/lab/asterisk/calls.js';
import { AsteriskRig, type AgentVariant } from '../../src/lab/asterisk/rig.js';
import { header } from '../../src/lab/recorder/ami.js';
import { note, printSummary, scenario } from './helpers/summary.js';

const PREFIX = process.env.RTPO_ASTERISK;
const N = Number(process.env.RTPO_E2E_CALLS ?? 10);
const ENTRY = resolve('dist/src/cli/main.js');
if (!PREFIX) console.log('test:asterisk: RTPO_ASTERISK is not set; the real-Asterisk suite is skipped');

// Phone indexes: 0..2N-1 plain; then the transfer target and endpoints with timers.
const T_TARGET = 2 * N;
const T_TIMEOUT = 2 * N + 1;
const T_KA3 = 2 * N + 2;
const T_KA10 = 2 * N + 3;
const PHONES = 2 * N + 4;

let rig: AsteriskRig;
const pbx = (): string => rig.bed.pbx.ipv4;
const p = (i: number): Phone => rig.phones[i]!;
const AMI_MODULE: AgentVariant = { source: 'ami', module: true };
const AMI_PLAIN: AgentVariant = { source: 'ami', module: false };
const ARI: AgentVariant = { source: 'ari', module: true };

async function offloaded(id: string): Promise<boolean> {
  return (await rig.bridge(id))?.state === 'offloaded';
}

async function waitOffloaded(call: RealCall, what: string, timeoutMs = 20_000): Promise<number> {
  try {
    return await rig.until(`${what} offloaded`, () => offloaded(call.bridgeId), timeoutMs, 50);
  } catch (err) {
    throw new Error(`${(err as Error).message}; agent says ${await rig.stateOf(call.bridgeId)}`);
  }
}

async function waitReverted(call: RealCall, what: string, timeoutMs = 10_000): Promise<number> {
  return rig.until(`${what} reverted`, async () => !(await offloaded(call.bridgeId)), timeoutMs, 5);
}

const fig = (call: RealCall): string => {
  const a = streamFigures(call.a, pbx());
  const b = streamFigures(call.b, pbx());
  return `A heard ${a.received} (lost ${a.lost}, wrong source ${a.wrongSource}), B heard ${b.received} (lost ${b.lost}, wrong source ${b.wrongSource})`;
};

async function safely(calls: RealCall[]): Promise<void> {
  for (const c of calls) {
    await rig.session.ami.action('Hangup', [['Channel', c.a.channel]]).catch(() => undefined);
    await rig.session.ami.action('Hangup', [['Channel', c.b.channel]]).catch(() => undefined);
    await finish(c).catch(() => undefined);
  }
}

/** Places n plain calls p(2i) → p(2i+1). */
async function placeMany(n: number): Promise<RealCall[]> {
  const calls: RealCall[] = [];
  for (let i = 0; i < n; i++) calls.push(await dial(rig.side, p(2 * i), p(2 * i + 1)));
  return calls;
}

/** N calls, CPU through Asterisk and offloaded, loss and wrong sources, requests per call. */
async function massOffload(v: AgentVariant, label: string, restartAgent: boolean): Promise<string> {
  const calls = await placeMany(N);
  try {
    await sleep(2000);
    const relayed = await rig.cpu(5000);
    const reqBefore = 0;
    await rig.startAgent(v);
    const t0 = performance.now();
    await rig.until(`${N} offloaded`, async () => (await rig.status())?.offloaded === N, 60_000, 100);
    const offloadMs = Math.round(performance.now() - t0);
    const reqOffload = ((await rig.status())?.pbx.requests ?? 0) - reqBefore;
    const base = calls.map((c) => [streamFigures(c.a, pbx()), streamFigures(c.b, pbx())] as const);
    const off = await rig.cpu(5000);
    const perStream = calls.flatMap((c, i) => {
      const a = streamFigures(c.a, pbx());
      const b = streamFigures(c.b, pbx());
      return [
        { lost: a.lost - base[i]![0].lost, wrong: a.wrongSource, got: a.received - base[i]![0].received },
        { lost: b.lost - base[i]![1].lost, wrong: b.wrongSource, got: b.received - base[i]![1].received },
      ];
    });
    const lostSteady = perStream.reduce((n, s) => n + s.lost, 0);
    const wrong = perStream.reduce((n, s) => n + s.wrong, 0);
    const lostTotal = calls.reduce(
      (n, c) => n + streamFigures(c.a, pbx()).lost + streamFigures(c.b, pbx()).lost,
      0,
    );
    note(
      `[${label}] CPU % of a core, through Asterisk → offloaded: Asterisk ${relayed.asterisk} → ${off.asterisk}, ovs-vswitchd ${relayed.vswitchd} → ${off.vswitchd}`,
    );
    note(
      `[${label}] ${N} calls offloaded in ${offloadMs} ms with ${reqOffload} ${v.source.toUpperCase()} requests (${(reqOffload / N).toFixed(1)} per call); lost ${lostTotal} in all (${lostSteady} in the offloaded window), wrong source ${wrong}`,
    );
    expect(perStream.every((s) => s.got > 0)).toBe(true);
    expect(wrong).toBe(0);
    expect(lostSteady).toBe(0);
    expect(off.asterisk).toBeLessThan(relayed.asterisk);

    let restart = '';
    if (restartAgent) {
      const before = await rig.flows();
      await rig.agent!.proc.kill9();
      await rig.startAgent(v);
      await rig.until('state rebuilt', async () => (await rig.status())?.offloaded === N, 30_000, 200);
      await sleep(1500);
      const after = await rig.flows();
      const gone = [...before.keys()].filter((k) => !after.has(k)).length;
      const added = [...after.keys()].filter((k) => !before.has(k)).length;
      const restarted = [...before].filter(([k, d]) => (after.get(k) ?? Infinity) < d).length;
      restart = `; agent kill -9 + restart: ${gone} flows deleted, ${added} added, ${restarted} re-added`;
      note(
        `[${label}] agent restart with ${N} calls up: ${before.size} flows, ${gone} deleted, ${added} added, ${restarted} re-added`,
      );
      expect({ gone, added, restarted }).toEqual({ gone: 0, added: 0, restarted: 0 });
    }

    // Mass hangup: every call at once, flows gone per call after its Hangup event.
    const reqBeforeHangup = (await rig.status())?.pbx.requests ?? 0;
    const flowsOf = new Map<RealCall, string[]>();
    const all = await rig.flows();
    for (const c of calls)
      flowsOf.set(
        c,
        [...all.keys()].filter(
          (k) => k.includes(`tp_dst=${c.a.asterisk.port}`) || k.includes(`tp_dst=${c.b.asterisk.port}`),
        ),
      );
    const hangupAt = new Map<string, number>();
    const t1 = performance.now();
    const gone = calls.map((c) =>
      rig.session.ami
        .waitForEvent('Hangup', (m) => header(m, 'Uniqueid') === c.a.uniqueid, 20_000)
        .then(() => hangupAt.set(c.bridgeId, performance.now())),
    );
    // The one request a hangup may cost: the RtpOffloadEnd UserEvent with the call's counts.
    const reported = calls.map((c) =>
      rig.session.ami.waitForEvent(
        'UserEvent',
        (m) => header(m, 'UserEvent') === 'RtpOffloadEnd' && header(m, 'BridgeUniqueid') === c.bridgeId,
        20_000,
      ),
    );
    await Promise.all(calls.map((c) => rig.session.ami.action('Hangup', [['Channel', c.a.channel]])));
    await Promise.all(gone);
    const flowGoneAt = new Map<string, number>();
    await rig.until(
      'flows gone',
      async () => {
        const now = performance.now();
        const f = await rig.flows();
        for (const c of calls)
          if (!flowGoneAt.has(c.bridgeId) && flowsOf.get(c)!.every((k) => !f.has(k)))
            flowGoneAt.set(c.bridgeId, now);
        return flowGoneAt.size === calls.length;
      },
      20_000,
      10,
    );
    const delays = calls
      .map((c) => flowGoneAt.get(c.bridgeId)! - hangupAt.get(c.bridgeId)!)
      .sort((x, y) => x - y);
    const p99 = Math.round(delays[Math.min(delays.length - 1, Math.floor(delays.length * 0.99))]!);
    await sleep(1500);
    await Promise.all(reported);
    const reqHangup = ((await rig.status())?.pbx.requests ?? 0) - reqBeforeHangup;
    const warnings = rig.agentLog().filter((l) => /no such channel|404/i.test(JSON.stringify(l))).length;
    note(
      `[${label}] mass hangup of ${N}: all Hangup events in ${Math.round(Math.max(...hangupAt.values()) - t1)} ms; flows gone after Hangup p50 ${Math.round(delays[Math.floor(delays.length / 2)]!)} ms, p99 ${p99} ms; ${reqHangup} requests after the hangups (${N} RtpOffloadEnd UserEvents seen), ${warnings} "no such channel"/404 log lines`,
    );
    const foreign = rig.agentForeignLines();
    if (foreign.length > 0)
      note(
        `[${label}] ${foreign.length} non-JSON lines in the agent's log, e.g. ${JSON.stringify(foreign[0])}`,
      );
    for (const c of calls) await finish(c);
    // Flows of a bridge that is gone are removed without asking Asterisk anything: the only
    // requests are the reports of what the switch forwarded, one per call.
    expect(reqHangup, 'requests to Asterisk after the hangups besides RtpOffloadEnd').toBe(N);
    expect(p99).toBeLessThanOrEqual(50 * Math.max(1, Math.ceil(N / 100)) + 50);
    return `${N} calls offloaded in ${offloadMs} ms, ${(reqOffload / N).toFixed(1)} requests/call, wrong source ${wrong}, lost ${lostSteady}${restart}`;
  } catch (err) {
    await safely(calls);
    throw err;
  }
}

describe.skipIf(!PREFIX)('real Asterisk end to end', () => {
  beforeAll(async () => {
    expect(existsSync(ENTRY), 'build first (npm run build)').toBe(true);
    rig = await AsteriskRig.create({
      prefix: PREFIX!,
      moduleSrc: resolve('asterisk-module'),
      agentEntry: ENTRY,
      phones: PHONES,
      phoneOptions: {
        [T_TIMEOUT]: ['rtp_timeout = 6'],
        [T_KA3]: ['rtp_keepalive = 3'],
        [T_KA10]: ['rtp_keepalive = 10'],
      },
    });
    await rig.startAsterisk(true);
    rig.gen.start();
  });

  afterAll(async () => {
    await rig?.destroy();
    printSummary();
  });

  it('AMI + module: N calls offloaded, agent restart, mass hangup', async () => {
    await scenario('ami+module: N calls / agent restart / mass hangup', () =>
      massOffload(AMI_MODULE, 'AMI + module', true),
    );
  });

  it('hold and unhold: reverted, then offloaded again', async () => {
    await scenario('ami+module: hold/unhold', () => hold('ami'));
  });

  it('MixMonitor start/stop over AMI and ARI', async () => {
    await scenario('ami+module: MixMonitor start/stop', () => mixMonitor('ami'));
  });

  it('re-INVITE to a new port, the phone moving', async () => {
    await scenario('ami+module: re-INVITE, phone moves to the new port', () => reinvite(true));
  });

  it('re-INVITE to a new port, the phone staying on its old one', async () => {
    await scenario('ami+module: re-INVITE, phone keeps its old port', () => reinvite(false));
  });

  it('blind transfer: the new bridge is offloaded', async () => {
    await scenario('ami+module: blind transfer', async () => {
      const call = await dial(rig.side, p(2), p(3));
      const target = p(T_TARGET);
      const { startCallee, legOf } = await import('../../src/lab/asterisk/calls.js');
      const uas = startCallee(rig.side, target);
      let moved: RealCall | null = null;
      try {
        await waitOffloaded(call, 'call');
        const enter = rig.session.ami.waitForEvent(
          'BridgeEnter',
          (m) => (header(m, 'Channel') ?? '').startsWith(`PJSIP/${target.name}-`),
          20_000,
        );
        const ev = rig.session.ami.waitForEvent('BlindTransfer', () => true, 20_000);
        await rig.session.ami.action('BlindTransfer', [
          ['Channel', call.a.channel],
          ['Exten', target.name],
          ['Context', 'internal'],
        ]);
        const result = header(await ev, 'Result');
        const e = await enter;
        const t = await legOf(rig.side, target, e, uas);
        moved = { a: call.b, b: t, bridgeId: header(e, 'BridgeUniqueid')! };
        const ms = await waitOffloaded(moved, 'transferred call');
        await sleep(3000);
        const tf = streamFigures(t, pbx());
        const bf = streamFigures(call.b, pbx());
        note(
          `[blind transfer] Result ${result}; new bridge offloaded after ${ms} ms; target heard ${tf.received} (wrong source ${tf.wrongSource}), transferee wrong source ${bf.wrongSource}`,
        );
        expect(tf.wrongSource).toBe(0);
        expect(tf.received).toBeGreaterThan(100);
        return `new bridge offloaded after ${ms} ms`;
      } finally {
        await safely(moved ? [call, moved] : [call]);
        uas.stop();
      }
    });
  });

  it('attended transfer: the agent follows the final bridge', async () => {
    await scenario('ami+module: attended transfer', async () => {
      const call = await dial(rig.side, p(4), p(5), { exten: `t${p(5).name}` });
      const target = p(T_TARGET);
      const { startCallee, legOf } = await import('../../src/lab/asterisk/calls.js');
      const uas = startCallee(rig.side, target);
      let moved: RealCall | null = null;
      try {
        await sleep(3000);
        const before = await rig.stateOf(call.bridgeId);
        const enter = rig.session.ami.waitForEvent(
          'BridgeEnter',
          (m) => (header(m, 'Channel') ?? '').startsWith(`PJSIP/${target.name}-`),
          20_000,
        );
        await rig.session.ami.action('Atxfer', [
          ['Channel', call.a.channel],
          // Atxfer dials the extension as DTMF digits: a numeric alias of the target.
          ['Exten', `9${T_TARGET}`],
          ['Context', 'internal'],
        ]);
        const e = await enter;
        const t = await legOf(rig.side, target, e, uas);
        await sleep(2000);
        const done = rig.session.ami.waitForEvent('AttendedTransfer', () => true, 20_000);
        await rig.session.ami.action('Hangup', [['Channel', call.a.channel]]);
        const at = await done;
        await sleep(500);
        const list = await rig.session.ami.list('BridgeList');
        const final = list.items.find((m) => header(m, 'BridgeNumChannels') === '2');
        const finalId = header(final ?? at, 'BridgeUniqueid') ?? header(at, 'DestBridgeUniqueid')!;
        moved = { a: call.b, b: t, bridgeId: finalId };
        await sleep(3000);
        const tech = await rig.session.bridgeInfo(finalId);
        const state = await rig.stateOf(finalId);
        note(
          `[attended transfer] before: ${before}; Result ${header(at, 'Result')}, DestType ${header(at, 'DestType')}; final bridge ${tech}, agent ${state}`,
        );
        if (tech === 'native_rtp') expect(state).toBe('offloaded');
        else expect(state).toMatch(/^not-offloaded\/technology/);
        return `final bridge ${tech}, agent ${state}`;
      } finally {
        await safely(moved ? [call, moved] : [call]);
        uas.stop();
      }
    });
  });

  it('486 busy: no bridge, no flow, cause 17 / TechCause 486', async () => {
    await scenario('ami+module: 486 busy', async () => {
      const { startCallee, startCaller } = await import('../../src/lab/asterisk/calls.js');
      const rec = await rig.recording('busy-486');
      const flowsBefore = (await rig.flows()).size;
      const uas = startCallee(rig.side, p(7), true);
      await sleep(300);
      const hup = rec.side.session.ami.waitForEvent(
        'Hangup',
        (m) => (header(m, 'Channel') ?? '').startsWith(`PJSIP/${p(7).name}-`),
        20_000,
      );
      const uac = startCaller(rig.side, p(6), p(7).name, []);
      const h = await hup;
      await sleep(1500);
      uac.stop();
      uas.stop();
      const flowsAfter = (await rig.flows()).size;
      await rec.save();
      note(
        `[486] callee Hangup Cause ${header(h, 'Cause')} TechCause ${header(h, 'TechCause')}; flows ${flowsBefore} → ${flowsAfter}`,
      );
      expect(header(h, 'TechCause')).toBe('486');
      expect(flowsAfter).toBe(flowsBefore);
      expect(rig.agent?.proc.running).toBe(true);
      return `Cause ${header(h, 'Cause')}, TechCause ${header(h, 'TechCause')}`;
    });
  });

  it('rtp_timeout with RTCP flowing: offloaded and kept up', async () => {
    await scenario('ami+module: rtp_timeout with RTCP', async () => {
      const call = await dial(rig.side, p(8), p(T_TIMEOUT), { rtcpIntervalMs: 1000 });
      try {
        await waitOffloaded(call, 'call', 30_000);
        let hungUp = false;
        void rig.session.ami
          .waitForEvent('Hangup', (m) => header(m, 'Uniqueid') === call.b.uniqueid, 15_000)
          .then(() => (hungUp = true))
          .catch(() => undefined);
        await sleep(14_000);
        note(`[rtp_timeout=6, RTCP every 1 s] offloaded; after 14 s up: ${!hungUp}; ${fig(call)}`);
        expect(hungUp).toBe(false);
        return 'kept up 14 s while offloaded';
      } finally {
        await safely([call]);
      }
    });
  });

  it('rtp_timeout without RTCP: refused (rtcp-not-seen), call stays up', async () => {
    await scenario('ami+module: rtp_timeout without RTCP', async () => {
      const call = await dial(rig.side, p(8), p(T_TIMEOUT), { rtcpIntervalMs: 0 });
      try {
        let hungUp = false;
        void rig.session.ami
          .waitForEvent('Hangup', (m) => header(m, 'Uniqueid') === call.b.uniqueid, 12_000)
          .then(() => (hungUp = true))
          .catch(() => undefined);
        let everOffloaded = false;
        const end = Date.now() + 12_000;
        while (Date.now() < end) {
          if (await offloaded(call.bridgeId)) everOffloaded = true;
          await sleep(200);
        }
        const state = await rig.stateOf(call.bridgeId);
        note(`[rtp_timeout=6, no RTCP] agent ${state}; ever offloaded ${everOffloaded}; hung up ${hungUp}`);
        expect(everOffloaded).toBe(false);
        expect(state).toMatch(/^(not-offloaded|probing)\/rtcp-not-seen$/);
        expect(hungUp).toBe(false);
        return state;
      } finally {
        await safely([call]);
      }
    });
  });

  it('rtp_keepalive: 3 s refused, 10 s offloaded with nothing injected', async () => {
    await scenario('ami+module: rtp_keepalive', async () => {
      const c3 = await dial(rig.side, p(10), p(T_KA3));
      const c10 = await dial(rig.side, p(12), p(T_KA10));
      try {
        await waitOffloaded(c10, 'keepalive 10 call', 30_000);
        await sleep(4000);
        const s3 = await rig.stateOf(c3.bridgeId);
        const before = c10.b.ep.stats().comfortNoise;
        await sleep(12_000);
        const cn = c10.b.ep.stats().comfortNoise - before;
        const f = streamFigures(c10.b, pbx());
        note(
          `[rtp_keepalive] 3 s: agent ${s3}; 10 s: offloaded, ${cn} comfort-noise packets in 12 s, wrong source ${f.wrongSource}`,
        );
        expect(s3).toBe('not-offloaded/rtp-keepalive');
        expect(cn).toBe(0);
        expect(f.wrongSource).toBe(0);
        return `3 s ${s3}; 10 s offloaded, ${cn} injected`;
      } finally {
        await safely([c3, c10]);
      }
    });
  });

  it('a spoofed sender reaches nobody', async () => {
    await scenario('ami+module: spoofed sender', async () => {
      const call = await dial(rig.side, p(14), p(15));
      try {
        await waitOffloaded(call, 'call');
        const wrongPort = await rig.bed.udpSocket('far', 'udp4', p(14).address, 20010);
        const wrongAddr = await rig.bed.udpSocket('far', 'udp4', p(16).address, 20000);
        const pkt = Buffer.alloc(172, 0xff);
        pkt[0] = 0x80;
        pkt[1] = 0;
        pkt.writeUInt32BE(0xdeadbeef, 8);
        for (let i = 0; i < 300; i++) {
          pkt.writeUInt16BE(i, 2);
          wrongPort.send(pkt, call.a.asterisk.port, pbx());
          wrongAddr.send(pkt, call.a.asterisk.port, pbx());
          await sleep(5);
        }
        await sleep(1500);
        wrongPort.close();
        wrongAddr.close();
        const got = call.b.ep.stats().streams['deadbeef']?.received ?? 0;
        const still = await offloaded(call.bridgeId);
        note(
          `[spoof] 600 packets (right address/wrong port, wrong address/right port): ${got} reached the other party; still offloaded ${still}; ${fig(call)}`,
        );
        expect(got).toBe(0);
        return `${got} of 600 reached the other party`;
      } finally {
        await safely([call]);
      }
    });
  });

  it('Asterisk restart: every flow removed, the agent reconnects', async () => {
    await scenario('ami+module: Asterisk restart', async () => {
      const calls = [await dial(rig.side, p(0), p(1)), await dial(rig.side, p(2), p(3))];
      await Promise.all(calls.map((c) => waitOffloaded(c, 'call')));
      const flows = (await rig.flows()).size;
      await rig.stopAsterisk();
      const t0 = performance.now();
      const goneMs = await rig.until('flows gone', async () => (await rig.flows()).size === 0, 30_000, 50);
      for (const c of calls) await finish(c);
      await rig.startAsterisk(true);
      const backMs = await rig.until(
        'agent ready',
        async () => (await rig.status())?.pbx.status === 'ready',
        60_000,
        200,
      );
      const again = await dial(rig.side, p(0), p(1));
      try {
        const ms = await waitOffloaded(again, 'new call');
        note(
          `[Asterisk restart] ${flows} flows removed ${goneMs} ms after Asterisk stopped; agent ready ${backMs} ms after Asterisk started; a new call offloaded after ${ms} ms`,
        );
        void t0;
        return `flows gone in ${goneMs} ms, new call offloaded`;
      } finally {
        await safely([again]);
      }
    });
  });

  it('AMI without the module: N calls, requests per call, mass hangup', async () => {
    await scenario('ami without module: N calls / mass hangup', async () => {
      await rig.stopAgent();
      await rig.stopAsterisk();
      await rig.startAsterisk(false);
      return massOffload(AMI_PLAIN, 'AMI, no module', false);
    });
  });

  it('ARI: N calls offloaded, mass hangup', async () => {
    await scenario('ari: N calls / mass hangup', async () => {
      await rig.stopAgent();
      return massOffload(ARI, 'ARI', false);
    });
  });

  it('ARI: hold/unhold', async () => {
    await scenario('ari: hold/unhold', () => hold('ari'));
  });

  it('ARI: MixMonitor start/stop', async () => {
    await scenario('ari: MixMonitor start/stop', () => mixMonitor('ari'));
  });

  it("ARI: ari-client's console output goes through the agent's logger", async () => {
    await scenario('ari: no foreign lines in the JSON log', async () => {
      const foreign = rig.agentForeignLines();
      expect(foreign).toEqual([]);
      return 'none';
    });
  });
});

async function hold(label: string): Promise<string> {
  if (!rig.agent) await rig.startAgent(label === 'ari' ? ARI : AMI_MODULE);
  const call = await dial(rig.side, p(0), p(1), {
    steps: [
      { kind: 'pause', ms: 9000 },
      { kind: 'reinvite', dir: 'sendonly' },
      { kind: 'pause', ms: 6000 },
      { kind: 'reinvite', dir: 'sendrecv' },
      { kind: 'pause', ms: 9000 },
      { kind: 'bye' },
    ],
  });
  try {
    await waitOffloaded(call, 'call');
    await rig.session.ami.waitForEvent('Hold', (m) => header(m, 'Uniqueid') === call.a.uniqueid, 15_000);
    const revertMs = await waitReverted(call, 'held call');
    const reason = (await rig.bridge(call.bridgeId))?.reason;
    await rig.session.ami.waitForEvent('Unhold', (m) => header(m, 'Uniqueid') === call.a.uniqueid, 15_000);
    const reofferMs = await waitOffloaded(call, 'unheld call', 8000);
    await sleep(1000);
    const f = fig(call);
    note(
      `[hold, ${label}] Hold → reverted ${revertMs} ms (reason ${reason}); Unhold → offloaded ${reofferMs} ms; ${f} (music on hold counts as loss of the held stream)`,
    );
    expect(reason).toBe('held');
    expect(streamFigures(call.b, pbx()).wrongSource + streamFigures(call.a, pbx()).wrongSource).toBe(0);
    return `revert ${revertMs} ms, re-offload ${reofferMs} ms`;
  } finally {
    await safely([call]);
  }
}

async function mixMonitor(label: string): Promise<string> {
  if (!rig.agent) await rig.startAgent(label === 'ari' ? ARI : AMI_MODULE);
  const call = await dial(rig.side, p(0), p(1));
  try {
    await waitOffloaded(call, 'call');
    const started = rig.session.ami.waitForEvent('MixMonitorStart', () => true, 10_000);
    await rig.session.ami.action('MixMonitor', [
      ['Channel', call.a.channel],
      ['File', 'e2e-test.wav'],
    ]);
    await started;
    const revertMs = await waitReverted(call, 'recorded call');
    const reason = (await rig.bridge(call.bridgeId))?.reason;
    await sleep(1500);
    await rig.session.ami.action('StopMixMonitor', [['Channel', call.a.channel]]);
    const backMs = await waitOffloaded(call, 'call after StopMixMonitor', 10_000);
    await sleep(1000);
    note(
      `[MixMonitor, ${label}] MixMonitorStart → reverted ${revertMs} ms (reason ${reason}); StopMixMonitor → offloaded ${backMs} ms; ${fig(call)}`,
    );
    // AMI reports MixMonitorStart; ARI has no such event, only the bridge's technology.
    expect(reason).toBe(label === 'ari' ? 'technology' : 'audiohook');
    expect(streamFigures(call.a, pbx()).wrongSource + streamFigures(call.b, pbx()).wrongSource).toBe(0);
    return `revert ${revertMs} ms, re-offload ${backMs} ms`;
  } finally {
    await safely([call]);
  }
}

/**
 * A re-INVITE from the caller announcing port 20002. Moving: the phone then sends and
 * receives there. Staying: it keeps port 20000, which Asterisk re-learns (rtp_symmetric).
 * Either way the other party's audio must keep reaching the phone.
 */
async function reinvite(moving: boolean): Promise<string> {
  if (!rig.agent) await rig.startAgent(AMI_MODULE);
  const rec = await rig.recording(moving ? 'reinvite-port-moving' : 'reinvite-port-staying');
  const s = rec.side.session;
  const call = await dial(rec.side, p(moving ? 0 : 2), p(moving ? 1 : 3), {
    steps: [
      { kind: 'pause', ms: 8000 },
      { kind: 'reinvite', dir: 'sendrecv', port: 20002 },
      { kind: 'pause', ms: 12_000 },
      { kind: 'bye' },
    ],
  });
  const badFlows = new Set<string>();
  let watching = true;
  const watch = (async () => {
    while (watching) {
      const text = await rig.bed
        .ofctl('dump-flows', 'cookie=0x5250000000000000/0xffff000000000000')
        .catch(() => '');
      for (const line of text.split('\n'))
        if (line.includes('set_field:20002->udp_dst') && !moving) badFlows.add(line.trim());
      await sleep(50);
    }
  })();
  try {
    await waitOffloaded(call, 'call');
    await s.readLeg('before-reinvite', call.a.channel);
    await s.ami.waitForEvent(
      'VarSet',
      (m) => header(m, 'Uniqueid') === call.a.uniqueid && header(m, 'Variable') === 'BRIDGEPEER',
      15_000,
    );
    s.mark('reinvite-seen', { moving });
    const at = performance.now();
    const heardBefore = call.a.ep.stats().received;
    const lostB = streamFigures(call.b, pbx()).lost;
    if (moving) {
      const old = call.a.ep;
      call.a.ep = await openEndpoint(rig.side, call.a.phone, 20002, call.a.asterisk);
      old.close();
    }
    await sleep(1000);
    await s.readLeg('after-reinvite-1s', call.a.channel);
    await sleep(7000);
    await s.readLeg('after-reinvite-8s', call.a.channel);
    const elapsed = performance.now() - at;
    const heard = call.a.ep.stats().received - (moving ? 0 : heardBefore);
    const expected = Math.round(elapsed / 20);
    const lostToB = streamFigures(call.b, pbx()).lost - lostB;
    const state = await rig.stateOf(call.bridgeId);
    const remote = (await rig.bridge(call.bridgeId))?.legs.find(
      (l) => l.channelId === call.a.uniqueid,
    )?.remote;
    note(
      `[re-INVITE → 20002, phone ${moving ? 'moves' : 'stays'}] caller heard ${heard} of ~${expected} packets in ${Math.round(elapsed)} ms; B lost ${lostToB}${moving ? ' (new SSRC from the moved phone)' : ''}; agent ${state}, caller remote ${remote ? `${remote.address}:${remote.port}` : 'none'}; flows rewriting to the unannounced-and-unused 20002: ${badFlows.size}`,
    );
    expect(badFlows.size, 'flows rewriting toward a port the phone does not use').toBe(0);
    expect(heard).toBeGreaterThan(expected * 0.9);
    expect(state).toBe('offloaded');
    expect(remote?.port).toBe(moving ? 20002 : 20000);
    return `caller heard ${heard}/${expected}, agent ${state}`;
  } finally {
    watching = false;
    await watch;
    await safely([call]);
    await rec.save();
  }
}
