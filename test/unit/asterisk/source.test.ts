import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AmiSource } from '../../../src/asterisk/ami/source.js';
import type { AmiSourceOptions } from '../../../src/asterisk/ami/options.js';
import type { ChannelInfo, PbxEvent } from '../../../src/model/pbx.js';
import { AmiPeer, type Pairs } from './helpers/ami-peer.js';
import { bridgeBlock, channelBlock } from './helpers/blocks.js';
import { collectingLogger, until } from './helpers/logger.js';
import { ScriptedPbx } from './helpers/scripted-pbx.js';

let peer: AmiPeer;
let pbx: ScriptedPbx;
let source: AmiSource | null;
let events: PbxEvent[];
let log: ReturnType<typeof collectingLogger>;

function create(over: Partial<AmiSourceOptions> = {}): AmiSource {
  source = new AmiSource({
    port: peer.port,
    username: peer.username,
    secret: peer.secret,
    requestTimeoutMs: 1000,
    pingIntervalMs: 0,
    reconnect: { initialDelayMs: 20, maxDelayMs: 40, jitter: 0 },
    technologyMinIntervalMs: 0,
    logger: log,
    ...over,
  });
  source.onEvent((e) => events.push(e));
  return source;
}

async function started(over: Partial<AmiSourceOptions> = {}): Promise<AmiSource> {
  const s = create(over);
  await s.start();
  return s;
}

function pjsip(uniqueid: string, name: string): ChannelInfo {
  return {
    id: uniqueid,
    name,
    driver: name.startsWith('SIP/') ? 'sip' : 'pjsip',
    endpoint: name.slice(name.indexOf('/') + 1).replace(/-[0-9a-f]{8}$/, ''),
    state: 6,
    context: 'internal',
    exten: '2002',
    linkedId: uniqueid,
  };
}

function kinds(): string[] {
  return events.map((e) => e.kind);
}

beforeEach(async () => {
  peer = new AmiPeer();
  await peer.listen();
  pbx = new ScriptedPbx(peer);
  events = [];
  log = collectingLogger();
  source = null;
});

afterEach(async () => {
  await source?.stop();
  await peer.close();
});

describe('sessions', () => {
  it('reports connected with the startup time, and a PBX restart after a reconnect', async () => {
    const s = await started();
    expect(events[0]).toEqual({
      kind: 'connected',
      source: 'ami',
      startupTime: '2026-11-22 10:00:00',
      restarted: false,
    });

    peer.dropAll(); // same Asterisk, connection lost
    await until(() => events.filter((e) => e.kind === 'connected').length === 2);
    expect(events.slice(1)).toEqual([
      { kind: 'disconnected', source: 'ami', reason: expect.stringContaining('connection closed') },
      { kind: 'connected', source: 'ami', startupTime: '2026-11-22 10:00:00', restarted: false },
    ]);

    peer.event([
      ['Event', 'Shutdown'],
      ['Privilege', 'system,all'],
      ['Shutdown', 'Cleanly'],
      ['Restart', 'True'],
    ]);
    await new Promise((r) => setTimeout(r, 20));
    peer.startup = { date: '2026-11-22', time: '10:05:17' };
    peer.dropAll();
    await until(() => events.filter((e) => e.kind === 'connected').length === 3);
    expect(events.at(-2)).toMatchObject({
      kind: 'disconnected',
      reason: expect.stringContaining('Asterisk shutdown'),
    });
    expect(events.at(-1)).toEqual({
      kind: 'connected',
      source: 'ami',
      startupTime: '2026-11-22 10:05:17',
      restarted: true,
    });
    expect(s.stats().reconnects).toBe(2);
  });

  it('start() rejects with AmiAuthError on a refused login', async () => {
    const s = create({ secret: 'wrong' });
    await expect(s.start()).rejects.toMatchObject({ code: 'AMI_AUTH_FAILED' });
    expect(s.status).toBe('stopped');
  });

  it('start() rejects with AmiTimeoutError when nothing answers in time', async () => {
    await peer.close();
    const s = create({ startTimeoutMs: 150 });
    await expect(s.start()).rejects.toMatchObject({ code: 'AMI_TIMEOUT' });
  });

  it('delivers events that arrive during the handshake after the connected event', async () => {
    peer.handlers.set('corestatus', (_a, r) => {
      peer.event([
        ['Event', 'Hangup'],
        ['Privilege', 'call,all'],
        ...channelBlock({ name: 'PJSIP/a-00000001', uniqueid: '1.1' }),
        ['Cause', '16'],
        ['Cause-txt', 'Normal Clearing'],
      ]);
      r.respond([
        ['Response', 'Success'],
        ['CoreStartupDate', '2026-11-22'],
        ['CoreStartupTime', '10:00:00'],
      ]);
    });
    await started();
    await until(() => events.length >= 2);
    expect(kinds()).toEqual(['connected', 'hangup']);
  });

  it('keeps the secret out of enumerable properties and logs', async () => {
    const s = await started();
    expect(JSON.stringify(s)).not.toContain(peer.secret);
    expect(Object.values(s).join(' ')).not.toContain(peer.secret);
    expect(log.text()).not.toContain(peer.secret);
  });
});

