import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCall, SimulatedPbx } from '../../src/lab/pbx/index.js';
import { header, type AmiMessage } from '../../src/lab/recorder/ami.js';
import { LEG_VARIABLES, type PbxAccess, type RecordingSession } from '../../src/lab/recorder/session.js';
import { isMarker, isWire, type TranscriptEntry } from '../../src/lab/recorder/transcript.js';
import {
  amiReceived,
  fieldNamesByEvent,
  lifecycleByEndpoint,
  loadFixture,
  recordedLegReads,
  shape,
} from './fixtures.js';
import { openAmi, startSim } from './sim.js';

/** AMI messages received between two markers of a fixture. */
function between(entries: readonly TranscriptEntry[], from: string, to: string | null): AmiMessage[] {
  const start = entries.findIndex((e) => isMarker(e) && e.marker === from);
  const end =
    to === null ? entries.length : entries.findIndex((e, i) => i > start && isMarker(e) && e.marker === to);
  return amiReceived(entries.slice(start, end < 0 ? entries.length : end));
}

function compareFieldNames(
  real: Map<string, string[]>,
  sim: Map<string, string[]>,
  events: readonly string[],
): string[] {
  const diffs: string[] = [];
  for (const ev of events) {
    const r = real.get(ev);
    const s = sim.get(ev);
    if (!r) continue;
    if (!s) {
      diffs.push(`${ev}: not emitted by the simulator`);
      continue;
    }
    if (r.join(',') !== s.join(','))
      diffs.push(`${ev} fields:\n  real      ${r.join(',')}\n  simulated ${s.join(',')}`);
  }
  return diffs;
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

const PHONE = (port: number) => ({ address: '127.0.0.1', port });

describe('a bridged call matches Asterisk 22', () => {
  let pbx: SimulatedPbx;
  let access: PbxAccess;
  beforeAll(async () => {
    ({ pbx, access } = await startSim());
  });
  afterAll(async () => {
    await pbx.stop();
  });

  it('emits the same call and bridge events per channel, with the same fields, and reads legs alike', async () => {
    const fixture = loadFixture('basic-call');
    const s = await openAmi(access);
    const enters = [
      s.ami.waitForEvent('BridgeEnter'),
      s.ami.waitForEvent('BridgeEnter', (m) => header(m, 'BridgeNumChannels') === '2'),
    ];
    const call = await pbx.placeCall({
      caller: { endpoint: 'alice', remote: PHONE(41000) },
      callee: { endpoint: 'bob', remote: PHONE(41002) },
    });
    await Promise.all(enters);
    const listed = await s.ami.list('BridgeList');
    const before = await readLegs(s, call);
    await sleep(200);
    call.hangup();
    await s.ami.waitForEvent('BridgeDestroy');
    await sleep(200);
    const sim = s.ami.received().filter((m) => header(m, 'ActionID') === undefined);
    await s.close(0);

    const real = between(fixture, 'ready', null).filter((m) => header(m, 'ActionID') === undefined);
    const diffs: string[] = [];
    const realSeq = lifecycleByEndpoint(real);
    const simSeq = lifecycleByEndpoint(sim);
    for (const ep of new Set([...realSeq.keys(), ...simSeq.keys()])) {
      const r = (realSeq.get(ep) ?? []).join(',');
      const m = (simSeq.get(ep) ?? []).join(',');
      if (r !== m) diffs.push(`events of ${ep}:\n  real      ${r}\n  simulated ${m}`);
    }
    diffs.push(
      ...compareFieldNames(fieldNamesByEvent(real), fieldNamesByEvent(sim), [
        'Newchannel',
        'Newstate',
        'NewConnectedLine',
        'DialBegin',
        'DialState',
        'DialEnd',
        'BridgeCreate',
        'BridgeEnter',
        'BridgeLeave',
        'BridgeDestroy',
        'HangupRequest',
        'SoftHangupRequest',
        'Hangup',
        'VarSet',
      ]),
    );
    const realEnters = real
      .filter((m) => header(m, 'Event') === 'BridgeEnter')
      .map((m) => header(m, 'BridgeTechnology'));
    const simEnters = sim
      .filter((m) => header(m, 'Event') === 'BridgeEnter')
      .map((m) => header(m, 'BridgeTechnology'));
    if (realEnters.join() !== simEnters.join())
      diffs.push(`BridgeEnter technology: real ${realEnters.join()}, simulated ${simEnters.join()}`);
    const simListed = listed.items.map((m) => header(m, 'BridgeTechnology')).join();
    if (simListed !== 'native_rtp')
      diffs.push(`BridgeList right after the second BridgeEnter: real native_rtp, simulated ${simListed}`);
    const realBefore = recordedLegReads(fixture, 'before-media');
    expect(Object.keys(realBefore)).toEqual(['alice', 'bob']);
    for (const ep of ['alice', 'bob']) {
      for (const v of LEG_VARIABLES) {
        if (realBefore[ep]![v] !== before[ep]![v])
          diffs.push(
            `Getvar ${v} on ${ep} before media: real ${realBefore[ep]![v]}, simulated ${before[ep]![v]}`,
          );
      }
    }
    expect(diffs).toEqual([]);
  }, 30_000);

  it('holds, plays music on hold and unholds with the same events and leg reads', async () => {
    const fixture = loadFixture('hold-unhold');
    const s = await openAmi(access);
    const bridged = s.ami.waitForEvent('BridgeEnter', (m) => header(m, 'BridgeNumChannels') === '2');
    const call = await pbx.placeCall({
      caller: { endpoint: 'alice', remote: PHONE(41010) },
      callee: { endpoint: 'bob', remote: PHONE(41012) },
    });
    await bridged;
    const held = s.ami.waitForEvent('MusicOnHoldStart');
    call.hold('caller');
    await held;
    await sleep(300);
    const onHold = await readLegs(s, call);
    const unheld = s.ami.waitForEvent('MusicOnHoldStop');
    call.unhold('caller');
    await unheld;
    call.hangup();
    await s.ami.waitForEvent('BridgeDestroy');
    const sim = s.ami.received().filter((m) => header(m, 'ActionID') === undefined);
    await s.close(0);

    const real = amiReceived(fixture).filter((m) => header(m, 'ActionID') === undefined);
    const diffs = compareFieldNames(fieldNamesByEvent(real), fieldNamesByEvent(sim), [
      'Hold',
      'MusicOnHoldStart',
      'Unhold',
      'MusicOnHoldStop',
    ]);
    const order = (msgs: AmiMessage[]) =>
      msgs
        .filter((m) =>
          ['Hold', 'Unhold', 'MusicOnHoldStart', 'MusicOnHoldStop'].includes(header(m, 'Event') ?? ''),
        )
        .map((m) => `${header(m, 'Event')}@${/\/([a-z]+)-/.exec(header(m, 'Channel') ?? '')?.[1] ?? ''}`)
        .join(',');
    if (order(real) !== order(sim))
      diffs.push(`hold events:\n  real      ${order(real)}\n  simulated ${order(sim)}`);
    const realOnHold = recordedLegReads(fixture, 'on-hold');
    for (const ep of ['alice', 'bob']) {
      for (const v of LEG_VARIABLES) {
        if (realOnHold[ep]![v] !== onHold[ep]![v])
          diffs.push(`Getvar ${v} on ${ep} on hold: real ${realOnHold[ep]![v]}, simulated ${onHold[ep]![v]}`);
      }
    }
    expect(diffs).toEqual([]);
  }, 30_000);

  it('reports MixMonitorStart/Stop with the same fields and moves the bridge to simple_bridge and back', async () => {
    const fixture = loadFixture('mixmonitor');
    const s = await openAmi(access);
    const bridged = s.ami.waitForEvent('BridgeEnter', (m) => header(m, 'BridgeNumChannels') === '2');
    const call = await pbx.placeCall({
      caller: { endpoint: 'alice', remote: PHONE(41020) },
      callee: { endpoint: 'bob', remote: PHONE(41022) },
    });
    await bridged;
    await sleep(100);
    const diffs: string[] = [];
    const started = s.ami.waitForEvent('MixMonitorStart');
    const reply = await s.ami.action('MixMonitor', [
      ['Channel', call.caller.channel],
      ['File', 'recorder-test.wav'],
    ]);
    const realReply = amiReceived(fixture).find(
      (m) =>
        header(m, 'ActionID') !== undefined &&
        /Response/.test(m.raw) &&
        fixture.some(
          (e) =>
            isWire(e) &&
            e.dir === 'sent' &&
            e.raw.includes('Action: MixMonitor') &&
            e.raw.includes(`ActionID: ${header(m, 'ActionID')}\r\n`),
        ),
    );
    if (realReply && reply.headers.map(([k]) => k).join() !== realReply.headers.map(([k]) => k).join())
      diffs.push(`MixMonitor reply: real ${realReply.raw.trim()}, simulated ${reply.raw.trim()}`);
    await started;
    if ((await s.waitForTechnology(call.bridgeId, 'simple_bridge', 1000)) === null)
      diffs.push('MixMonitor: bridge did not move to simple_bridge within 1 s');
    const stopped = s.ami.waitForEvent('MixMonitorStop');
    await s.ami.action('StopMixMonitor', [['Channel', call.caller.channel]]);
    await stopped;
    if ((await s.waitForTechnology(call.bridgeId, 'native_rtp', 1000)) === null)
      diffs.push('StopMixMonitor: bridge did not return to native_rtp within 1 s');
    call.hangup();
    await s.ami.waitForEvent('BridgeDestroy');
    const sim = s.ami.received().filter((m) => header(m, 'ActionID') === undefined);
    await s.close(0);
    const real = amiReceived(fixture).filter((m) => header(m, 'ActionID') === undefined);
    diffs.push(
      ...compareFieldNames(fieldNamesByEvent(real), fieldNamesByEvent(sim), [
        'MixMonitorStart',
        'MixMonitorStop',
      ]),
    );
    expect(diffs).toEqual([]);
  }, 30_000);
});
