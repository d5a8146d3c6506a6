import ari from 'ari-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AriSource } from '../../src/asterisk/ari/index.js';
import type { AmiLogger } from '../../src/asterisk/ami/logger.js';
import type { PbxEvent } from '../../src/model/pbx.js';
import { SimulatedPbx } from '../../src/lab/pbx/index.js';

const USER = 'agent';
const PASS = 'ari-secret';
const pbxes: SimulatedPbx[] = [];
const sources: AriSource[] = [];
const clients: { stop(): void }[] = [];

async function startPbx(): Promise<SimulatedPbx> {
  const pbx = await SimulatedPbx.start({
    version: 22,
    driver: 'pjsip',
    ami: { host: '127.0.0.1', port: 0, users: [] },
    ari: { username: USER, password: PASS },
    endpoints: {
      alice: { extension: '2001', displayName: 'Alice' },
      bob: { extension: '2002', displayName: 'Bob', rtpTimeout: 30 },
      carol: { extension: '2003', displayName: 'Carol', remote: { address: '127.0.0.1', port: 43100 } },
    },
  });
  pbxes.push(pbx);
  return pbx;
}

const urlOf = (pbx: SimulatedPbx): string => {
  const a = pbx.ariAddress();
  if (!a) throw new Error('no ARI');
  return `http://${a.host}:${a.port}`;
};

const placeCall = (pbx: SimulatedPbx, port: number) =>
  pbx.placeCall({
    caller: { endpoint: 'alice', remote: { address: '127.0.0.1', port } },
    callee: { endpoint: 'bob', remote: { address: '127.0.0.1', port: port + 2 } },
  });

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const quiet: AmiLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  for (const s of sources.splice(0)) await s.stop();
});
afterAll(async () => {
  for (const p of pbxes) await p.stop();
});

describe('the simulated PBX serves ARI from its live model', () => {
  it('through ari-client: events of a call, REST reads of bridges and channel variables', async () => {
    const pbx = await startPbx();
    const client = await ari.connect(urlOf(pbx), USER, PASS);
    clients.push(client);
    const seen: { type: string; ev: Record<string, unknown> }[] = [];
    for (const type of [
      'ChannelCreated',
      'ChannelEnteredBridge',
      'ChannelHold',
      'ChannelUnhold',
      'ChannelDestroyed',
      'BridgeDestroyed',
      'ChannelVarset',
    ])
      client.on(type, (ev: Record<string, unknown>) => seen.push({ type, ev }));
    await client.start('lab', true);
    const call = await placeCall(pbx, 43000);
    await until(
      'both legs in the bridge',
      () => seen.filter((s) => s.type === 'ChannelEnteredBridge').length === 2,
    );
    const entered = seen.find((s) => s.type === 'ChannelEnteredBridge')!.ev;
    expect((entered['bridge'] as { id: string }).id).toBe(call.bridgeId);
    expect((entered['channel'] as { id: string }).id).toBe(call.callee.uniqueid);
    expect(entered['application']).toBe('lab');
    await until('native_rtp', () => call.technology === 'native_rtp');
    const res = await fetch(`${urlOf(pbx)}/ari/bridges/${call.bridgeId}?api_key=${USER}:${PASS}`);
    const bridge = (await res.json()) as { technology: string; channels: string[] };
    expect(bridge.technology).toBe('native_rtp');
    expect(bridge.channels.sort()).toEqual([call.caller.uniqueid, call.callee.uniqueid].sort());
    const v = await fetch(
      `${urlOf(pbx)}/ari/channels/${call.caller.uniqueid}/variable?variable=${encodeURIComponent('CHANNEL(rtp,dest)')}&api_key=${USER}:${PASS}`,
    );
    expect(await v.json()).toEqual({ value: '127.0.0.1:43000' });
    call.hold('caller');
    await until('ChannelHold', () => seen.some((s) => s.type === 'ChannelHold'));
    call.unhold('caller');
    await until('ChannelUnhold', () => seen.some((s) => s.type === 'ChannelUnhold'));
    call.hangup();
    await until('both destroyed', () => seen.filter((s) => s.type === 'ChannelDestroyed').length === 2);
    await until('bridge destroyed', () => seen.some((s) => s.type === 'BridgeDestroyed'));
    const gone = await fetch(
      `${urlOf(pbx)}/ari/channels/${call.caller.uniqueid}/variable?variable=X&api_key=${USER}:${PASS}`,
    );
    expect(gone.status).toBe(404);
  });

  it("drives the agent's ARI source: offload facts, MixMonitor hint, hold, blind transfer, hangup", async () => {
    const pbx = await startPbx();
    const source = new AriSource({
      url: urlOf(pbx),
      username: USER,
      password: PASS,
      app: 'rtp-offload',
      startTimeoutMs: 5000,
      requestTimeoutMs: 2000,
      pingIntervalMs: 0,
      socketRetryMs: 600,
      reconnect: { initialDelayMs: 100, maxDelayMs: 400, jitter: 0 },
      logger: quiet,
    });
    sources.push(source);
    const events: PbxEvent[] = [];
    source.onEvent((e) => events.push(e));
    await source.start();
    await until('connected', () => events.some((e) => e.kind === 'connected'));
    const call = await placeCall(pbx, 43010);
    await until('native_rtp', () => call.technology === 'native_rtp');
    const snapshots = await source.listBridges();
    const snap = snapshots.find((b) => b.id === call.bridgeId);
    expect(snap?.technology).toBe('native_rtp');
    const caller = snap!.channels.find((c) => c.id === call.caller.uniqueid)!;
    const leg = await source.readLeg(caller);
    expect(JSON.stringify(leg)).toContain(String(call.caller.localRtpPort));
    const hints = events.filter((e) => e.kind === 'media-path-hint').length;
    call.startMixMonitor('caller');
    await until(
      'media-path hint after MixMonitor',
      () => events.filter((e) => e.kind === 'media-path-hint').length > hints,
    );
    await until('simple_bridge', () => call.technology === 'simple_bridge');
    expect((await source.bridgeTechnologies([call.bridgeId])).get(call.bridgeId)).toBe('simple_bridge');
    call.stopMixMonitor('caller');
    call.hold('callee');
    await until('hold', () =>
      events.some((e) => e.kind === 'channel-hold' && e.channelId === call.callee.uniqueid),
    );
    call.unhold('callee');
    const next = await call.blindTransfer('caller', {
      endpoint: 'carol',
      remote: { address: '127.0.0.1', port: 43100 },
    });
    await until('blind transfer', () =>
      events.some((e) => e.kind === 'blind-transfer' && e.bridgeId === call.bridgeId),
    );
    await until('old bridge gone', () =>
      events.some((e) => e.kind === 'bridge-destroyed' && e.bridgeId === call.bridgeId),
    );
    next.hangup();
    await until('hangups', () => events.filter((e) => e.kind === 'hangup').length >= 3);
    expect(events.some((e) => e.kind === 'bridge-destroyed' && e.bridgeId === next.bridgeId)).toBe(true);
  });
});