describe('events', () => {
  it('translates, counts malformed events without throwing, and keeps running', async () => {
    const s = await started();
    const b = { id: 'b-1', technology: 'simple_bridge' };
    peer.event([['Event', 'BridgeCreate'], ['Privilege', 'call,all'], ...bridgeBlock({ ...b, members: 0 })]);
    peer.event([
      ['Event', 'BridgeEnter'],
      ['Privilege', 'call,all'],
      ...bridgeBlock(b),
      ...channelBlock({ name: 'PJSIP/alice-00000001', uniqueid: '' }),
    ]);
    peer.event([
      ['Event', 'Hangup'],
      ['Privilege', 'call,all'],
      ...channelBlock({ name: 'PJSIP/alice-00000001', uniqueid: '1.1' }),
      ['Cause', 'x'],
      ['Cause-txt', '?'],
    ]);
    peer.event([['Event', 'BridgeDestroy'], ['Privilege', 'call,all'], ...bridgeBlock(b)]);
    await until(() => kinds().includes('bridge-destroyed'));
    expect(kinds()).toEqual(['connected', 'bridge-created', 'bridge-destroyed']);
    expect(s.stats().malformed).toBe(2);
    expect(s.malformedInputs.snapshot()).toMatchObject({ 'ami:ami.Uniqueid': 1, 'ami:ami.Cause': 1 });
    // One warning per interval per source: the second is counted, not logged.
    const warned = log.lines.filter((l) => l.message === 'malformed input');
    expect(warned.map((l) => l.fields)).toEqual([
      { source: 'ami:ami', field: 'Uniqueid', detail: 'BridgeEnter: missing Uniqueid' },
    ]);
    expect(s.stats().events).toBe(4);
  });

  it('turns the BRIDGEPEER/BRIDGEPVTCALLID pair of each channel into one media-path hint', async () => {
    await started();
    const varset = (uniqueid: string, variable: string): Pairs => [
      ['Event', 'VarSet'],
      ['Privilege', 'dialplan,all'],
      ...channelBlock({ name: 'PJSIP/x-00000001', uniqueid }),
      ['Variable', variable],
      ['Value', 'PJSIP/y-00000002'],
    ];
    peer.event(varset('1.1', 'BRIDGEPEER'));
    peer.event(varset('1.1', 'BRIDGEPVTCALLID'));
    peer.event(varset('1.2', 'BRIDGEPEER'));
    peer.event(varset('1.2', 'BRIDGEPVTCALLID'));
    peer.event([
      ['Event', 'Unhold'],
      ['Privilege', 'call,all'],
      ...channelBlock({ name: 'PJSIP/x-00000001', uniqueid: '1.1' }),
    ]);
    peer.event(varset('1.1', 'BRIDGEPEER'));
    await until(() => events.length >= 5);
    await new Promise((r) => setTimeout(r, 20));
    expect(events.slice(1)).toEqual([
      { kind: 'media-path-hint', channelId: '1.1' },
      { kind: 'media-path-hint', channelId: '1.2' },
      { kind: 'channel-unhold', channelId: '1.1' },
      { kind: 'media-path-hint', channelId: '1.1' },
    ]);
  });
});

