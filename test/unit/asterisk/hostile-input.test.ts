import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AmiConnection, type AmiConnectionOptions } from '../../../src/asterisk/ami/connection.js';
import { AmiSource } from '../../../src/asterisk/ami/source.js';
import { AmiMessage } from '../../../src/asterisk/ami/message.js';
import { translateEvent } from '../../../src/asterisk/ami/event-translator.js';
import { translateAriFrame } from '../../../src/asterisk/ari/event-translator.js';
import { MalformedCounter } from '../../../src/asterisk/shared/malformed-inputs.js';
import { PbxEventFanout } from '../../../src/asterisk/shared/event-fanout.js';
import type { PbxEvent } from '../../../src/model/pbx.js';
import { AmiPeer } from './helpers/ami-peer.js';
import { collectingLogger, until } from './helpers/logger.js';

const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];

describe('names from the wire are looked up as own properties only', () => {
  it.each(PROTOTYPE_NAMES)('AMI Event: %s is ignored, not called or translated', (name) => {
    const t = translateEvent(
      AmiMessage.fromPairs([
        ['Event', name],
        ['Uniqueid', '1.1'],
      ]),
    );
    expect(t).toEqual({ kind: 'ignored', eventName: name });
  });

  it.each(PROTOTYPE_NAMES)('ARI type %s is unknown, not translated', (name) => {
    const t = translateAriFrame(JSON.stringify({ type: name, channel: { id: 'c' } }));
    expect(t.kind).toBe('unknown');
  });

  it('a header named __proto__ or constructor is a header, not a prototype', () => {
    const m = AmiMessage.fromPairs([
      ['Event', 'Hangup'],
      ['__proto__', 'x'],
      ['Constructor', 'y'],
      ['Uniqueid', '1.2'],
      ['Cause', '16'],
    ]);
    expect(m.get('__proto__')).toBe('x');
    expect(m.get('constructor')).toBe('y');
    expect(translateEvent(m)).toMatchObject({ kind: 'event', event: { kind: 'hangup', channelId: '1.2' } });
  });
});

describe('malformed-input counter', () => {
  it('counts every input, per source and field, and warns once per interval per source', () => {
    const log = collectingLogger();
    let now = 0;
    const c = new MalformedCounter({ logger: log, now: () => now, warnIntervalMs: 1000 });
    for (let i = 0; i < 50; i++) c.note('ami:pbx', 'ReportCount', 'too big');
    now = 1500;
    c.note('ami:pbx', 'Cause', 'not an integer');
    expect(c.total()).toBe(51);
    expect(c.snapshot()).toMatchObject({ 'ami:pbx': 51, 'ami:pbx.ReportCount': 50, 'ami:pbx.Cause': 1 });
    const warns = log.lines.filter((l) => l.level === 'warn');
    expect(warns).toHaveLength(2);
    expect(warns[1]?.fields).toMatchObject({
      source: 'ami:pbx',
      field: 'Cause',
      suppressedSinceLastWarning: 49,
    });
  });

  it('keeps a bounded number of field keys however many names the peer invents', () => {
    const c = new MalformedCounter({ logger: collectingLogger(), now: () => 0, maxKeys: 10 });
    for (let i = 0; i < 1000; i++) c.note('ami:pbx', `Field${i}`, 'bad');
    expect(Object.keys(c.snapshot()).length).toBeLessThanOrEqual(12);
    expect(c.snapshot()['ami:pbx']).toBe(1000);
  });
});

describe('AMI over a real socket', () => {
  let peer: AmiPeer;
  let source: AmiSource | null = null;
  const events: PbxEvent[] = [];

  beforeEach(async () => {
    peer = new AmiPeer();
    await peer.listen();
    events.length = 0;
  });
  afterEach(async () => {
    await source?.stop();
    source = null;
    await peer.close();
  });

  it('survives events named after Object.prototype members and still delivers the next real one', async () => {
    const log = collectingLogger();
    source = new AmiSource({
      port: peer.port,
      username: peer.username,
      secret: peer.secret,
      requestTimeoutMs: 1000,
      pingIntervalMs: 0,
      logger: log,
    });
    source.onEvent((e) => events.push(e));
    await source.start();
    for (const name of PROTOTYPE_NAMES)
      peer.event([
        ['Event', name],
        ['Uniqueid', '1.1'],
      ]);
    peer.event([
      ['Event', 'Hangup'],
      ['Uniqueid', '1.9'],
      ['Cause', '16'],
      ['Cause-txt', 'Normal'],
    ]);
    await until(() => events.some((e) => e.kind === 'hangup'));
    const kinds = events.map((e) => e.kind);
    expect(kinds).toEqual(['connected', 'hangup']);
  });
});

