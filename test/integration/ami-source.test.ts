import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmiSource } from '../../src/asterisk/index.js';
import { SimulatedPbx, type SimCall } from '../../src/lab/pbx/index.js';
import type { ChannelInfo, PbxEvent } from '../../src/model/pbx.js';
import { collectingLogger, until } from '../unit/asterisk/helpers/logger.js';
import { TcpProxy } from '../unit/asterisk/helpers/tcp-proxy.js';

/**
 * The AMI source against the simulated PBX over real loopback sockets, through a TCP proxy
 * so a test can cut the session without restarting the PBX.
 */

const USER = {
  username: 'agent',
  secret: 's3cret',
  read: 'system,call,dialplan,reporting',
  write: 'system,call,reporting,user',
};

let pbx: SimulatedPbx;
let proxy: TcpProxy;
let source: AmiSource;
const events: PbxEvent[] = [];
const log = collectingLogger();
let nextPort = 40000;

function remote(): { address: string; port: number } {
  nextPort += 2;
  return { address: '127.0.0.1', port: nextPort };
}

async function placeCall(caller = 'alice', callee = 'bob'): Promise<SimCall> {
  return pbx.placeCall({
    caller: { endpoint: caller, remote: remote() },
    callee: { endpoint: callee, remote: remote() },
  });
}

function channelOf(call: SimCall, leg: 'caller' | 'callee'): ChannelInfo {
  const info = call[leg];
  return {
    id: info.uniqueid,
    name: info.channel,
    driver: 'pjsip',
    endpoint: info.endpoint,
    state: 6,
    context: 'internal',
    exten: '',
    linkedId: call.caller.uniqueid,
  };
}

function since(mark: number): PbxEvent[] {
  return events.slice(mark);
}

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 3000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() - start > ms) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  pbx = await SimulatedPbx.start({
    version: 22,
    driver: 'pjsip',
    ami: { host: '127.0.0.1', port: 0, users: [USER] },
    rtpBind: 'wildcard',
    endpoints: {
      alice: { extension: '2001', tosAudio: 'ef', rtpTimeout: 30 },
      bob: { extension: '2002' },
      carol: { extension: '2003', remote: { address: '127.0.0.1', port: 39000 } },
    },
  });
  proxy = new TcpProxy('127.0.0.1', pbx.amiAddress().port);
  await proxy.listen();
  source = new AmiSource({
    port: proxy.port,
    username: USER.username,
    secret: USER.secret,
    requestTimeoutMs: 3000,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    queue: { concurrency: 8, intervalCap: 5000, intervalMs: 1000 },
    logger: log,
  });
  source.onEvent((e) => events.push(e));
  await source.start();
});

afterAll(async () => {
  await source?.stop();
  await proxy?.close();
  await pbx?.stop();
});