describe('readLeg', () => {
  it('reads a chan_pjsip leg by Uniqueid with six Getvars', async () => {
    const s = await started();
    pbx.addCall(1);
    const leg = await s.readLeg(pjsip('1754470000.2', 'PJSIP/alice-00000002'));
    expect(leg).toMatchObject({
      channelId: '1754470000.2',
      local: { address: '0.0.0.0', port: 10004, family: 4 },
      remote: { address: '198.51.100.10', port: 20002, family: 4 },
      remoteLearned: null,
      direct: false,
      secure: false,
      hold: false,
      codec: 'ulaw',
      payloadTypes: null,
      otherMedia: null,
    });
    const getvars = peer.received('getvar');
    expect(getvars).toHaveLength(6);
    expect(new Set(getvars.map((a) => a.get('Channel')))).toEqual(new Set(['1754470000.2']));
  });

  it('reads (null) while held, IPv6, and takes the unsafe value for flags that failed', async () => {
    const s = await started();
    pbx.addCall(1);
    const id = '1754470000.3';
    pbx.vars.set(`${id}|CHANNEL(rtp,dest)`, '(null)');
    pbx.vars.set(`${id}|CHANNEL(rtp,src)`, '[::]:10006');
    pbx.vars.set(`${id}|CHANNEL(rtp,hold)`, '1');
    pbx.vars.set(`${id}|CHANNEL(rtp,secure)`, '');
    pbx.vars.set(`${id}|CHANNEL(audionativeformat)`, '(opus|ulaw)');
    pbx.vars.set(`${id}|CHANNEL(audioreadformat)`, 'opus');
    const leg = await s.readLeg(pjsip(id, 'PJSIP/bob-00000003'));
    expect(leg).toMatchObject({
      local: { address: '::', port: 10006, family: 6 },
      remote: null,
      hold: true,
      secure: true,
      codec: 'opus',
    });
    expect(peer.received('getvar')).toHaveLength(7);
    expect(log.lines.find((l) => l.message === 'rtp leg partly unreadable')?.fields).toMatchObject({
      problems: ['rtp,secure: empty value (function failed)'],
    });
  });

  it('rejects with AmiError for a channel Asterisk no longer has', async () => {
    const s = await started();
    await expect(s.readLeg(pjsip('9.9', 'PJSIP/gone-00000009'))).rejects.toMatchObject({
      code: 'AMI_ERROR',
      amiMessage: 'No such channel',
    });
  });

  it('reads a chan_sip leg with rtpsource/rtpdest, the peer directmedia and Hold events', async () => {
    const s = await started();
    const id = 'pbx1-1754470100.30';
    pbx.channelIds.add(id);
    pbx.vars.set(`${id}|CHANNEL(rtpsource)`, '192.0.2.1:16000');
    pbx.vars.set(`${id}|CHANNEL(rtpdest)`, '198.51.100.40:5004');
    pbx.vars.set(`${id}|CHANNEL(secure_media)`, '');
    pbx.vars.set(`${id}|CHANNEL(audionativeformat)`, '(alaw)');
    pbx.sipPeers.set('carol-phone', [['SIP-DirectMedia', 'N']]);
    peer.event([
      ['Event', 'Hold'],
      ['Privilege', 'call,all'],
      ...channelBlock({ name: 'SIP/carol-phone-0000000a', uniqueid: id }),
      ['MusicClass', 'default'],
    ]);
    await until(() => kinds().includes('channel-hold'));
    const leg = await s.readLeg(pjsip(id, 'SIP/carol-phone-0000000a'));
    expect(leg).toMatchObject({
      local: { address: '192.0.2.1', port: 16000 },
      remote: { address: '198.51.100.40', port: 5004 },
      direct: false,
      secure: false,
      hold: true,
      codec: 'alaw',
    });
    expect(peer.received('sipshowpeer')).toHaveLength(1);
  });
});

describe('endpointFacts', () => {
  it('reads PJSIPShowEndpoint once per TTL and returns null for chan_sip', async () => {
    let now = 1_000_000;
    const s = await started({ now: () => now, endpointCacheTtlMs: 60_000 });
    pbx.endpoints.set('alice', [
      ['RtpTimeout', '30'],
      ['RtpTimeoutHold', '60'],
      ['RtpKeepalive', '0'],
      ['IceSupport', 'false'],
      ['RtcpMux', 'false'],
      ['DirectMedia', 'false'],
      ['MediaEncryption', 'no'],
      ['TosAudio', '184'],
      ['DtmfMode', 'rfc4733'],
    ]);
    const alice = pjsip('1.1', 'PJSIP/alice-00000001');
    const [a, b] = await Promise.all([s.endpointFacts(alice), s.endpointFacts(alice)]);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ endpoint: 'alice', rtpTimeout: 30, tosAudioDscp: 46, directMedia: false });
    expect(peer.received('pjsipshowendpoint')).toHaveLength(1);
    now += 61_000;
    await s.endpointFacts(alice);
    expect(peer.received('pjsipshowendpoint')).toHaveLength(2);
    expect(await s.endpointFacts(pjsip('2.2', 'SIP/carol-0000000a'))).toBeNull();
  });
});

describe('listBridges', () => {
  it('joins BridgeList and CoreShowChannels in two requests', async () => {
    const s = await started();
    for (let i = 0; i < 5; i++) pbx.addCall(i);
    pbx.addBridge({ id: 'holding-1', technology: 'holding_bridge', type: 'base', channels: [] });
    const before = s.stats().requests;
    const snapshots = await s.listBridges();
    expect(s.stats().requests - before).toBe(2);
    expect(snapshots).toHaveLength(6);
    const first = snapshots.find((b) => b.id.startsWith('bridge-00000000'));
    expect(first).toMatchObject({ technology: 'native_rtp', bridgeClass: 'basic' });
    expect(first?.channels.map((c) => c.name)).toEqual(['PJSIP/alice-00000000', 'PJSIP/bob-00000001']);
    expect(snapshots.find((b) => b.id === 'holding-1')?.channels).toEqual([]);
  });

  it('falls back to BridgeInfo per bridge when CoreShowChannels is refused', async () => {
    const s = await started();
    for (let i = 0; i < 3; i++) pbx.addCall(i);
    pbx.refuseCoreShowChannels = true;
    const snapshots = await s.listBridges();
    expect(snapshots.map((b) => b.channels.length)).toEqual([2, 2, 2]);
    expect(peer.received('bridgeinfo')).toHaveLength(3);
  });
});