describe('the bounded AMI read path', () => {
  let peer: AmiPeer;
  let conn: AmiConnection | null = null;
  const log = collectingLogger();

  beforeEach(async () => {
    peer = new AmiPeer();
    await peer.listen();
    log.lines.length = 0;
  });
  afterEach(async () => {
    await conn?.stop();
    conn = null;
    await peer.close();
  });

  function connect(over: Partial<AmiConnectionOptions> = {}): AmiConnection {
    conn = new AmiConnection({
      host: '127.0.0.1',
      port: peer.port,
      username: peer.username,
      secret: peer.secret,
      eventMask: 'call',
      requestTimeoutMs: 1000,
      connectTimeoutMs: 1000,
      pingIntervalMs: 0,
      reconnect: { initialDelayMs: 20, maxDelayMs: 50, factor: 2, jitter: 0 },
      queue: { concurrency: 4, intervalCap: 1000, intervalMs: 1000 },
      actionIdPrefix: 't-',
      logger: log,
      random: () => 0.5,
      ...over,
    });
    return conn;
  }

  it('closes a session whose message passes the limit, with a typed reason, and reconnects', async () => {
    const c = connect({ maxMessageBytes: 64 * 1024 });
    const downs: string[] = [];
    c.onDown((d) => downs.push(d.reason));
    const dropped: string[] = [];
    c.onMalformed((what) => dropped.push(what));
    c.start();
    await until(() => c.status === 'ready');
    const logins = peer.received('login').length;
    // A message that never ends, in many reads: the library alone re-scans all of it each time.
    const chunk = 'X-Pad: ' + 'a'.repeat(1000) + '\r\n';
    for (let i = 0; i < 100; i++) peer.rawToAll(chunk);
    await until(() => downs.length > 0, 5000);
    expect(downs[0]).toContain('exceeds 65536 bytes');
    expect(dropped).toContain('message');
    await until(() => c.status === 'ready' && peer.received('login').length > logins, 5000);
    // The new session works: a request is answered.
    const pong = await c.request({ Action: 'Ping' });
    expect(pong.get('Ping')).toBe('Pong');
  });

  it('passes a message of many lines within the limit whole, across reads', async () => {
    const c = connect();
    const got: AmiMessage[] = [];
    c.onEvent((m) => got.push(m));
    c.start();
    await until(() => c.status === 'ready');
    const body = ['Event: Big', ...Array.from({ length: 200 }, (_, i) => `X-Pad${i}: ${'b'.repeat(50)}`)];
    const text = body.join('\r\n') + '\r\n\r\n';
    for (let i = 0; i < text.length; i += 700) peer.rawToAll(text.slice(i, i + 700));
    await until(() => got.length === 1);
    expect(got[0]?.get('X-Pad199')).toBe('b'.repeat(50));
  });

  it.each([
    ['Event: rawevent', 'Event'],
    ['Event: close', 'Event'],
    ['Event: error', 'Event'],
    ['Event: t-1-1', 'Event'],
    ['Event: UserEvent\r\nUserEvent: a\r\nUserEvent: b', 'UserEvent'],
    ['Response: Success\r\nActionID: close', 'ActionID'],
    ['Response: Follows\r\nPrivilege: Command\r\nhello\r\n--END COMMAND--', 'Response'],
    // No space after the colon: no header to us, but the library's Follows mode (found by fuzzing).
    ['Response:Follows\r\nPrivilege: Command', 'Response'],
    ['response:\tfollows', 'Response'],
    ['Event: Hangup\r\n__proto__: x\r\nUniqueid: 1.1', '__proto__'],
    // Would be taken for the answer to the last action sent (found by fuzzing).
    ['Response: Success\r\nContent: forged', 'ActionID'],
  ])('drops %j before the library mishandles it, and the session goes on', async (text, field) => {
    const c = connect();
    const got: string[] = [];
    c.onEvent((m) => got.push(m.eventName ?? ''));
    const dropped: string[] = [];
    c.onMalformed((what) => dropped.push(what));
    const downs: string[] = [];
    c.onDown((d) => downs.push(d.reason));
    c.start();
    await until(() => c.status === 'ready');
    peer.rawToAll(`${text}\r\n\r\n`);
    peer.event([['Event', 'FullyBooted']]);
    await until(() => got.includes('FullyBooted'));
    expect(dropped).toEqual([field]);
    expect(downs).toEqual([]);
    expect(c.status).toBe('ready');
    expect((await c.request({ Action: 'Ping' })).get('Ping')).toBe('Pong');
  });
});

describe('per-channel facts do not outlive the connection', () => {
  it('forgets holds when the connection drops: an unhold sent meanwhile is never seen', () => {
    const fanout = new PbxEventFanout(collectingLogger());
    fanout.deliver({ kind: 'channel-hold', channelId: '1.1' });
    expect(fanout.held.has('1.1')).toBe(true);
    fanout.connectionLost();
    expect(fanout.held.size).toBe(0);
  });
});
