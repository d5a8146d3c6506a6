import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type Manager from 'asterisk-manager';
import { AmiDisconnectedError, AmiError } from '../../../src/asterisk/ami/errors.js';
import type { AmiListResult } from '../../../src/asterisk/ami/list-action.js';
import { AmiMessage } from '../../../src/asterisk/ami/message.js';
import { checkAction, type AmiAction } from '../../../src/asterisk/ami/connection.js';
import {
  detectModule,
  MODULE_MAX_FILTER_IDS,
  parseModulePairs,
  parsePayloadTypes,
  planModuleList,
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
function recordedList(actionId: string, from: readonly TranscriptEntry[] = entries): AmiListResult {
  const received = from
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
function listActionIds(marker: string, from: readonly TranscriptEntry[] = entries): string[] {
  const at = from.findIndex((e) => 'marker' in e && e.marker === marker);
  if (at < 0) throw new Error(`no marker ${marker}`);
  const ids: string[] = [];
  for (const e of from.slice(at + 1)) {
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

const FILTER_FIXTURE = fileURLToPath(
  new URL('../../fixtures/asterisk-22/module/rtp-offload-filter.jsonl', import.meta.url),
);
const filterEntries: TranscriptEntry[] = parseTranscript(readFileSync(FILTER_FIXTURE, 'utf8'));

/** The one RtpOffloadList sent after a marker of the filter recording: its headers and reply. */
function filterStep(marker: string): { sent: [string, string][]; actionId: string } {
  const [actionId] = listActionIds(marker, filterEntries);
  const sent = filterEntries
    .filter(isWire)
    .find((e) => e.dir === 'sent' && e.raw.includes(`ActionID: ${actionId}\r\n`));
  if (!actionId || !sent) throw new Error(`no request after ${marker}`);
  const headers = sent.raw
    .split('\r\n')
    .filter((l) => l.includes(':'))
    .map((l): [string, string] => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]);
  return { sent: headers, actionId };
}

/** The ids a request names in its (possibly repeated) header, split as the module splits them. */
function namedIds(sent: readonly [string, string][], name: string): string[] {
  return sent
    .filter(([k]) => k.toLowerCase() === name.toLowerCase())
    .flatMap(([, v]) => v.split(','))
    .map((id) => id.trim())
    .filter((id) => id !== '');
}

describe('RtpOffloadList filters recorded on Asterisk 22.11.0-rc1 (golden parse)', () => {
  const full = parseModulePairs(
    recordedList(listActionIds('list', filterEntries)[0]!, filterEntries).items,
    NOW,
  );
  const step = (marker: string) => {
    const { sent, actionId } = filterStep(marker);
    const list = recordedList(actionId, filterEntries);
    return { sent, list, parsed: parseModulePairs(list.items, NOW) };
  };
  const bridgeOf = (uniqueid: string): string => {
    const leg = full.legs.get(uniqueid);
    if (!leg) throw new Error(`${uniqueid} not in the unfiltered list`);
    return leg.bridgeId;
  };

  it('the unfiltered list has the three calls', () => {
    expect(full.malformed).toBe(0);
    expect(full.pairs).toHaveLength(3);
    expect(full.legs.size).toBe(6);
  });

  it('BridgeUniqueid: one id → exactly that pair, as in the unfiltered list', () => {
    const { sent, list, parsed } = step('filter-bridge');
    const [id] = namedIds(sent, 'BridgeUniqueid');
    expect(parsed.malformed).toBe(0);
    expect(parsed.pairs.map((p) => p.bridgeId)).toEqual([id]);
    expect(list.complete.get('ListItems')).toBe('1');
    const same = full.pairs.find((p) => p.bridgeId === id)!;
    expect(parsed.pairs[0]!.legs.map((l) => l.channelId)).toEqual(same.legs.map((l) => l.channelId));
    expect(parsed.pairs[0]!.technology).toBe(same.technology);
  });

  it('Uniqueid: one channel → the pair holding it', () => {
    const { sent, parsed } = step('filter-uniqueid');
    const [uniqueid] = namedIds(sent, 'Uniqueid');
    expect(parsed.pairs).toHaveLength(1);
    expect(parsed.pairs[0]!.bridgeId).toBe(bridgeOf(uniqueid!));
    expect(parsed.legs.has(uniqueid!)).toBe(true);
  });

  it.each([
    ['filter-unknown', 'an unknown bridge id'],
    ['filter-unknown-uniqueid', 'an unknown uniqueid'],
    [
      'filter-uniqueid-prefix',
      'a prefix of every live uniqueid (ao2_legacy matches prefixes; the module does not)',
    ],
    ['filter-technology', 'a native_rtp bridge asked with Technology: simple_bridge'],
    ['list-after-hangup', 'ids of calls that have ended'],
  ])('%s: %s → empty list, ListItems: 0', (marker) => {
    const { list, parsed } = step(marker);
    expect(list.ack.get('Response')).toBe('Success');
    expect(list.items).toEqual([]);
    expect(list.complete.get('ListItems')).toBe('0');
    expect(parsed.pairs).toEqual([]);
  });

  it('a mix (bridge named by id and by a channel, unknown, blank and over-long ids) → each pair once', () => {
    const { sent, list, parsed } = step('filter-mix');
    const bridgeIds = namedIds(sent, 'BridgeUniqueid');
    const uniqueids = namedIds(sent, 'Uniqueid');
    expect(uniqueids.some((u) => u.length > 151)).toBe(true);
    const found = new Set([...bridgeIds, ...uniqueids.filter((u) => full.legs.has(u)).map(bridgeOf)]);
    const want = full.pairs.map((p) => p.bridgeId).filter((id) => found.has(id));
    expect(want).toHaveLength(2);
    expect(parsed.malformed).toBe(0);
    expect(parsed.pairs.map((p) => p.bridgeId).sort()).toEqual([...want].sort());
    expect(list.complete.get('ListItems')).toBe('2');
  });

  it('repeated BridgeUniqueid headers add up', () => {
    const { sent, parsed } = step('filter-repeated');
    expect(sent.filter(([k]) => k === 'BridgeUniqueid')).toHaveLength(2);
    expect(parsed.pairs.map((p) => p.bridgeId)).toEqual(namedIds(sent, 'BridgeUniqueid'));
  });

  // Recorded with the module's former bound (256); the agent now sends at most 64, the
  // current bound, which both builds accept.
  it('256 ids over repeated lines are accepted; 257 are refused (the recorded build)', () => {
    const recordedBound = 256;
    expect(MODULE_MAX_FILTER_IDS).toBeLessThanOrEqual(recordedBound);
    const max = step('filter-max');
    expect(namedIds(max.sent, 'BridgeUniqueid')).toHaveLength(recordedBound);
    expect(max.parsed.pairs).toHaveLength(1);
    const { sent, actionId } = filterStep('filter-too-many');
    expect(namedIds(sent, 'BridgeUniqueid')).toHaveLength(recordedBound + 1);
    const reply = filterEntries
      .filter(isWire)
      .find((e) => e.dir === 'received' && e.raw.includes(`ActionID: ${actionId}\r\n`));
    const msg = asLibraryDelivers(reply!.raw);
    expect(msg.get('Response')).toBe('Error');
    expect(msg.get('Message')).toMatch(/^Too many ids: at most 256 /);
  });
});

/** A stand-in for the module: answers each action from the recorded unfiltered list. */
function fakeModule(): ModuleAmiConnection & { sent: AmiAction[] } {
  const all = recordedList(listActionIds('list', filterEntries)[0]!, filterEntries).items;
  const sent: AmiAction[] = [];
  const ids = (v: string | undefined) => new Set((v ?? '').split(',').map((x) => x.trim()));
  return {
    sent,
    request: (action) => Promise.reject(new AmiError(action.Action, 'unexpected')),
    requestList: (action) => {
      sent.push(action);
      const problem = checkAction(action);
      if (problem) return Promise.reject(problem);
      const bridges = ids(action.BridgeUniqueid);
      const channels = ids(action.Uniqueid);
      const items = all.filter(
        (m) =>
          bridges.has(m.get('BridgeUniqueid') ?? '') ||
          channels.has(m.get('Leg1Uniqueid') ?? '') ||
          channels.has(m.get('Leg2Uniqueid') ?? ''),
      );
      return Promise.resolve({
        ack: AmiMessage.fromPairs([['Response', 'Success']]),
        items,
        complete: AmiMessage.fromPairs([
          ['EventList', 'Complete'],
          ['ListItems', String(items.length)],
        ]),
        bytes: 100,
      });
    },
  };
}

describe('planModuleList: the actions a filtered read sends', () => {
  const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  /** Distinct two-character ids: 256 of them fit one 1024-byte line. */
  const short = (i: number) => i.toString(36).padStart(2, '0');

  it('no filter: one action, as before', () => {
    expect(planModuleList()).toEqual({ actions: [{ Action: 'RtpOffloadList' }], problems: [] });
    expect(planModuleList({ technology: 'all' }).actions).toEqual([
      { Action: 'RtpOffloadList', Technology: 'all' },
    ]);
  });

  it('joins trimmed, distinct ids with commas, keeps Technology', () => {
    const plan = planModuleList({
      technology: 'all',
      bridgeIds: [' b1 ', 'b2', 'b1'],
      uniqueids: ['1795346079.0'],
    });
    expect(plan).toEqual({
      actions: [
        { Action: 'RtpOffloadList', Technology: 'all', BridgeUniqueid: 'b1,b2', Uniqueid: '1795346079.0' },
      ],
      problems: [],
    });
    expect(planModuleList({ uniqueids: ['u1'] }).actions).toEqual([
      { Action: 'RtpOffloadList', Uniqueid: 'u1' },
    ]);
  });

  it('leaves out ids the module would split or ignore, and says so', () => {
    const plan = planModuleList({ bridgeIds: ['', 'a,b', 'x\r\nAction: Logoff', 'y'.repeat(152), 'ok'] });
    expect(plan.actions).toEqual([{ Action: 'RtpOffloadList', BridgeUniqueid: 'ok' }]);
    expect(plan.problems).toHaveLength(4);
  });

  it('a filter with no ids sends nothing (an empty header would list everything)', () => {
    expect(planModuleList({ bridgeIds: [], uniqueids: [] }).actions).toEqual([]);
    expect(planModuleList({ bridgeIds: [' '] }).actions).toEqual([]);
  });

  it("chunks at 64 ids per request (the module's bound)", () => {
    expect(MODULE_MAX_FILTER_IDS).toBe(64);
    const plan = planModuleList({ uniqueids: Array.from({ length: 150 }, (_, i) => short(i)) });
    expect(plan.actions.map((a) => a.Uniqueid!.split(',').length)).toEqual([64, 64, 22]);
    const mixed = planModuleList({
      bridgeIds: Array.from({ length: 40 }, (_, i) => short(i)),
      uniqueids: Array.from({ length: 50 }, (_, i) => short(1000 + i)),
    });
    expect(
      mixed.actions.map((a) => [a.BridgeUniqueid?.split(',').length, a.Uniqueid?.split(',').length]),
    ).toEqual([
      [40, 24],
      [undefined, 26],
    ]);
  });

  it('and at 1024 bytes per header line: 27 bridge ids of 36 characters', () => {
    const plan = planModuleList({ bridgeIds: Array.from({ length: 60 }, (_, i) => uuid(i)) });
    expect(plan.actions.map((a) => a.BridgeUniqueid!.split(',').length)).toEqual([27, 27, 6]);
    for (const a of plan.actions) expect(checkAction(a)).toBeNull();
    expect(plan.actions.flatMap((a) => a.BridgeUniqueid!.split(','))).toEqual(
      Array.from({ length: 60 }, (_, i) => uuid(i)),
    );
  });

  it('every planned action passes the connection’s header checks', () => {
    const plan = planModuleList({
      bridgeIds: Array.from({ length: 500 }, (_, i) => uuid(i)),
      uniqueids: Array.from({ length: 900 }, (_, i) => `1795346079.${i}`),
    });
    expect(plan.actions.length).toBeGreaterThan(1);
    for (const a of plan.actions) {
      expect(checkAction(a)).toBeNull();
      const n = (a.BridgeUniqueid?.split(',').length ?? 0) + (a.Uniqueid?.split(',').length ?? 0);
      expect(n).toBeLessThanOrEqual(MODULE_MAX_FILTER_IDS);
    }
    expect(plan.actions.flatMap((a) => a.Uniqueid?.split(',') ?? [])).toHaveLength(900);
  });
});

describe('readModulePairs with filters', () => {
  const full = parseModulePairs(
    recordedList(listActionIds('list', filterEntries)[0]!, filterEntries).items,
    NOW,
  );
  const [p1, p2, p3] = full.pairs as [
    (typeof full.pairs)[number],
    (typeof full.pairs)[number],
    (typeof full.pairs)[number],
  ];

  it('sends the filter headers and parses the pairs found', async () => {
    const c = fakeModule();
    const r = await readModulePairs(c, {
      technology: 'all',
      bridgeIds: [p1.bridgeId],
      uniqueids: [p3.legs[1].channelId],
      now: () => NOW,
    });
    expect(c.sent).toEqual([
      {
        Action: 'RtpOffloadList',
        Technology: 'all',
        BridgeUniqueid: p1.bridgeId,
        Uniqueid: p3.legs[1].channelId,
      },
    ]);
    expect(r.pairs.map((p) => p.bridgeId).sort()).toEqual([p1.bridgeId, p3.bridgeId].sort());
    expect(r).toMatchObject({ requests: 1, listItems: 2, problems: [] });
  });

  it('a bridge found in two chunks (by a channel, then by id) is kept once', async () => {
    const c = fakeModule();
    const bridgeIds = [
      p2.bridgeId,
      ...Array.from({ length: 40 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`),
      p1.bridgeId,
    ];
    // 27 bridge ids fit a line: p1's id goes into the second request, its channel into the first.
    const r = await readModulePairs(c, { bridgeIds, uniqueids: [p1.legs[0].channelId], now: () => NOW });
    expect(c.sent).toHaveLength(2);
    expect(c.sent[0]!.Uniqueid).toBe(p1.legs[0].channelId);
    expect(c.sent[1]!.BridgeUniqueid).toContain(p1.bridgeId);
    expect(r.requests).toBe(2);
    expect(r.malformed).toBe(0);
    expect(r.pairs.map((p) => p.bridgeId).sort()).toEqual([p1.bridgeId, p2.bridgeId].sort());
    expect(r.legs.size).toBe(4);
    // Summed over the chunks: p1 was listed by both.
    expect(r.listItems).toBe(3);
    expect(r.bytes).toBe(200);
  });

  it('no ids: no request, nothing listed', async () => {
    const c = fakeModule();
    const r = await readModulePairs(c, { bridgeIds: [], uniqueids: [], now: () => NOW });
    expect(c.sent).toEqual([]);
    expect(r).toMatchObject({ requests: 0, listItems: 0, bytes: 0, malformed: 0 });
    expect(r.pairs).toEqual([]);
  });

  it('unusable ids become problems; the rest is read', async () => {
    const c = fakeModule();
    const r = await readModulePairs(c, { uniqueids: ['a,b', p1.legs[0].channelId], now: () => NOW });
    expect(r.pairs.map((p) => p.bridgeId)).toEqual([p1.bridgeId]);
    expect(r.problems).toHaveLength(1);
  });

  it('the recorded mixed reply parses through the reader', async () => {
    const { sent, actionId } = filterStep('filter-mix');
    const c = stubConnection({ list: recordedList(actionId, filterEntries) });
    const r = await readModulePairs(c, {
      bridgeIds: namedIds(sent, 'BridgeUniqueid'),
      uniqueids: namedIds(sent, 'Uniqueid').filter((u) => u.length <= 151),
      now: () => NOW,
    });
    expect(r).toMatchObject({ requests: 1, listItems: 2, malformed: 0, problems: [] });
    expect(r.legs.size).toBe(4);
  });
});
