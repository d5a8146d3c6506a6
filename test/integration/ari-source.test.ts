/**
 * The ARI source live: the real ari-client (Swagger docs, event socket, its own reconnects)
 * against the loopback stand-in of helpers/ari-server.ts, which replays the Asterisk 22.11
 * transcripts. Loopback only; every timing is shortened through the source's options.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { AriSource, type AriSourceOptions } from '../../src/asterisk/ari/index.js';
import { translateAriFrame } from '../../src/asterisk/ari/event-translator.js';
import type { AmiLogger } from '../../src/asterisk/ami/logger.js';
import type { ChannelInfo, PbxEvent } from '../../src/model/pbx.js';
import { ariFrames, ariHttpExchanges } from '../unit/asterisk/ari/fixtures.js';
import { FakeAriServer } from './helpers/ari-server.js';

const USER = 'recorder';
const PASS = 'pa55:w0rd&x';
const BASIC = Buffer.from(`${USER}:${PASS}`).toString('base64');

interface Harness {
  readonly server: FakeAriServer;
  readonly source: AriSource;
  readonly events: PbxEvent[];
  readonly logLines: string[];
}

let current: { server: FakeAriServer; source: AriSource } | null = null;

afterEach(async () => {
  await current?.source.stop();
  await current?.server.close();
  current = null;
});

async function harness(options: Partial<AriSourceOptions> = {}): Promise<Harness> {
  const server = await FakeAriServer.start({ username: USER, password: PASS });
  const logLines: string[] = [];
  const line =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      logLines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
    };
  const logger: AmiLogger = {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
  };
  const source = new AriSource({
    url: server.url,
    username: USER,
    password: PASS,
    app: 'recorder',
    startTimeoutMs: 5000,
    requestTimeoutMs: 2000,
    pingIntervalMs: 0,
    socketRetryMs: 600,
    reconnect: { initialDelayMs: 100, maxDelayMs: 400, jitter: 0 },
    logger,
    ...options,
  });
  current = { server, source };
  const events: PbxEvent[] = [];
  source.onEvent((e) => events.push(e));
  return { server, source, events, logLines };
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function of<K extends PbxEvent['kind']>(
  events: readonly PbxEvent[],
  kind: K,
): Extract<PbxEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<PbxEvent, { kind: K }> => e.kind === kind);
}

/** The recorded frames through the translator: what the live path must deliver, hints aside. */
function expectedEvents(scenario: string): PbxEvent[] {
  return ariFrames(scenario)
    .map((f) => translateAriFrame(f))
    .flatMap((t) => (t.kind === 'event' && t.event.kind !== 'media-path-hint' ? [t.event] : []));
}

function withoutSession(events: readonly PbxEvent[]): PbxEvent[] {
  return events.filter((e) => !['connected', 'disconnected', 'media-path-hint'].includes(e.kind));
}