describe('bridgeTechnologies', () => {
  it('asks BridgeInfo for a few bridges and leaves out the gone ones', async () => {
    const s = await started();
    for (let i = 0; i < 20; i++) pbx.addCall(i);
    await s.listBridges();
    const ids = [...pbx.bridges.keys()];
    pbx.bridges.get(ids[1] ?? '')!.technology = 'simple_bridge';
    const result = await s.bridgeTechnologies([ids[0] ?? '', ids[1] ?? '', 'gone-bridge']);
    expect(result).toEqual(
      new Map([
        [ids[0], 'native_rtp'],
        [ids[1], 'simple_bridge'],
      ]),
    );
    expect(peer.received('bridgeinfo')).toHaveLength(3);
    expect(peer.received('bridgelist').filter((a) => a.get('BridgeType'))).toHaveLength(0);
  });

  it('uses one filtered BridgeList when most bridges are asked about, and BridgeInfo for the misses', async () => {
    const s = await started();
    for (let i = 0; i < 50; i++) pbx.addCall(i);
    await s.listBridges();
    const ids = [...pbx.bridges.keys()];
    pbx.bridges.get(ids[7] ?? '')!.technology = 'simple_bridge'; // MixMonitor on this one
    const result = await s.bridgeTechnologies(ids);
    expect(result.size).toBe(50);
    expect(result.get(ids[7] ?? '')).toBe('simple_bridge');
    expect(result.get(ids[8] ?? '')).toBe('native_rtp');
    const lists = peer.received('bridgelist').filter((a) => a.get('BridgeType'));
    expect(lists.map((a) => a.get('BridgeType'))).toEqual(['native_rtp']);
    expect(peer.received('bridgeinfo').map((a) => a.get('BridgeUniqueid'))).toEqual([ids[7]]);
    expect(s.stats().technology).toMatchObject({ listRuns: 1, infoRuns: 0, bridgeInfoRequests: 1 });
  });

  it('coalesces concurrent queries into one run per id', async () => {
    const s = await started({ technologyMinIntervalMs: 30 });
    for (let i = 0; i < 20; i++) pbx.addCall(i);
    await s.listBridges();
    const ids = [...pbx.bridges.keys()];
    const [r1, r2, r3] = await Promise.all([
      s.bridgeTechnologies([ids[0] ?? '', ids[1] ?? '']),
      s.bridgeTechnologies([ids[1] ?? '', ids[2] ?? '']),
      s.bridgeTechnologies([ids[0] ?? '']),
    ]);
    expect(r1.size + r2.size + r3.size).toBe(5);
    expect(
      peer
        .received('bridgeinfo')
        .map((a) => a.get('BridgeUniqueid'))
        .sort(),
    ).toEqual([ids[0], ids[1], ids[2]].sort());
    expect(s.stats().technology.runs).toBe(1);
  });

  it('spaces runs by the minimum interval', async () => {
    const s = await started({ technologyMinIntervalMs: 100 });
    pbx.addCall(1);
    const [id] = [...pbx.bridges.keys()];
    const t0 = Date.now();
    await s.bridgeTechnologies([id ?? '']);
    await s.bridgeTechnologies([id ?? '']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    expect(s.stats().technology.runs).toBe(2);
  });
});

describe('writes', () => {
  it('sets each variable with its own Setvar and raises a UserEvent', async () => {
    const s = await started();
    await s.setChannelVars('1.1', { RTPO_PACKETS: '1200', RTPO_STATE: 'reverted' });
    const setvars = peer.received('setvar');
    expect(setvars.map((a) => [a.get('Channel'), a.get('Variable'), a.get('Value')])).toEqual([
      ['1.1', 'RTPO_PACKETS', '1200'],
      ['1.1', 'RTPO_STATE', 'reverted'],
    ]);
    await s.userEvent('RtpOffload', { Bridge: 'b-1', State: 'offloaded' });
    const [ue] = peer.received('userevent');
    expect(ue?.get('UserEvent')).toBe('RtpOffload');
    expect(ue?.get('Bridge')).toBe('b-1');
  });

  it('refuses a value that would inject AMI headers', async () => {
    const s = await started();
    await expect(s.setChannelVars('1.1', { A: 'x\r\nAction: Originate' })).rejects.toMatchObject({
      code: 'AMI_BAD_ARGUMENT',
    });
  });
});