describe('AmiSource against the simulated PBX', () => {
  it('reports connected first, with the PBX start-up time', () => {
    expect(events[0]).toMatchObject({ kind: 'connected', source: 'ami', restarted: false });
  });

  it('sees 100 bridged calls as 100 two-party native_rtp bridges with both legs readable', async () => {
    const calls: SimCall[] = [];
    for (let i = 0; i < 100; i++) calls.push(await placeCall());
    await until(() => events.filter((e) => e.kind === 'channel-entered').length >= 200, 5000);
    const entered = events.filter((e) => e.kind === 'channel-entered');
    expect(entered.every((e) => e.kind === 'channel-entered' && e.technology === 'simple_bridge')).toBe(true);

    const snapshots = await source.listBridges();
    expect(snapshots).toHaveLength(100);
    expect(snapshots.every((b) => b.channels.length === 2 && b.technology === 'native_rtp')).toBe(true);

    // The first query also checks once whether res_rtp_offload is loaded (it is not here).
    await source.bridgeTechnologies(['not-a-bridge']);
    const before = source.stats().requests;
    const techs = await source.bridgeTechnologies(calls.map((c) => c.bridgeId));
    expect([...techs.values()].filter((t) => t === 'native_rtp')).toHaveLength(100);
    const techRequests = source.stats().requests - before;

    const legsStart = source.stats().requests;
    const legs = await Promise.all(
      calls.flatMap((c) => [source.readLeg(channelOf(c, 'caller')), source.readLeg(channelOf(c, 'callee'))]),
    );
    const legRequests = source.stats().requests - legsStart;
    for (const [i, c] of calls.entries()) {
      for (const [j, leg] of (['caller', 'callee'] as const).entries()) {
        const got = legs[2 * i + j];
        expect(got?.local).toEqual({ address: '0.0.0.0', port: c[leg].localRtpPort, family: 4 });
        expect(got?.remote?.address).toBe('127.0.0.1');
        expect(got).toMatchObject({ direct: false, secure: false, hold: false, codec: 'ulaw' });
      }
    }
    log.info('figures: 100 calls', { techRequests, legRequestsPerCall: legRequests / 100 });
    expect(techRequests).toBeLessThanOrEqual(2); // one filtered BridgeList, not 100 BridgeInfo
    // Per leg: dest, hold, format and (first time only) the bound address; direct and
    // secure are settled by the endpoints' configuration (read once per endpoint).
    expect(legRequests / 100).toBeCloseTo(8, 1);
    const again = source.stats().requests;
    await Promise.all(
      calls.flatMap((c) => [source.readLeg(channelOf(c, 'caller')), source.readLeg(channelOf(c, 'callee'))]),
    );
    expect((source.stats().requests - again) / 100).toBe(6);
    for (const c of calls) c.hangup();
    await until(() => events.filter((e) => e.kind === 'bridge-destroyed').length >= 100, 5000);
  });

  it('reports hold, music on hold and unhold, with the media-path hint, and reads the held leg', async () => {
    const call = await placeCall();
    await until(() =>
      events.some((e) => e.kind === 'channel-entered' && e.bridgeId === call.bridgeId && e.memberCount === 2),
    );
    const mark = events.length;
    call.hold('callee');
    await until(() => since(mark).some((e) => e.kind === 'moh-start'));
    const held = since(mark);
    expect(held).toContainEqual({ kind: 'channel-hold', channelId: call.callee.uniqueid });
    expect(held).toContainEqual({ kind: 'moh-start', channelId: call.caller.uniqueid });
    const leg = await source.readLeg(channelOf(call, 'callee'));
    expect(leg.hold).toBe(true);
    const mark2 = events.length;
    call.unhold('callee');
    await until(() => since(mark2).some((e) => e.kind === 'channel-unhold'));
    await until(() => since(mark2).some((e) => e.kind === 'moh-stop'));
    await until(() => since(mark2).some((e) => e.kind === 'media-path-hint'));
    call.hangup();
  });

  it('reports MixMonitor as an audiohook and sees the technology follow it', async () => {
    const call = await placeCall();
    await eventually(
      () => source.bridgeTechnologies([call.bridgeId]),
      (m) => m.get(call.bridgeId) === 'native_rtp',
    );
    const mark = events.length;
    call.startMixMonitor('caller');
    await until(() => since(mark).some((e) => e.kind === 'audiohook-start'));
    expect(since(mark)).toContainEqual({
      kind: 'audiohook-start',
      channelId: call.caller.uniqueid,
      what: 'MixMonitor',
    });
    const during = await eventually(
      () => source.bridgeTechnologies([call.bridgeId]),
      (m) => m.get(call.bridgeId) === 'simple_bridge',
    );
    expect(during.get(call.bridgeId)).toBe('simple_bridge');
    call.stopMixMonitor('caller');
    await until(() => since(mark).some((e) => e.kind === 'audiohook-stop'));
    const after = await eventually(
      () => source.bridgeTechnologies([call.bridgeId]),
      (m) => m.get(call.bridgeId) === 'native_rtp',
    );
    expect(after.get(call.bridgeId)).toBe('native_rtp');
    call.hangup();
  });

  it('reports a blind transfer and the new pairing', async () => {
    const call = await placeCall();
    const mark = events.length;
    const next = await call.blindTransfer('callee', { endpoint: 'carol', remote: remote() });
    await until(() => since(mark).some((e) => e.kind === 'blind-transfer'));
    const bt = since(mark).find((e) => e.kind === 'blind-transfer');
    expect(bt).toMatchObject({
      result: 'Success',
      transfererId: call.callee.uniqueid,
      transfereeId: call.caller.uniqueid,
    });
    await until(() =>
      since(mark).some(
        (e) => e.kind === 'channel-entered' && e.bridgeId === next.bridgeId && e.memberCount === 2,
      ),
    );
    next.hangup();
  });

  it('reports an attended transfer', async () => {
    const a = await placeCall('alice', 'bob');
    const b = await placeCall('alice', 'carol');
    const mark = events.length;
    pbx.attendedTransfer({ call: a, transferer: 'caller' }, { call: b, transferer: 'caller' });
    await until(() => since(mark).some((e) => e.kind === 'attended-transfer'));
    const at = since(mark).find((e) => e.kind === 'attended-transfer');
    // Asterisk prefixes the bridge blocks `Orig`/`Second` (stasis_bridges.c
    // attended_transfer_to_ami: OrigBridgeUniqueid, SecondBridgeUniqueid).
    expect(at).toMatchObject({
      result: 'Success',
      destType: 'Bridge',
      destBridgeId: b.bridgeId,
      origBridgeId: a.bridgeId,
      secondBridgeId: b.bridgeId,
    });
    for (const c of pbx.calls()) c.hangup();
  });

  it('reports hangup of both legs, their leaving and the bridge destroyed', async () => {
    const call = await placeCall();
    const mark = events.length;
    call.hangup();
    await until(() => since(mark).some((e) => e.kind === 'bridge-destroyed' && e.bridgeId === call.bridgeId));
    const mine = new Set([call.caller.uniqueid, call.callee.uniqueid]);
    const got = since(mark);
    const hungUp = got.flatMap((e) => (e.kind === 'hangup' && mine.has(e.channelId) ? [e.channelId] : []));
    expect(hungUp.sort()).toEqual([...mine].sort());
    const left = got.filter((e) => e.kind === 'channel-left' && e.bridgeId === call.bridgeId);
    expect(left.map((e) => (e.kind === 'channel-left' ? e.memberCount : -1))).toEqual([1, 0]);
  });

  it('reads endpoint facts once per endpoint', async () => {
    const call = await placeCall();
    const facts = await source.endpointFacts(channelOf(call, 'caller'));
    expect(facts).toMatchObject({
      endpoint: 'alice',
      rtpTimeout: 30,
      tosAudioDscp: 46,
      mediaEncryption: 'no',
    });
    call.hangup();
  });

  it('after a dropped session, reconnects and a resync shows exactly what the PBX has', async () => {
    for (const c of pbx.calls()) c.hangup();
    const calls: SimCall[] = [];
    for (let i = 0; i < 10; i++) calls.push(await placeCall());
    const mark = events.length;
    proxy.accepting = false;
    proxy.cut();
    await until(() => since(mark).some((e) => e.kind === 'disconnected'));
    // Changes the source cannot see as events.
    for (const c of calls.slice(0, 4)) c.hangup();
    const added: SimCall[] = [];
    for (let i = 0; i < 3; i++) added.push(await placeCall());
    proxy.accepting = true;
    await until(() => since(mark).some((e) => e.kind === 'connected'), 5000);
    expect(since(mark).find((e) => e.kind === 'connected')).toMatchObject({ restarted: false });
    const snapshots = await source.listBridges();
    const truth = pbx
      .calls()
      .map((c) => c.bridgeId)
      .sort();
    expect(snapshots.map((b) => b.id).sort()).toEqual(truth);
    expect(truth).toHaveLength(9);
    for (const s of snapshots) expect(new Set(s.channels.map((c) => c.id)).size).toBe(2);
    expect(source.stats().reconnects).toBeGreaterThanOrEqual(1);
    for (const c of pbx.calls()) c.hangup();
  });

  it('recognises a PBX restart', async () => {
    await placeCall();
    const mark = events.length;
    await pbx.restart();
    await until(() => since(mark).some((e) => e.kind === 'connected'), 8000);
    const got = since(mark);
    expect(got.find((e) => e.kind === 'disconnected')).toMatchObject({
      reason: expect.stringContaining('Asterisk shutdown'),
    });
    expect(got.find((e) => e.kind === 'connected')).toMatchObject({ restarted: true });
    expect(await source.listBridges()).toEqual([]);
  });

  it('counted no malformed events and logged no secret', () => {
    expect(source.stats().malformed).toBe(0);
    expect(log.text()).not.toContain(USER.secret);
  });
});