describe('ARI source over ari-client (loopback Asterisk stand-in)', () => {
  it('loads the Swagger docs, opens the event socket with subscribeAll and emits connected', async () => {
    const h = await harness();
    await h.source.start();
    expect(h.events).toEqual([
      { kind: 'connected', source: 'ari', startupTime: h.server.startupTime, restarted: false },
    ]);
    expect(h.source.status).toBe('open');
    const targets = h.server.requests.map(
      (r) => `${r.status} ${r.method} ${r.target.replace(/api_key=[^&]*/, 'api_key=…')}`,
    );
    for (const doc of [
      'resources',
      'asterisk',
      'endpoints',
      'channels',
      'bridges',
      'events',
      'applications',
    ]) {
      expect(targets).toContain(`200 GET /ari/api-docs/${doc}.json`);
    }
    expect(targets).toContain('200 GET /ari/asterisk/info?only=status');
    expect(targets).toContain('101 GET /ari/events?app=recorder&api_key=…&subscribeAll=true');
    expect(h.server.openSockets).toBe(1);
  });

  it('translates a replayed basic call and answers listBridges / readLeg / technologies with the recorded values', async () => {
    const h = await harness();
    await h.source.start();
    await h.server.play('basic-call', 'await-hangup');
    await until('both legs bridged', () => of(h.events, 'channel-entered').length === 2);

    const [bridgeReply] = ariHttpExchanges('basic-call').filter((x) => x.target === '/ari/bridges');
    const recorded = JSON.parse(bridgeReply?.body ?? '[]') as {
      id: string;
      technology: string;
      channels: string[];
    }[];
    expect(recorded).toHaveLength(1);
    const bridgeId = recorded[0]?.id ?? '';
    const created = of(h.events, 'bridge-created');
    expect(created.map((e) => e.bridgeId)).toEqual([bridgeId]);

    const list = await h.source.listBridges();
    expect(list).toHaveLength(1);
    expect(list[0]?.id).toBe(bridgeId);
    expect(list[0]?.technology).toBe('native_rtp');
    expect(list[0]?.channels.map((c) => c.id).sort()).toEqual([...(recorded[0]?.channels ?? [])].sort());
    expect(list[0]?.channels.map((c) => c.name).sort()).toEqual([
      'PJSIP/alice-00000000',
      'PJSIP/bob-00000001',
    ]);
    expect(await h.source.bridgeTechnologies([bridgeId])).toEqual(new Map([[bridgeId, 'native_rtp']]));

    const alice = list[0]?.channels.find((c) => c.name.startsWith('PJSIP/alice')) as ChannelInfo;
    const leg = await h.source.readLeg(alice);
    // CHANNEL(rtp,dest) as the recorded ARI reply; the other items as the recorded AMI Getvar.
    const destReply = ariHttpExchanges('basic-call').find((x) =>
      x.target.startsWith(`/ari/channels/${alice.id}/variable`),
    );
    expect(destReply?.body).toBe('{"value":"198.51.100.10:20000"}');
    expect(leg.remote).toMatchObject({ address: '198.51.100.10', port: 20000 });
    expect(leg.local?.address).toBe('198.51.100.1');
    expect(leg.secure).toBe(false);
    expect(leg.hold).toBe(false);
    expect(leg.direct).toBe(false);
    expect(leg.codec).toBe('ulaw');
    const facts = await h.source.endpointFacts(alice);
    expect(facts?.mediaEncryption).toBe('no');

    await h.server.play('basic-call');
    await until('both hangups', () => of(h.events, 'hangup').length === 2);
    await until('bridge destroyed', () => of(h.events, 'bridge-destroyed').length === 1);
    expect(withoutSession(h.events)).toEqual(expectedEvents('basic-call'));
    expect(
      of(h.events, 'hangup')
        .map((e) => e.channelId)
        .sort(),
    ).toEqual(['1795344220.0', '1795344220.1']);
    // The recorded `GET /ari/bridges/{id}` after the hangup: 404, i.e. gone.
    expect(await h.source.bridgeTechnologies([bridgeId])).toEqual(new Map());
    // The source saw the hangup, so it never asks Asterisk about the channel again.
    await expect(h.source.readLeg(alice)).rejects.toMatchObject({ code: 'CHANNEL_GONE' });
    expect(h.source.stats().malformed).toBe(0);
  });

  it('translates replayed hold/unhold and both transfers', async () => {
    const h = await harness();
    await h.source.start();
    for (const scenario of ['hold-unhold', 'blind-transfer', 'attended-transfer']) {
      h.events.length = 0;
      const expected = expectedEvents(scenario);
      await h.server.play(scenario);
      await until(`${scenario} events`, () => withoutSession(h.events).length >= expected.length);
      expect(withoutSession(h.events)).toEqual(expected);
    }
    const kinds = new Set(expectedEvents('hold-unhold').map((e) => e.kind));
    expect(kinds).toContain('channel-hold');
    expect(kinds).toContain('channel-unhold');
    expect(expectedEvents('blind-transfer').map((e) => e.kind)).toContain('blind-transfer');
    expect(expectedEvents('attended-transfer').map((e) => e.kind)).toEqual(
      expect.arrayContaining(['attended-transfer', 'bridge-merged']),
    );
    expect(h.source.stats().malformed).toBe(0);
  });

  it('writes channel variables and user events', async () => {
    const h = await harness();
    await h.source.start();
    await h.server.play('basic-call', 'await-hangup');
    await until('bridged', () => of(h.events, 'channel-entered').length === 2);
    await h.source.setChannelVars('1795344220.0', { RTP_OFFLOAD: 'on', OTHER: 'x,y' });
    const posts = h.server.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => `${r.status} ${r.target}`).sort()).toEqual([
      '204 /ari/channels/1795344220.0/variable?variable=OTHER&value=x%2Cy',
      '204 /ari/channels/1795344220.0/variable?variable=RTP_OFFLOAD&value=on',
    ]);
    await h.source.userEvent('RtpOffload', { state: 'offloaded' });
    expect(h.server.userEvents).toEqual([
      {
        name: 'RtpOffload',
        query: { application: 'recorder' },
        body: { variables: { state: 'offloaded' } },
      },
    ]);
  });

  it('counts malformed frames and unknown event types and keeps translating', async () => {
    const h = await harness();
    await h.source.start();
    await h.server.sendRaw('this is not JSON');
    await h.server.sendRaw('{"type":"SomethingNew","timestamp":"2026-11-22T10:43:40.066+0000"}');
    await h.server.sendRaw('{"type":"ChannelHold","timestamp":"2026-11-22T10:43:40.066+0000"}');
    await h.server.play('hold-unhold');
    await until('hold and unhold', () => of(h.events, 'channel-unhold').length === 1);
    const stats = h.source.stats();
    expect(stats.malformed).toBe(3);
    expect(stats.unknownEvents).toBe(1);
    expect(h.source.status).toBe('open');
    expect(h.server.openSockets).toBe(1);
    expect(of(h.events, 'disconnected')).toHaveLength(0);
    // One warning names the source and the field; the rest of the burst is only counted.
    const warnings = h.logLines.filter((l) => /malformed input/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ari/);
  });

  it('a dropped socket gives disconnected, then connected after ari-client reopens it', async () => {
    const h = await harness();
    await h.source.start();
    h.server.dropSockets();
    await until('reconnected', () => of(h.events, 'connected').length === 2);
    expect(h.events.map((e) => e.kind)).toEqual(['connected', 'disconnected', 'connected']);
    expect(of(h.events, 'connected')[1]).toMatchObject({
      restarted: false,
      startupTime: h.server.startupTime,
    });
    expect(h.source.stats().reconnects).toBe(1);
    expect(h.server.openSockets).toBe(1);
    // The same client reopened it: the Swagger docs were not fetched again.
    expect(
      h.server.requests.filter((r) => r.target === '/ari/api-docs/resources.json' && r.status === 200),
    ).toHaveLength(1);
  });

  it('recognises a restart by its new startup_time', async () => {
    const h = await harness();
    await h.source.start();
    await h.server.play('basic-call', 'await-hangup');
    await until('bridged', () => of(h.events, 'channel-entered').length === 2);
    await h.server.restart('2026-11-22T11:00:00.000+0000', 300);
    await until('reconnected', () => of(h.events, 'connected').length === 2);
    expect(of(h.events, 'connected')[1]).toMatchObject({
      restarted: true,
      startupTime: '2026-11-22T11:00:00.000+0000',
    });
    expect(await h.source.listBridges()).toEqual([]);
  });

  it('starts a fresh client when ari-client does not get the socket back within socketRetryMs', async () => {
    const h = await harness({ socketRetryMs: 500 });
    await h.source.start();
    await h.server.refuseFor(1500);
    await until('reconnected', () => of(h.events, 'connected').length === 2, 8000);
    expect(h.events.map((e) => e.kind)).toEqual(['connected', 'disconnected', 'connected']);
    expect(h.logLines.some((l) => l.includes('ari restarting client'))).toBe(true);
    // A fresh client: the docs were loaded a second time.
    expect(
      h.server.requests.filter((r) => r.target === '/ari/api-docs/resources.json' && r.status === 200).length,
    ).toBeGreaterThanOrEqual(2);
    await until('one socket', () => h.server.openSockets === 1);
    // No client left over from before keeps a socket open.
    await new Promise((r) => setTimeout(r, 1000));
    expect(h.server.openSockets).toBe(1);
    expect(h.source.status).toBe('open');
  });

  it('pings the socket to keep it alive', async () => {
    const h = await harness({ pingIntervalMs: 100 });
    await h.source.start();
    await until('pings', () => h.server.pings >= 3);
    expect(of(h.events, 'disconnected')).toHaveLength(0);
  });

  it('rejects start() on refused credentials', async () => {
    const h = await harness({ password: 'wrong' });
    await expect(h.source.start()).rejects.toMatchObject({ code: 'ARI_AUTH_FAILED' });
    expect(h.source.status).toBe('stopped');
  });

  it('never writes the credentials into a log line', async () => {
    const h = await harness({ socketRetryMs: 300 });
    await h.source.start();
    h.server.dropSockets();
    await until('reconnected', () => of(h.events, 'connected').length === 2);
    await h.server.refuseFor(800);
    await until('reconnected again', () => of(h.events, 'connected').length === 3, 8000);
    await h.server.sendRaw('{"broken":');
    await h.source
      .readLeg({
        id: 'nope',
        name: 'PJSIP/nobody-1',
        driver: 'pjsip',
        endpoint: 'nobody',
        state: 6,
        context: '',
        exten: '',
        linkedId: '',
      })
      .catch(() => undefined);
    const text = h.logLines.join('\n') + JSON.stringify(h.events);
    expect(h.logLines.length).toBeGreaterThan(5);
    for (const secret of [PASS, encodeURIComponent(PASS), BASIC]) expect(text).not.toContain(secret);
  });
});
