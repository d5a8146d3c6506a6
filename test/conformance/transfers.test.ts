import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedPbx } from '../../src/lab/pbx/index.js';
import { header, type AmiMessage } from '../../src/lab/recorder/ami.js';
import type { PbxAccess } from '../../src/lab/recorder/session.js';
import { isMarker, type TranscriptEntry } from '../../src/lab/recorder/transcript.js';
import { amiReceived, fieldNamesByEvent, lifecycleByEndpoint, loadFixture } from './fixtures.js';
import { openAmi, phone, startSim } from './sim.js';

/** Asynchronous AMI messages Asterisk sent after the `ready` marker. */
function recordedEvents(entries: readonly TranscriptEntry[]): AmiMessage[] {
  const ready = entries.findIndex((e) => isMarker(e) && e.marker === 'ready');
  return amiReceived(entries.slice(ready)).filter((m) => header(m, 'ActionID') === undefined);
}

function sequenceDiffs(real: readonly AmiMessage[], sim: readonly AmiMessage[]): string[] {
  const diffs: string[] = [];
  const r = lifecycleByEndpoint(real);
  const s = lifecycleByEndpoint(sim);
  for (const ep of new Set([...r.keys(), ...s.keys()])) {
    const a = (r.get(ep) ?? []).join(',');
    const b = (s.get(ep) ?? []).join(',');
    if (a !== b) diffs.push(`events of ${ep}:\n  real      ${a}\n  simulated ${b}`);
  }
  return diffs;
}

function fieldDiffs(
  real: readonly AmiMessage[],
  sim: readonly AmiMessage[],
  events: readonly string[],
): string[] {
  const r = fieldNamesByEvent(real);
  const s = fieldNamesByEvent(sim);
  const diffs: string[] = [];
  for (const ev of events) {
    const a = r.get(ev);
    if (!a) throw new Error(`the fixture has no ${ev}`);
    const b = s.get(ev);
    if (a.join(',') !== b?.join(','))
      diffs.push(`${ev} fields:\n  real      ${a.join(',')}\n  simulated ${b?.join(',') ?? '(none)'}`);
  }
  return diffs;
}

/** What an AMI action answered in the fixture (Response and Message). */
function recordedReply(entries: readonly TranscriptEntry[], action: string): string {
  const sent = entries.find(
    (e) => 'raw' in e && e.dir === 'sent' && e.raw.startsWith(`Action: ${action}\r\n`),
  );
  const id = sent && 'raw' in sent ? /ActionID: (.*)\r\n/.exec(sent.raw)?.[1] : undefined;
  const reply = amiReceived(entries).find((m) => header(m, 'ActionID') === id && header(m, 'Response'));
  return `${header(reply!, 'Response')}: ${header(reply!, 'Message')}`;
}

