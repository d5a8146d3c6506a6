import { createRequire } from 'node:module';
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedPbx, type SimCall } from '../../src/lab/pbx/index.js';

/** The callbacks API of asterisk-manager 0.2.0 as used here (the package ships no types). */
type AmiRecord = Record<string, string | string[] | Record<string, string>>;
interface Manager {
  on(event: string, listener: (evt: AmiRecord) => void): void;
  action(action: Record<string, string>, cb: (err: AmiRecord | undefined, res: AmiRecord) => void): string;
  disconnect(): void;
  isConnected(): boolean;
}
const require = createRequire(import.meta.url);
const ManagerCtor = require('asterisk-manager') as new (
  port: number,
  host: string,
  user: string,
  pass: string,
  events: boolean,
) => Manager;

function action(m: Manager, a: Record<string, string>): Promise<AmiRecord> {
  return new Promise((resolve) => m.action(a, (_err, res) => resolve(res)));
}

function waitEvent(m: Manager, pred: (e: AmiRecord) => boolean, ms = 3000): Promise<AmiRecord> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('event not seen')), ms);
    m.on('managerevent', (e) => {
      if (pred(e)) {
        clearTimeout(t);
        resolve(e);
      }
    });
  });
}

let pbx: SimulatedPbx;
let manager: Manager;
let call: SimCall;
const phones: dgram.Socket[] = [];
const seen: AmiRecord[] = [];

async function phone(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  phones.push(s);
  return s;
}

beforeAll(async () => {
  pbx = await SimulatedPbx.start({
    version: 22,
    driver: 'pjsip',
    ami: {
      host: '127.0.0.1',
      port: 0,
      users: [{ username: 'agent', secret: 'pw', read: 'all', write: 'all' }],
    },
    endpoints: {
      alice: { extension: '2001', displayName: 'Alice' },
      bob: { extension: '2002', displayName: 'Bob' },
    },
  });
  const booted = new Promise<void>((resolve) => {
    manager = new ManagerCtor(pbx.amiAddress().port, '127.0.0.1', 'agent', 'pw', true);
    manager.on('managerevent', (e) => {
      seen.push(e);
      if (e.event === 'FullyBooted') resolve();
    });
  });
  await booted;
});

afterAll(async () => {
  manager?.disconnect();
  for (const s of phones) s.close();
  await pbx?.stop();
});

describe('the unmodified asterisk-manager package against the simulated PBX', () => {
  it('logs in and receives FullyBooted with the system privilege', () => {
    const booted = seen.find((e) => e.event === 'FullyBooted');
    expect(booted?.privilege).toBe('system,all');
    expect(booted?.status).toBe('Fully Booted');
  });

  it('receives call events with lower-cased fields, BridgeEnter showing the stale technology', async () => {
    const a = await phone();
    const b = await phone();
    const secondEnter = waitEvent(manager, (e) => e.event === 'BridgeEnter' && e.bridgenumchannels === '2');
    call = await pbx.placeCall({
      caller: { endpoint: 'alice', remote: { address: '127.0.0.1', port: a.address().port } },
      callee: { endpoint: 'bob', remote: { address: '127.0.0.1', port: b.address().port } },
    });
    const enter = await secondEnter;
    // The answering callee enters first; the caller's BridgeEnter is the second.
    expect(enter.channel).toBe(call.caller.channel);
    expect(enter.bridgetechnology).toBe('simple_bridge');
    expect(enter.privilege).toBe('call,all');
    expect(enter.linkedid).toBe(call.caller.uniqueid);
    expect(enter.calleridname).toBe('Alice');
  });

  it('answers Getvar of CHANNEL(rtp,src) with the bound address, by name and by Uniqueid', async () => {
    const byName = await action(manager, {
      action: 'Getvar',
      channel: call.caller.channel,
      variable: 'CHANNEL(rtp,src)',
    });
    expect(byName.response).toBe('Success');
    expect(byName.value).toBe(`127.0.0.1:${call.caller.localRtpPort}`);
    const byId = await action(manager, {
      action: 'Getvar',
      channel: call.callee.uniqueid,
      variable: 'CHANNEL(rtp,dest)',
    });
    expect(byId.value).toMatch(/^127\.0\.0\.1:\d+$/);
    // The library folds `Variable:` into an object keyed by the variable's name.
    expect(byId.variable).toEqual({ 'CHANNEL(rtp,dest)': '' });
  });

  it('delivers list items as events carrying the ActionID, then the completion', async () => {
    const items: AmiRecord[] = [];
    const listener = (e: AmiRecord): void => {
      if (e.event === 'BridgeListItem' && e.actionid === 'bl-1') items.push(e);
    };
    manager.on('managerevent', listener);
    const complete = waitEvent(manager, (e) => e.event === 'BridgeListComplete' && e.actionid === 'bl-1');
    const ack = await action(manager, { action: 'BridgeList', actionid: 'bl-1' });
    expect(ack.response).toBe('Success');
    expect(ack.eventlist).toBe('start');
    const done = await complete;
    expect(done.eventlist).toBe('Complete');
    expect(done.listitems).toBe('1');
    expect(items).toHaveLength(1);
    expect(items[0]!.bridgeuniqueid).toBe(call.bridgeId);
    expect(items[0]!.bridgetechnology).toBe('native_rtp');
    expect(items[0]!.privilege).toBeUndefined();
  });

  it('reports an unknown channel as an error to the callback', async () => {
    const res = await action(manager, { action: 'Getvar', channel: 'PJSIP/nobody-00000099', variable: 'X' });
    expect(res.response).toBe('Error');
    expect(res.message).toBe('No such channel');
  });

  it('sees the Hangup events when the call ends', async () => {
    const hangups: AmiRecord[] = [];
    manager.on('managerevent', (e) => {
      if (e.event === 'Hangup') hangups.push(e);
    });
    const destroyed = waitEvent(manager, (e) => e.event === 'BridgeDestroy');
    call.hangup();
    await destroyed;
    await new Promise((r) => setTimeout(r, 50));
    expect(hangups.map((h) => h.channel).sort()).toEqual([call.caller.channel, call.callee.channel].sort());
    expect(hangups.every((h) => h.cause === '16' && h['cause-txt'] === 'Normal Clearing')).toBe(true);
    expect(hangups.some((h) => 'techcause' in h)).toBe(false);
  });
});
