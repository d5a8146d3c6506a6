import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type Manager from 'asterisk-manager';
import { AmiDisconnectedError, AmiError } from '../../../src/asterisk/ami/errors.js';
import type { AmiListResult } from '../../../src/asterisk/ami/list-action.js';
import { AmiMessage } from '../../../src/asterisk/ami/message.js';
import {
  detectModule,
  parseModulePairs,
  parsePayloadTypes,
  readModulePairs,
  type ModuleAmiConnection,
  type ModuleLeg,
} from '../../../src/asterisk/module/index.js';
import { isWire, parseTranscript, type TranscriptEntry } from '../../../src/lab/recorder/transcript.js';

const FIXTURE = fileURLToPath(
  new URL('../../fixtures/asterisk-22/module/rtp-offload-list.jsonl', import.meta.url),
);

/** asterisk-manager's parse (lib/ami.js): split at the first ': ', trimmed lower-case keys, repeats as arrays. */
function asLibraryDelivers(raw: string): AmiMessage {
  const item: Manager.Message = {};
  for (const line of raw.split(/\r?\n/).filter((l) => l.length > 0)) {
    const parts = line.split(': ');
    const key = (parts.shift() ?? '').trim().toLowerCase();
    const value = parts.join(': ');
    const prev = item[key];
    if (prev === undefined) item[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else if (typeof prev === 'string') item[key] = [prev, value];
  }
  return AmiMessage.fromLibrary(item);
}

const entries: TranscriptEntry[] = parseTranscript(readFileSync(FIXTURE, 'utf8'));

/** The collected reply of the RtpOffloadList sent with this ActionID, as requestList returns it. */
function recordedList(actionId: string): AmiListResult {
  const received = entries
    .filter(isWire)
    .filter((e) => e.proto === 'ami' && e.dir === 'received')
    .map((e) => asLibraryDelivers(e.raw))
    .filter((m) => m.get('ActionID') === actionId);
  const ack = received.find((m) => m.get('Response') !== undefined);
  const complete = received.find((m) => m.get('EventList')?.toLowerCase() === 'complete');
  if (!ack || !complete) throw new Error(`no complete reply for ${actionId}`);
  const items = received.filter((m) => m !== ack && m !== complete);
  return { ack, items, complete, bytes: 0 };
}

/** ActionIDs of the RtpOffloadList requests sent after a marker, in order. */
function listActionIds(marker: string): string[] {
  const at = entries.findIndex((e) => 'marker' in e && e.marker === marker);
  const ids: string[] = [];
  for (const e of entries.slice(at + 1)) {
    if ('marker' in e) break;
    if (e.dir === 'sent' && e.raw.startsWith('Action: RtpOffloadList')) {
      const m = /ActionID: (\S+)/.exec(e.raw);
      if (m) ids.push(m[1]!);
    }
  }
  return ids;
}

function recordedResponse(actionName: string): AmiMessage {
  const sent = entries
    .filter(isWire)
    .find((e) => e.dir === 'sent' && e.raw.startsWith(`Action: ${actionName}`));
  const id = /ActionID: (\S+)/.exec(sent?.raw ?? '')?.[1];
  const reply = entries
    .filter(isWire)
    .find(
      (e) => e.dir === 'received' && e.raw.startsWith('Response:') && e.raw.includes(`ActionID: ${id}\r\n`),
    );
  if (!reply) throw new Error(`no ${actionName} reply`);
  return asLibraryDelivers(reply.raw);
}

const NOW = 1_795_345_440_000;
const [plainId, allId] = listActionIds('list') as [string, string];

function legOf(legs: Map<string, ModuleLeg>, endpoint: string): ModuleLeg {
  const leg = [...legs.values()].find((l) => l.channelName.startsWith(`PJSIP/${endpoint}-`));
  if (!leg) throw new Error(`no leg for ${endpoint}`);
  return leg;
}

describe('RtpOffloadList recorded on Asterisk 22.11.0-rc1 (golden parse)', () => {
  const plain = parseModulePairs(recordedList(plainId).items, NOW);
  const all = parseModulePairs(recordedList(allId).items, NOW);

  it('lists the three native_rtp pairs, and the SRTP simple_bridge pair only with Technology: all', () => {
    expect(plain.malformed).toBe(0);
    expect(plain.pairs).toHaveLength(3);
    expect(plain.legs.size).toBe(6);
    expect([...plain.bridges.values()]).toEqual(['native_rtp', 'native_rtp', 'native_rtp']);
    expect(all.malformed).toBe(0);
    expect(all.pairs).toHaveLength(4);
    expect([...all.bridges.values()].sort()).toEqual([
      'native_rtp',
      'native_rtp',
      'native_rtp',
      'simple_bridge',
    ]);
  });

  it('alice → bob: bob sends from another port than his SDP names (learned), alice confirmed', () => {
    const alice = legOf(plain.legs, 'alice');
    const bob = legOf(plain.legs, 'bob');
    expect(bob).toMatchObject({
      remote: { address: '198.51.100.11', port: 20010, family: 4 },
      sdpAddress: { address: '198.51.100.11', port: 20000, family: 4 },
      learned: 'yes',
      remoteLearned: true,
      relay: true,
      glue: 'local',
      direct: false,
      secure: false,
      hold: false,
      codec: 'ulaw',
      payloadTypes: { ulaw: 0, 'telephone-event': 101 },
      rxPayloadTypes: { ulaw: 0, 'telephone-event': 101 },
      framingMs: 20,
      dtmfMode: 'rfc4733',
      rtcp: 'standard',
      otherMedia: false,
      peerChannelId: alice.channelId,
      readAt: NOW,
    });
    expect(bob.local).toMatchObject({ address: '198.51.100.1', family: 4 });
    expect(alice).toMatchObject({
      remote: { address: '198.51.100.10', port: 20000 },
      learned: 'confirmed',
      remoteLearned: true,
      peerChannelId: bob.channelId,
    });
    expect(alice.bridgeId).toBe(bob.bridgeId);
    expect(alice.rxPackets).toBeGreaterThan(0);
    expect(alice.remoteSsrc).not.toBeNull();
    expect(alice.ssrc).not.toBeNull();
  });

  it('dave → carol: telephone-event 96 on dave, 101 on carol, relay still running', () => {
    expect(legOf(plain.legs, 'dave')).toMatchObject({
      payloadTypes: { ulaw: 0, 'telephone-event': 96 },
      rxPayloadTypes: { ulaw: 0, 'telephone-event': 96 },
      relay: true,
    });
    expect(legOf(plain.legs, 'carol')).toMatchObject({
      payloadTypes: { ulaw: 0, 'telephone-event': 101 },
      relay: true,
    });
  });

  it('frank holds: frank on hold with no remote, grace not; no relay on either', () => {
    const frank = legOf(plain.legs, 'frank');
    const grace = legOf(plain.legs, 'grace');
    expect(frank).toMatchObject({
      hold: true,
      remote: null,
      sdpAddress: null,
      learned: 'no',
      remoteLearned: false,
      relay: false,
    });
    expect(grace).toMatchObject({ hold: false, relay: false, learned: 'confirmed' });
    const pair = plain.pairs.find((p) => p.bridgeId === frank.bridgeId);
    expect(pair).toMatchObject({ technology: 'native_rtp', bridgeClass: 'basic', mode: 'local' });
  });

  it('SDES-SRTP pair: glue forbid, secure, simple_bridge', () => {
    const a = legOf(all.legs, 'sdesa');
    expect(a).toMatchObject({ glue: 'forbid', secure: true, relay: false, direct: false, learned: 'no' });
    expect(all.pairs.find((p) => p.bridgeId === a.bridgeId)).toMatchObject({
      technology: 'simple_bridge',
      mode: 'forbid',
    });
  });

  it('the empty lists before the calls and after the hang-ups parse to nothing', () => {
    for (const marker of ['list-empty', 'list-after-hangup']) {
      const [id] = listActionIds(marker);
      const r = parseModulePairs(recordedList(id!).items, NOW);
      expect(r.pairs).toEqual([]);
      expect(r.malformed).toBe(0);
    }
  });
});

describe('parseModulePairs: malformed items are counted and skipped', () => {
  const good = recordedList(plainId).items;
  const raw = entries
    .filter(isWire)
    .filter(
      (e) =>
        e.dir === 'received' &&
        e.raw.startsWith('Event: RtpOffloadPair') &&
        e.raw.includes(`ActionID: ${plainId}\r\n`),
    )
    .map((e) => e.raw);
  const edit = (i: number, from: RegExp, to: string): AmiMessage => {
    const text = raw[i]!;
    expect(text).toMatch(from);
    return asLibraryDelivers(text.replace(from, to));
  };

  it.each([
    ['a missing leg Uniqueid', /Leg2Uniqueid: [^\r]*\r\n/, ''],
    ['an empty leg Uniqueid', /Leg1Uniqueid: [^\r]*/, 'Leg1Uniqueid: '],
    ['a bad address', /Leg1LocalAddress: [^\r]*/, 'Leg1LocalAddress: 198.51.100.300:10000'],
    ['a bad port', /Leg2RemoteAddress: [^\r]*/, 'Leg2RemoteAddress: 198.51.100.11:99999'],
    ['a bad flag', /Leg1OnHold: [^\r]*/, 'Leg1OnHold: maybe'],
    ['a bad payload list', /Leg2PayloadTypes: [^\r]*/, 'Leg2PayloadTypes: ulaw=0,telephone-event'],
    ['a payload type above 127', /Leg1RxPayloadTypes: [^\r]*/, 'Leg1RxPayloadTypes: ulaw=128'],
    ['an unknown learned value', /Leg1RemoteLearned: [^\r]*/, 'Leg1RemoteLearned: perhaps'],
    ['an unknown glue', /Leg2Glue: [^\r]*/, 'Leg2Glue: magic'],
    ['a missing Mode', /Mode: [^\r]*\r\n/, ''],
    ['a non-hex SSRC', /Leg1Ssrc: [^\r]*/, 'Leg1Ssrc: xyz'],
    ['a bad packet count', /Leg2RxPackets: [^\r]*/, 'Leg2RxPackets: -3'],
    ['another event', /^Event: RtpOffloadPair/, 'Event: BridgeListItem'],
  ])('%s', (_what, from, to) => {
    const bad = edit(1, from, to);
    const r = parseModulePairs([good[0]!, bad, good[2]!], NOW);
    expect(r.malformed).toBe(1);
    expect(r.problems).toHaveLength(1);
    expect(r.pairs).toHaveLength(2);
    expect(r.legs.size).toBe(4);
  });

  it('keeps the technology of a bridge whose legs are malformed', () => {
    const bad = edit(0, /Leg1Uniqueid: [^\r]*\r\n/, '');
    const id = bad.get('BridgeUniqueid')!;
    const r = parseModulePairs([bad], NOW);
    expect(r.malformed).toBe(1);
    expect(r.bridges.get(id)).toBe('native_rtp');
  });

  it('skips an item without a bridge id and a channel listed twice', () => {
    const noId = edit(0, /BridgeUniqueid: [^\r]*\r\n/, '');
    const r = parseModulePairs([noId, good[1]!, good[1]!], NOW);
    expect(r.malformed).toBe(2);
    expect(r.pairs).toHaveLength(1);
  });

  it('never throws on junk', () => {
    const junk = [
      AmiMessage.fromPairs([]),
      AmiMessage.fromPairs([['Event', 'RtpOffloadPair']]),
      AmiMessage.fromPairs([
        ['Event', 'RtpOffloadPair'],
        ['BridgeUniqueid', 'x'],
        ['BridgeTechnology', 'native_rtp'],
        ['Mode', 'local'],
      ]),
    ];
    const r = parseModulePairs(junk, NOW);
    expect(r.malformed).toBe(3);
    expect(r.pairs).toEqual([]);
    expect(r.bridges.get('x')).toBe('native_rtp');
  });

  it('maps mixed-case field names as they arrive (keys are case-insensitive)', () => {
    const upper = AmiMessage.fromPairs(
      raw[0]!
        .split('\r\n')
        .filter((l) => l.includes(': '))
        .map((l) => {
          const at = l.indexOf(': ');
          return [l.slice(0, at).toUpperCase(), l.slice(at + 2)] as const;
        }),
    );
    expect(parseModulePairs([upper], NOW).pairs).toHaveLength(1);
  });
});

describe('parsePayloadTypes', () => {
  it.each([
    ['', {}],
    ['ulaw=0', { ulaw: 0 }],
    ['ulaw=0,telephone-event=101,CN=13', { ulaw: 0, 'telephone-event': 101, CN: 13 }],
    ['opus=107,telephone-event/48000=110', { opus: 107, 'telephone-event/48000': 110 }],
    ['ulaw=0,ulaw=8', { ulaw: 0 }],
  ])('%j', (text, want) => {
    expect(parsePayloadTypes(text)).toEqual(want);
  });
  it.each(['ulaw', '=0', 'ulaw=', 'ulaw=x', 'ulaw=128', 'ulaw=0,,'])('%j → null', (text) => {
    expect(parsePayloadTypes(text)).toBeNull();
  });
});

function stubConnection(o: {
  listCommands?: AmiMessage | Error;
  list?: AmiListResult | Error;
}): ModuleAmiConnection & { actions: string[] } {
  const actions: string[] = [];
  return {
    actions,
    request: (action) => {
      actions.push(action.Action);
      const r = o.listCommands;
      if (!r) return Promise.reject(new AmiError(action.Action, 'unexpected'));
      return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
    },
    requestList: (action) => {
      actions.push(
        Object.entries(action)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      );
      const r = o.list;
      if (!r) return Promise.reject(new AmiError(action.Action, 'unexpected'));
      return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
    },
  };
}

describe('readModulePairs', () => {
  it('sends one RtpOffloadList and parses its items', async () => {
    const c = stubConnection({ list: recordedList(allId) });
    const r = await readModulePairs(c, { technology: 'all', now: () => NOW });
    expect(c.actions).toEqual(['Action=RtpOffloadList Technology=all']);
    expect(r.pairs).toHaveLength(4);
    expect(r.listItems).toBe(4);
    expect(r.problems).toEqual([]);
  });

  it('asks for native_rtp bridges by default', async () => {
    const c = stubConnection({ list: recordedList(plainId) });
    const r = await readModulePairs(c, { now: () => NOW });
    expect(c.actions).toEqual(['Action=RtpOffloadList']);
    expect(r.legs.size).toBe(6);
  });

  it('reports a ListItems count that differs from the items received', async () => {
    const full = recordedList(plainId);
    const c = stubConnection({ list: { ...full, items: full.items.slice(1) } });
    const r = await readModulePairs(c, { now: () => NOW });
    expect(r.pairs).toHaveLength(2);
    expect(r.problems).toEqual(['ListItems 3 but 2 items received']);
  });

  it('passes connection failures on', async () => {
    const c = stubConnection({ list: new AmiDisconnectedError('RtpOffloadList', 'closed') });
    await expect(readModulePairs(c)).rejects.toBeInstanceOf(AmiDisconnectedError);
  });
});

describe('detectModule', () => {
  it('finds RtpOffloadList in the recorded ListCommands reply', async () => {
    const c = stubConnection({ listCommands: recordedResponse('ListCommands') });
    await expect(detectModule(c)).resolves.toBe('loaded');
    expect(c.actions).toEqual(['ListCommands']);
  });

  it('tries the action when ListCommands does not name it; unknown action → absent', async () => {
    const c = stubConnection({
      listCommands: AmiMessage.fromPairs([
        ['Response', 'Success'],
        ['Ping', 'Keepalive command.  (Priv: <none>)'],
      ]),
      list: new AmiError(
        'RtpOffloadList',
        'Invalid/unknown command: RtpOffloadList. Use Action: ListCommands to show available commands.',
      ),
    });
    await expect(detectModule(c)).resolves.toBe('absent');
    expect(c.actions).toEqual(['ListCommands', 'Action=RtpOffloadList']);
  });

  it('an answering action means loaded even when ListCommands is refused', async () => {
    const c = stubConnection({
      listCommands: new AmiError('ListCommands', 'Permission denied'),
      list: recordedList(plainId),
    });
    await expect(detectModule(c)).resolves.toBe('loaded');
  });

  it('permission denied for the action → absent; a disconnect rejects', async () => {
    const denied = stubConnection({
      listCommands: new AmiError('ListCommands', 'Permission denied'),
      list: new AmiError('RtpOffloadList', 'Permission denied'),
    });
    await expect(detectModule(denied)).resolves.toBe('absent');
    const down = stubConnection({
      listCommands: new AmiDisconnectedError('ListCommands', 'closed'),
    });
    await expect(detectModule(down)).rejects.toBeInstanceOf(AmiDisconnectedError);
  });
});