describe('transfers match Asterisk 22', () => {
  let pbx: SimulatedPbx;
  let access: PbxAccess;
  beforeAll(async () => {
    ({ pbx, access } = await startSim());
  });
  afterAll(async () => {
    await pbx.stop();
  });

  it('AMI BlindTransfer: Unhold on the transferer, BlindTransfer (IsExternal Yes), the transferee dials the target', async () => {
    const fixture = loadFixture('blind-transfer');
    const s = await openAmi(access);
    const bridged = s.ami.waitForEvent('BridgeEnter', (m) => header(m, 'BridgeNumChannels') === '2');
    const call = await pbx.placeCall({
      caller: { endpoint: 'alice', remote: phone(10) },
      callee: { endpoint: 'bob', remote: phone(11) },
    });
    await bridged;
    const rebridged = s.ami.waitForEvent(
      'BridgeEnter',
      (m) => header(m, 'BridgeNumChannels') === '2' && header(m, 'Channel') === call.callee.channel,
    );
    const reply = await s.ami.action('BlindTransfer', [
      ['Channel', call.caller.channel],
      ['Exten', '2003'],
      ['Context', 'internal'],
    ]);
    await rebridged;
    await sleep(100);
    const destroyed = s.ami.waitForEvent('BridgeDestroy');
    await s.ami.action('Hangup', [['Channel', call.callee.channel]]);
    await destroyed;
    await sleep(100);
    const sim = s.ami.received().filter((m) => header(m, 'ActionID') === undefined);
    await s.close(0);

    const real = recordedEvents(fixture);
    const diffs = [
      ...sequenceDiffs(real, sim),
      ...fieldDiffs(real, sim, ['Unhold', 'BlindTransfer', 'SoftHangupRequest']),
    ];
    const got = `${header(reply, 'Response')}: ${header(reply, 'Message')}`;
    if (got !== recordedReply(fixture, 'BlindTransfer'))
      diffs.push(`BlindTransfer reply: real ${recordedReply(fixture, 'BlindTransfer')}, simulated ${got}`);
    const bt = sim.find((m) => header(m, 'Event') === 'BlindTransfer');
    const realBt = real.find((m) => header(m, 'Event') === 'BlindTransfer')!;
    for (const f of ['Result', 'IsExternal', 'Context', 'Extension', 'TransfereeExten'])
      if (bt && header(bt, f) !== header(realBt, f))
        diffs.push(`BlindTransfer ${f}: real ${header(realBt, f)}, simulated ${header(bt, f)}`);
    expect(diffs).toEqual([]);
  }, 30_000);

  it('AMI Atxfer: Hold without MusicClass, a Local pair, then BridgeMerge → AttendedTransfer → Local optimisation', async () => {
    const fixture = loadFixture('attended-transfer');
    const s = await openAmi(access);
    const bridged = s.ami.waitForEvent('BridgeEnter', (m) => header(m, 'BridgeNumChannels') === '2');
    // Extension 2102: Dial(PJSIP/bob,30,T), so the bridge keeps DTMF hooks (simple_bridge).
    const call = await pbx.placeCall({
      caller: { endpoint: 'alice', remote: phone(10) },
      callee: { endpoint: 'bob', remote: phone(11) },
      dtmfFeatures: true,
    });
    await bridged;
    const consulting = s.ami.waitForEvent(
      'BridgeEnter',
      (m) => header(m, 'BridgeNumChannels') === '2' && (header(m, 'Channel') ?? '').endsWith(';2'),
    );
    const reply = await s.ami.action('Atxfer', [
      ['Channel', call.caller.channel],
      ['Exten', '2003'],
      ['Context', 'internal'],
    ]);
    await consulting;
    const optimised = s.ami.waitForEvent('LocalOptimizationEnd');
    await s.ami.action('Hangup', [['Channel', call.caller.channel]]);
    await optimised;
    await sleep(100);
    const [native] = (await s.ami.list('BridgeList', [['BridgeType', 'native_rtp']])).items;
    const destroyed = s.ami.waitForEvent('BridgeDestroy');
    await s.ami.action('Hangup', [['Channel', call.callee.channel]]);
    await destroyed;
    await sleep(100);
    const sim = s.ami.received().filter((m) => header(m, 'ActionID') === undefined);
    await s.close(0);

    const real = recordedEvents(fixture);
    const diffs = [
      ...sequenceDiffs(real, sim),
      ...fieldDiffs(real, sim, [
        'Hold',
        'MusicOnHoldStart',
        'MusicOnHoldStop',
        'LocalBridge',
        'NewCallerid',
        'BridgeMerge',
        'AttendedTransfer',
        'LocalOptimizationBegin',
        'LocalOptimizationEnd',
        'HangupRequest',
      ]),
    ];
    const got = `${header(reply, 'Response')}: ${header(reply, 'Message')}`;
    if (got !== recordedReply(fixture, 'Atxfer'))
      diffs.push(`Atxfer reply: real ${recordedReply(fixture, 'Atxfer')}, simulated ${got}`);
    const order = (msgs: readonly AmiMessage[]): string =>
      msgs
        .map((m) => header(m, 'Event') ?? '')
        .filter((e) =>
          ['BridgeMerge', 'AttendedTransfer', 'LocalOptimizationBegin', 'LocalOptimizationEnd'].includes(e),
        )
        .join(',');
    if (order(real) !== order(sim))
      diffs.push(`transfer order: real ${order(real)}, simulated ${order(sim)}`);
    const at = sim.find((m) => header(m, 'Event') === 'AttendedTransfer');
    const realAt = real.find((m) => header(m, 'Event') === 'AttendedTransfer')!;
    for (const f of ['Result', 'IsExternal', 'DestType'])
      if (header(realAt, f) !== (at && header(at, f)))
        diffs.push(`AttendedTransfer ${f}: real ${header(realAt, f)}, simulated ${at && header(at, f)}`);
    // DestType Bridge: the destination is the transferer's original bridge, which the
    // consultation bridge merged into.
    if (at && header(at, 'DestBridgeUniqueid') !== call.bridgeId)
      diffs.push('AttendedTransfer: DestBridgeUniqueid is not the original bridge');
    if (at && header(at, 'OrigBridgeUniqueid') !== call.bridgeId)
      diffs.push('AttendedTransfer: OrigBridgeUniqueid is not the original bridge');
    // The transferee and the target end up in a native_rtp bridge.
    if (!native || header(native, 'BridgeNumChannels') !== '2')
      diffs.push('no native_rtp bridge of two after the transfer');
    expect(diffs).toEqual([]);
  }, 30_000);
});
