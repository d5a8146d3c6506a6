import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AmiConnection,
  checkAction,
  type AmiConnectionOptions,
} from '../../../src/asterisk/ami/connection.js';
import type { AmiClientError } from '../../../src/asterisk/ami/errors.js';
import { AmiPeer, formatMessage, listReply } from './helpers/ami-peer.js';
import { collectingLogger, until } from './helpers/logger.js';

let peer: AmiPeer;
let conn: AmiConnection | null;
let log: ReturnType<typeof collectingLogger>;

function connect(over: Partial<AmiConnectionOptions> = {}): AmiConnection {
  conn = new AmiConnection({
    host: '127.0.0.1',
    port: peer.port,
    username: peer.username,
    secret: peer.secret,
    eventMask: 'system,call,dialplan,reporting',
    requestTimeoutMs: 500,
    connectTimeoutMs: 500,
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

async function ready(c: AmiConnection): Promise<void> {
  c.start();
  await until(() => c.status === 'ready');
}

beforeEach(async () => {
  peer = new AmiPeer();
  await peer.listen();
  log = collectingLogger();
  conn = null;
});

afterEach(async () => {
  await conn?.stop();
  await peer.close();
});

describe('login and event mask', () => {
  it('logs in, then sets the mask with Action: Events because the library sends Event: off', async () => {
    const c = connect();
    await ready(c);
    const [login] = peer.received('login');
    // asterisk-manager's login sends `Event: off`, a header Asterisk never reads.
    expect(login?.get('Event')).toBe('off');
    expect(login?.get('Events')).toBeUndefined();
    const [events] = peer.received('events');
    expect(events?.get('EventMask')).toBe('system,call,dialplan,reporting');
    expect(log.lines.filter((l) => l.message.startsWith('ami status')).map((l) => l.message)).toEqual([
      'ami status idle -> connecting',
      'ami status connecting -> authenticating',
      'ami status authenticating -> ready',
    ]);
  });

  it('reports a refused login as AmiAuthError and keeps the secret out of logs', async () => {
    const c = connect({ secret: 'sekrit-but-wrong' });
    const errors: AmiClientError[] = [];
    c.onAuthFailed((e) => errors.push(e));
    c.start();
    await until(() => errors.length > 0);
    expect(errors[0]?.code).toBe('AMI_AUTH_FAILED');
    expect(log.text()).not.toContain('sekrit');
    expect(JSON.stringify(c)).not.toContain('sekrit');
  });

  it('refuses requests before the session is ready instead of holding them as the library does', async () => {
    const c = connect();
    await expect(c.request({ Action: 'Ping' })).rejects.toMatchObject({ code: 'AMI_DISCONNECTED' });
  });
});

describe('replies and the library quirks', () => {
  it('reads lower-cased keys case-insensitively and a Getvar Value next to its Variable object', async () => {
    peer.handlers.set('getvar', (a, r) =>
      r.respond([
        ['Response', 'Success'],
        ['Variable', a.get('Variable') ?? ''],
        ['Value', '198.51.100.23:40012'],
      ]),
    );
    const c = connect();
    await ready(c);
    const reply = await c.request({
      Action: 'Getvar',
      Channel: '1754470001.14',
      Variable: 'CHANNEL(rtp,dest)',
    });
    expect(reply.get('VALUE')).toBe('198.51.100.23:40012');
    expect(reply.variables('variable')).toEqual({ 'CHANNEL(rtp,dest)': '' });
    // Keys are sent lower-cased then capitalised; Asterisk matches them case-insensitively.
    const [sent] = peer.received('getvar');
    expect(sent?.pairs.map(([k]) => k)).toEqual(['Action', 'ActionID', 'Channel', 'Variable']);
  });

  it('reads an empty Value (function failed) as an empty string', async () => {
    peer.handlers.set('getvar', (_a, r) =>
      r.respond([
        ['Response', 'Success'],
        ['Variable', 'CHANNEL(rtp,src)'],
        ['Value', ''],
      ]),
    );
    const c = connect();
    await ready(c);
    const reply = await c.request({ Action: 'Getvar', Channel: 'x', Variable: 'CHANNEL(rtp,src)' });
    expect(reply.get('Value')).toBe('');
  });

  it('keeps every value of a repeated key', async () => {
    peer.handlers.set('command', (_a, r) =>
      r.respond([
        ['Response', 'Success'],
        ['Output', 'line one'],
        ['Output', 'line two'],
      ]),
    );
    const c = connect();
    await ready(c);
    const reply = await c.request({ Action: 'Command', Command: 'core show uptime' });
    expect(reply.get('Output')).toBe('line one');
    expect(reply.all('Output')).toEqual(['line one', 'line two']);
  });

  it('turns Response: Error into AmiError with the action and Asterisk message', async () => {
    peer.handlers.set('getvar', (_a, r) =>
      r.respond([
        ['Response', 'Error'],
        ['Message', 'No such channel'],
      ]),
    );
    const c = connect();
    await ready(c);
    await expect(c.request({ Action: 'Getvar', Channel: 'gone', Variable: 'X' })).rejects.toMatchObject({
      code: 'AMI_ERROR',
      action: 'Getvar',
      amiMessage: 'No such channel',
    });
  });

  it('collects list items by ActionID until EventList: Complete (the callback only sees the ack)', async () => {
    peer.handlers.set('bridgelist', (a, r) =>
      listReply(
        r,
        a.get('ActionID'),
        [
          { event: 'BridgeListItem', fields: [['BridgeUniqueid', 'b1']] },
          { event: 'BridgeListItem', fields: [['BridgeUniqueid', 'b2']] },
        ],
        { event: 'BridgeListComplete' },
      ),
    );
    const c = connect();
    const asyncEvents: string[] = [];
    c.onEvent((m) => asyncEvents.push(m.eventName ?? ''));
    await ready(c);
    const list = await c.requestList({ Action: 'BridgeList', BridgeType: 'native_rtp' });
    expect(list.ack.get('EventList')).toBe('start');
    expect(list.items.map((m) => m.get('BridgeUniqueid'))).toEqual(['b1', 'b2']);
    expect(list.complete.get('ListItems')).toBe('2');
    expect(list.bytes).toBeGreaterThan(100);
    expect(asyncEvents).toEqual([]); // list items are not async events
  });

  it('an empty list resolves too', async () => {
    peer.handlers.set('bridgelist', (a, r) =>
      listReply(r, a.get('ActionID'), [], { event: 'BridgeListComplete' }),
    );
    const c = connect();
    await ready(c);
    const list = await c.requestList({ Action: 'BridgeList' });
    expect(list.items).toEqual([]);
  });

  it('uses only the first reply for an ActionID', async () => {
    peer.handlers.set('ping', (_a, r) => {
      r.respond([
        ['Response', 'Success'],
        ['Ping', 'Pong'],
      ]);
      r.respond([
        ['Response', 'Error'],
        ['Message', 'second'],
      ]);
    });
    const c = connect();
    await ready(c);
    const reply = await c.request({ Action: 'Ping' });
    expect(reply.get('Ping')).toBe('Pong');
    expect((await c.request({ Action: 'Ping' })).get('Ping')).toBe('Pong');
  });

  it('folds ChanVariable lines into one object, as the library does', async () => {
    const c = connect();
    const got: { vars: Readonly<Record<string, string>>; id: string | undefined }[] = [];
    c.onEvent((m) => got.push({ vars: m.variables('chanvariable'), id: m.get('Uniqueid') }));
    await ready(c);
    peer.rawToAll('Event: Newstate\r\nUniqueid: 1.3\r\nChanVariable: RTPO=1\r\nChanVariable: B=x=y\r\n\r\n');
    await until(() => got.length > 0);
    expect(got[0]).toEqual({ vars: { RTPO: '1', B: 'x=y' }, id: '1.3' });
  });

  it('delivers async events with lower-cased keys and survives a line without a blank after the colon', async () => {
    const c = connect();
    const got: Record<string, string>[] = [];
    c.onEvent((m) => got.push(m.toJSON()));
    await ready(c);
    peer.rawToAll('Event: Hangup\r\nUniqueid: 1.2\r\nAccountCode:\r\nCause: 16\r\n\r\n');
    await until(() => got.length > 0);
    expect(got[0]).toMatchObject({ event: 'Hangup', uniqueid: '1.2', accountcode: '', cause: '16' });
  });
});

describe('timeouts, disconnects, reconnects', () => {
  it('rejects an unanswered request with AmiTimeoutError and ignores the late reply', async () => {
    let late: (() => void) | null = null;
    peer.handlers.set('getvar', (_a, r) => {
      late = () =>
        r.respond([
          ['Response', 'Success'],
          ['Value', 'late'],
        ]);
    });
    const c = connect({ requestTimeoutMs: 100 });
    await ready(c);
    await expect(c.request({ Action: 'Getvar', Channel: 'x', Variable: 'Y' })).rejects.toMatchObject({
      code: 'AMI_TIMEOUT',
      action: 'Getvar',
      timeoutMs: 100,
    });
    (late as (() => void) | null)?.();
    expect((await c.request({ Action: 'Ping' })).get('Ping')).toBe('Pong');
    expect(c.stats().timeouts).toBe(1);
  });

  it('times out a list whose items stop coming', async () => {
    peer.handlers.set('bridgelist', (a, r) =>
      r.raw(
        formatMessage([
          ['Response', 'Success'],
          ['ActionID', a.get('ActionID') ?? ''],
          ['EventList', 'start'],
        ]),
      ),
    );
    const c = connect({ requestTimeoutMs: 100 });
    await ready(c);
    await expect(c.requestList({ Action: 'BridgeList' })).rejects.toMatchObject({ code: 'AMI_TIMEOUT' });
  });

  it('rejects pending requests with AmiDisconnectedError on a drop, then reconnects and logs in again', async () => {
    peer.handlers.set('getvar', () => undefined);
    const c = connect();
    const downs: string[] = [];
    let readies = 0;
    c.onDown((d) => downs.push(`${d.wasReady}`));
    c.onReady(() => readies++);
    await ready(c);
    const pending = c.request({ Action: 'Getvar', Channel: 'x', Variable: 'Y' });
    await until(() => peer.received('getvar').length === 1);
    peer.dropAll();
    await expect(pending).rejects.toMatchObject({ code: 'AMI_DISCONNECTED' });
    await until(() => readies === 2);
    expect(downs).toEqual(['true']);
    expect(c.stats().reconnects).toBe(1);
    expect(peer.received('login')).toHaveLength(2);
    expect(peer.received('events')).toHaveLength(2);
    expect(log.lines.some((l) => l.message === 'ami status ready -> reconnecting')).toBe(true);
  });

  it('keeps retrying with backoff while nothing listens', async () => {
    const c = connect();
    await ready(c);
    const port = peer.port;
    await peer.close();
    await until(
      () => log.lines.filter((l) => l.message === 'ami status connecting -> reconnecting').length >= 2,
    );
    peer = new AmiPeer();
    await peer.listen(port);
    await until(() => c.status === 'ready', 3000);
  });

  it('abandons a session whose Ping goes unanswered', async () => {
    let pings = 0;
    peer.handlers.set('ping', () => {
      pings++;
    });
    const c = connect({ pingIntervalMs: 50, requestTimeoutMs: 80 });
    let readies = 0;
    c.onReady(() => readies++);
    await ready(c);
    await until(() => readies >= 2, 3000);
    expect(pings).toBeGreaterThanOrEqual(1);
    expect(log.lines.some((l) => String(l.fields?.['why'] ?? '').includes('ping timed out'))).toBe(true);
  });

  it('stop() logs off and ends in status stopped without reconnecting', async () => {
    const c = connect();
    await ready(c);
    await c.stop();
    expect(c.status).toBe('stopped');
    expect(peer.received('logoff')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 80));
    expect(peer.received('login')).toHaveLength(1);
  });
});

describe('the request queue', () => {
  it('never has more requests in flight than its concurrency', async () => {
    let inFlight = 0;
    let most = 0;
    peer.handlers.set('getvar', (_a, r) => {
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        r.respond([
          ['Response', 'Success'],
          ['Value', '1'],
        ]);
      }, 10);
    });
    const c = connect({ queue: { concurrency: 2, intervalCap: 1000, intervalMs: 1000 } });
    await ready(c);
    await Promise.all(
      Array.from({ length: 10 }, () => c.request({ Action: 'Getvar', Channel: 'x', Variable: 'Y' })),
    );
    expect(most).toBe(2);
  });

  it('starts no more than intervalCap requests per interval', async () => {
    const c = connect({ queue: { concurrency: 10, intervalCap: 3, intervalMs: 200 } });
    await ready(c);
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => c.request({ Action: 'Ping' })));
    // 6 requests at 3 per 200 ms need at least one full interval.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
  });
});

describe('checkAction', () => {
  it.each([
    [
      'a value with CR/LF',
      { Action: 'Setvar', Variable: 'A', Value: 'x\r\nAction: Originate' },
      'contains CR or LF',
    ],
    [
      'a line over 1024 bytes',
      { Action: 'Setvar', Variable: 'A', Value: 'x'.repeat(1100) },
      'line exceeds 1024 bytes',
    ],
    ['a caller-chosen ActionID', { Action: 'Ping', ActionID: 'mine' }, 'is set by the connection'],
  ])('refuses %s', (_name, action, why) => {
    const err = checkAction(action);
    expect(err?.code).toBe('AMI_BAD_ARGUMENT');
    expect(err?.message).toContain(why);
  });
});
