import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AmiProbe, SimulatedPbx, type SimulatedPbxOptions } from '../../src/lab/pbx/index.js';

const users = [
  { username: 'admin', secret: 'a', read: 'all', write: 'all' },
  { username: 'callonly', secret: 'c', read: 'call', write: 'call' },
  { username: 'reader', secret: 'r', read: 'all', write: '' },
];

const pbxes: SimulatedPbx[] = [];
const probes: AmiProbe[] = [];

async function startPbx(extra: Partial<SimulatedPbxOptions> = {}): Promise<SimulatedPbx> {
  const pbx = await SimulatedPbx.start({
    version: 22,
    driver: 'pjsip',
    ami: { host: '127.0.0.1', port: 0, users },
    endpoints: {
      alice: { extension: '2001', displayName: 'Alice' },
      bob: { extension: '2002', displayName: 'Bob', rtpTimeout: 30, tosAudio: 'ef', dtmfMode: 'rfc4733' },
      carol: { extension: '2003', displayName: 'Carol', remote: { address: '127.0.0.1', port: 40004 } },
    },
    ...extra,
  });
  pbxes.push(pbx);
  return pbx;
}

async function connect(pbx: SimulatedPbx): Promise<AmiProbe> {
  const p = await AmiProbe.connect('127.0.0.1', pbx.amiAddress().port);
  probes.push(p);
  return p;
}

async function admin(pbx: SimulatedPbx, events?: string): Promise<AmiProbe> {
  const p = await connect(pbx);
  expect((await p.login('admin', 'a', events)).get('Message')).toBe('Authentication accepted');
  return p;
}

function placeCall(pbx: SimulatedPbx) {
  return pbx.placeCall({
    caller: { endpoint: 'alice', remote: { address: '127.0.0.1', port: 40000 } },
    callee: { endpoint: 'bob', remote: { address: '127.0.0.1', port: 40002 } },
  });
}

afterEach(() => {
  for (const p of probes.splice(0)) p.close();
});
afterAll(async () => {
  for (const p of pbxes) await p.stop();
});

describe('AMI sessions of the simulated PBX', () => {
  it('greets with the AMI version of the configured Asterisk', async () => {
    expect((await connect(await startPbx({ version: 20 }))).banner).toBe('Asterisk Call Manager/9.0.0');
    expect((await connect(await startPbx({ version: 22 }))).banner).toBe('Asterisk Call Manager/11.0.0');
  });

  it('denies every action but Login/Logoff/Challenge before login', async () => {
    const p = await connect(await startPbx());
    const r = await p.action('Getvar', { Variable: 'X' });
    expect([r.get('Response'), r.get('Message')]).toEqual(['Error', 'Permission denied']);
    expect((await p.action('Challenge', { AuthType: 'MD5' })).get('Challenge')).toMatch(/^\d+$/);
  });

  it('answers a failed login after a second, then disconnects', async () => {
    const p = await connect(await startPbx());
    const t0 = Date.now();
    const r = await p.login('admin', 'wrong');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect([r.get('Response'), r.get('Message')]).toEqual(['Error', 'Authentication failed']);
    await new Promise((res) => setTimeout(res, 100));
    expect(p.closed).toBe(true);
  });

  it('sends FullyBooted only when the system class is in both read= and the Events mask', async () => {
    const pbx = await startPbx();
    const a = await admin(pbx);
    const masked = await admin(pbx, 'call');
    const onlyCall = await connect(pbx);
    await onlyCall.login('callonly', 'c', 'on');
    await new Promise((r) => setTimeout(r, 100));
    expect(a.messages.find((m) => m.get('Event') === 'FullyBooted')?.get('Privilege')).toBe('system,all');
    expect(masked.messages.some((m) => m.get('Event') === 'FullyBooted')).toBe(false);
    expect(onlyCall.messages.some((m) => m.get('Event') === 'FullyBooted')).toBe(false);
  });

  it('filters events by class: the mask is ANDed with read=, and Events can turn them off', async () => {
    const pbx = await startPbx();
    const callMask = await admin(pbx, 'call');
    const callOnly = await connect(pbx);
    await callOnly.login('callonly', 'c', 'call,dialplan');
    const off = await admin(pbx);
    const r = await off.action('Events', { EventMask: 'off' });
    expect(r.get('Events')).toBe('Off');
    const everything = await admin(pbx);
    const sawVarSet = everything.waitEvent('VarSet');
    await placeCall(pbx);
    await sawVarSet;
    await new Promise((res) => setTimeout(res, 50));
    const names = (p: AmiProbe): Set<string> => new Set(p.messages.map((m) => m.get('Event') ?? ''));
    expect(names(callMask).has('BridgeEnter')).toBe(true);
    expect(names(callMask).has('VarSet')).toBe(false); // dialplan class
    expect(names(callOnly).has('VarSet')).toBe(false); // read=call cannot be widened
    expect(names(callOnly).has('Newchannel')).toBe(true);
    expect([...names(off)].filter((n) => n !== '' && n !== 'FullyBooted')).toEqual([]);
    expect(everything.messages.find((m) => m.get('Event') === 'VarSet')?.get('Privilege')).toBe(
      'dialplan,all',
    );
  });

  it('checks write= authority per action', async () => {
    const pbx = await startPbx();
    const p = await connect(pbx);
    await p.login('callonly', 'c');
    expect((await p.action('CoreShowChannels')).get('Message')).toBe('Permission denied');
    expect((await p.action('Getvar', { Variable: 'X' })).get('Response')).toBe('Success');
    const ro = await connect(pbx);
    await ro.login('reader', 'r');
    expect((await ro.action('Getvar', { Variable: 'X' })).get('Message')).toBe('Permission denied');
    expect((await ro.list('BridgeList')).response.get('Response')).toBe('Success'); // authority 0
    expect((await ro.action('Ping')).get('Ping')).toBe('Pong');
  });

  it('rejects a line over 1024 bytes with the ActionID and keeps the session usable', async () => {
    const p = await admin(await startPbx());
    const reply = p.waitFor((m) => m.get('ActionID') === 'long1');
    p.write(`Action: Getvar\r\nActionID: long1\r\nVariable: ${'X'.repeat(1100)}\r\n\r\n`);
    const r = await reply;
    expect([r.get('Response'), r.get('Message')]).toEqual([
      'Error',
      'Failed to parse message: line too long',
    ]);
    expect((await p.action('Ping')).get('Response')).toBe('Success');
  });

  it('accepts LF-only input and case-insensitive header names', async () => {
    const p = await admin(await startPbx());
    const reply = p.waitFor((m) => m.get('ActionID') === 'lf');
    p.write('action: ping\nactionid: lf\n\n');
    expect((await reply).get('Ping')).toBe('Pong');
  });

  it('names unknown and missing actions as Asterisk does', async () => {
    const p = await admin(await startPbx());
    expect((await p.action('Frobnicate')).get('Message')).toBe(
      'Invalid/unknown command: Frobnicate. Use Action: ListCommands to show available commands.',
    );
    const reply = p.waitFor((m) => m.get('Response') === 'Error');
    p.write('ActionID: none\r\n\r\n');
    expect((await reply).get('Message')).toBe('Missing action in request');
  });

  it('says goodbye on Logoff and closes', async () => {
    const p = await admin(await startPbx());
    const r = await p.action('Logoff');
    expect([r.get('Response'), r.get('Message')]).toEqual(['Goodbye', 'Thanks for all the fish.']);
    await new Promise((res) => setTimeout(res, 50));
    expect(p.closed).toBe(true);
  });

  it('lists only the commands the user may run, with their privileges', async () => {
    const pbx = await startPbx();
    const p = await connect(pbx);
    await p.login('callonly', 'c');
    const r = await p.action('ListCommands');
    expect(r.get('Getvar')).toBe('Gets a channel variable or function value.  (Priv: call,reporting,all)');
    expect(r.get('BridgeList')).toMatch(/\(Priv: <none>\)$/);
    expect(r.get('CoreShowChannels')).toBeUndefined();
  });

  it('relays UserEvent with every client header, ActionID included', async () => {
    const pbx = await startPbx();
    const p = await admin(pbx);
    const listener = await admin(pbx);
    const got = listener.waitEvent('UserEvent');
    expect((await p.action('UserEvent', { UserEvent: 'Offload', Bridge: 'b1' })).get('Message')).toBe(
      'Event Sent',
    );
    const e = await got;
    expect(e.get('Privilege')).toBe('user,all');
    expect(e.get('UserEvent')).toBe('Offload');
    expect(e.get('Bridge')).toBe('b1');
    expect(e.get('ActionID')).toMatch(/^p\d+$/);
  });

  it('reports a start-up time in CoreStatus and counts channels', async () => {
    const pbx = await startPbx();
    const p = await admin(pbx);
    await placeCall(pbx);
    const r = await p.action('CoreStatus');
    expect(r.get('CoreStartupDate')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(r.get('CoreStartupTime')).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    expect(r.get('CoreCurrentCalls')).toBe('2');
  });
});

describe('AMI actions on calls', () => {
  it('answers Getvar by name or Uniqueid; a failing function gives Success and an empty Value', async () => {
    const pbx = await startPbx();
    const p = await admin(pbx);
    const call = await placeCall(pbx);
    const src = await p.action('Getvar', { Channel: call.caller.channel, Variable: 'CHANNEL(rtp,src)' });
    expect(src.get('Value')).toBe(`127.0.0.1:${call.caller.localRtpPort}`);
    const dest = await p.action('Getvar', { Channel: call.callee.uniqueid, Variable: 'CHANNEL(rtp,dest)' });
    expect(dest.get('Value')).toBe('127.0.0.1:40002'); // the SDP address until RTP arrives
    const direct = await p.action('Getvar', {
      Channel: call.callee.channel,
      Variable: 'CHANNEL(rtp,direct)',
    });
    expect(direct.get('Value')).toBe('(null)');
    const bad = await p.action('Getvar', { Channel: call.callee.channel, Variable: 'CHANNEL(rtp,bogus)' });
    expect([bad.get('Response'), bad.get('Value')]).toEqual(['Success', '']);
    const peer = await p.action('Getvar', { Channel: call.callee.channel, Variable: 'BRIDGEPEER' });
    expect(peer.get('Value')).toBe(call.caller.channel);
    const none = await p.action('Getvar', { Channel: 'PJSIP/carol-00000001', Variable: 'BRIDGEPEER' });
    expect(none.get('Message')).toBe('No such channel');
    expect((await p.action('Getvar', { Channel: call.caller.channel })).get('Message')).toBe(
      'No variable specified',
    );
  });

  it('stores Setvar values for Getvar and announces them with VarSet', async () => {
    const pbx = await startPbx();
    const p = await admin(pbx);
    const call = await placeCall(pbx);
    const varset = p.waitEvent('VarSet', (m) => m.get('Variable') === 'OFFLOAD');
    expect(
      (await p.action('Setvar', { Channel: call.caller.channel, Variable: 'OFFLOAD', Value: 'yes' })).get(
        'Message',
      ),
    ).toBe('Variable Set');
    expect((await varset).get('Value')).toBe('yes');
    expect(
      (await p.action('Getvar', { Channel: call.caller.channel, Variable: 'OFFLOAD' })).get('Value'),
    ).toBe('yes');
  });

  it('reads the wildcard bind address as CHANNEL(rtp,src) with rtpBind wildcard', async () => {
    const pbx = await startPbx({ rtpBind: 'wildcard' });
    const p = await admin(pbx);
    const call = await placeCall(pbx);
    const src = await p.action('Getvar', { Channel: call.caller.channel, Variable: 'CHANNEL(rtp,src)' });
    expect(src.get('Value')).toBe(`0.0.0.0:${call.caller.localRtpPort}`);
  });

  it('filters BridgeList on the technology when given BridgeType', async () => {
    const pbx = await startPbx();
    const p = await admin(pbx);
    const call = await placeCall(pbx);
    expect((await p.list('BridgeList', { BridgeType: 'native_rtp' })).items).toHaveLength(1);
    expect((await p.list('BridgeList', { BridgeType: 'basic' })).items).toHaveLength(0);
    const all = await p.list('BridgeList');
    expect(all.complete?.get('ListItems')).toBe('1');
    expect(all.items[0]?.get('BridgeType')).toBe('basic');
    expect(all.items[0]?.get('BridgeUniqueid')).toBe(call.bridgeId);
  });

  it('lists a bridge with BridgeInfo: channel items, then the bridge block in the completion', async () => {
    const pbx = await startPbx();
    const p = await admin(pbx);
    const call = await placeCall(pbx);
    const info = await p.list('BridgeInfo', { BridgeUniqueid: call.bridgeId });
    expect(info.response.get('Message')).toBe('Bridge channel listing will follow');
    expect(info.items.map((m) => m.get('Channel'))).toEqual([call.caller.channel, call.callee.channel]);
    // The channel block comes before the ActionID in BridgeInfoChannel.
    const first = info.items[0]!.fields.map(([k]) => k);
    expect(first.indexOf('Linkedid')).toBeLessThan(first.indexOf('ActionID'));
    expect(info.complete?.get('BridgeTechnology')).toBe('native_rtp');
    expect((await p.action('BridgeInfo', { BridgeUniqueid: 'nope' })).get('Message')).toBe(
      'Specified BridgeUniqueid not found',
    );
  });

  it('lists channels with CoreShowChannels, with application and bridge', async () => {
    const pbx = await startPbx();
    const p = await admin(pbx);
    const call = await placeCall(pbx);
    const list = await p.list('CoreShowChannels');
    expect(list.complete?.get('ListItems')).toBe('2');
    const caller = list.items.find((m) => m.get('Channel') === call.caller.channel);
    expect(caller?.get('Application')).toBe('Dial');
    expect(caller?.get('BridgeId')).toBe(call.bridgeId);
    expect(caller?.get('Duration')).toMatch(/^00:00:0\d$/);
  });

  it('shows the endpoint configuration with PJSIPShowEndpoint as a list', async () => {
    const pbx = await startPbx();
    const p = await admin(pbx);
    const list = await p.list('PJSIPShowEndpoint', { Endpoint: 'bob' });
    const detail = list.items.find((m) => m.get('Event') === 'EndpointDetail');
    expect(detail?.get('RtpTimeout')).toBe('30');
    expect(detail?.get('TosAudio')).toBe('184');
    expect(detail?.get('DtmfMode')).toBe('rfc4733');
    expect(detail?.get('IceSupport')).toBe('false');
    expect(detail?.get('Privilege')).toBeUndefined();
    expect(list.complete?.get('Event')).toBe('EndpointDetailComplete');
    expect(list.complete?.get('ListItems')).toBe(String(list.items.length));
    const missing = await p.action('PJSIPShowEndpoint', { Endpoint: 'zed' });
    // astman_send_error_va's text ends in "\n", which Asterisk sends before the CRLF.
    expect(missing.get('Message')).toBe('Unable to retrieve endpoint zed\n');
  });

  it('speaks chan_sip on Asterisk 20: SIP channels, rtpdest, and no PJSIP actions', async () => {
    const pbx = await startPbx({ version: 20, driver: 'sip' });
    const p = await admin(pbx);
    const call = await placeCall(pbx);
    expect(call.caller.channel).toMatch(/^SIP\/alice-[0-9a-f]{8}$/);
    const dest = await p.action('Getvar', { Channel: call.caller.channel, Variable: 'CHANNEL(rtpdest)' });
    expect(dest.get('Value')).toBe('127.0.0.1:40000');
    const pj = await p.action('Getvar', { Channel: call.caller.channel, Variable: 'CHANNEL(rtp,dest)' });
    expect(pj.get('Value')).toBe('');
    expect((await p.action('PJSIPShowEndpoint', { Endpoint: 'bob' })).get('Message')).toMatch(
      /^Invalid\/unknown command/,
    );
  });

  it('hangs up a channel with the Hangup action and reports both Hangup events', async () => {
    const pbx = await startPbx();
    const p = await admin(pbx);
    const call = await placeCall(pbx);
    const destroyed = p.waitEvent('BridgeDestroy');
    expect((await p.action('Hangup', { Channel: call.callee.channel })).get('Message')).toBe(
      'Channel Hungup',
    );
    await destroyed;
    const hangups = p.messages.filter((m) => m.get('Event') === 'Hangup').map((m) => m.get('Channel'));
    expect(hangups.sort()).toEqual([call.caller.channel, call.callee.channel].sort());
    expect(call.ended).toBe(true);
  });

  it('switches to native_rtp only nativeSwitchDelayMs after the second BridgeEnter when so configured', async () => {
    const pbx = await startPbx({ nativeSwitchDelayMs: 150 });
    const p = await admin(pbx);
    const call = await placeCall(pbx);
    const early = await p.list('BridgeList');
    expect(early.items[0]?.get('BridgeTechnology')).toBe('simple_bridge');
    await new Promise((r) => setTimeout(r, 250));
    const late = await p.list('BridgeList');
    expect(late.items[0]?.get('BridgeTechnology')).toBe('native_rtp');
    expect(late.items[0]?.get('BridgeUniqueid')).toBe(call.bridgeId);
  });

  it('dials through a Local pair: two simple bridges, LocalOptimizationBegin/End, then one native_rtp bridge', async () => {
    const pbx = await startPbx();
    const p = await admin(pbx);
    let techsAtBegin: string[] = [];
    pbx.onManagerEvent((e) => {
      if (e.name === 'LocalOptimizationBegin') techsAtBegin = pbx.bridges().map((b) => b.technology);
    });
    const call = await pbx.placeCall({
      caller: { endpoint: 'alice', remote: { address: '127.0.0.1', port: 40000 } },
      callee: { endpoint: 'bob', remote: { address: '127.0.0.1', port: 40002 } },
      viaLocal: true,
    });
    await p.action('Ping');
    expect(techsAtBegin).toEqual(['simple_bridge', 'simple_bridge']);
    const begin = p.messages.find((m) => m.get('Event') === 'LocalOptimizationBegin')!;
    expect(begin.get('LocalOneChannel')).toMatch(/^Local\/2002@internal-[0-9a-f]{8};1$/);
    expect(begin.get('LocalTwoChannel')).toMatch(/;2$/);
    expect(begin.get('SourceChannel')).toBe(call.callee.channel);
    const end = p.messages.find((m) => m.get('Event') === 'LocalOptimizationEnd')!;
    // Asterisk 22 reports `Success: No` even after the swap (recorded in attended-transfer.jsonl).
    expect([end.get('Success'), end.get('Id')]).toEqual(['No', begin.get('Id')]);
    const swap = p.messages.find(
      (m) => m.get('Event') === 'BridgeEnter' && m.get('SwapUniqueid') !== undefined,
    )!;
    expect([swap.get('Channel'), swap.get('BridgeUniqueid'), swap.get('SwapUniqueid')]).toEqual([
      call.callee.channel,
      call.bridgeId,
      begin.get('LocalOneUniqueid'),
    ]);
    const localHangups = p.messages.filter((m) => m.get('Event') === 'Hangup').map((m) => m.get('Channel'));
    expect(localHangups).toEqual([begin.get('LocalOneChannel'), begin.get('LocalTwoChannel')]);
    const list = await p.list('BridgeList');
    expect(list.items.map((m) => [m.get('BridgeUniqueid'), m.get('BridgeTechnology')])).toEqual([
      [call.bridgeId, 'native_rtp'],
    ]);
  });

  it('runs an Atxfer through a Local pair and completes it when the transferer hangs up', async () => {
    const pbx = await startPbx({ localOptimizeDelayMs: 100 });
    const p = await admin(pbx);
    const call = await placeCall(pbx);
    const consulting = p.waitEvent(
      'BridgeEnter',
      (m) => m.get('BridgeNumChannels') === '2' && (m.get('Channel') ?? '').endsWith(';2'),
    );
    expect((await p.action('Atxfer', { Channel: call.caller.channel, Exten: '2003' })).get('Message')).toBe(
      'Atxfer successfully queued',
    );
    await consulting;
    const hold = p.messages.find((m) => m.get('Event') === 'Hold')!;
    expect([hold.get('Channel'), hold.get('MusicClass')]).toEqual([call.caller.channel, undefined]);
    const done = p.waitEvent('AttendedTransfer');
    const optimised = p.waitEvent('LocalOptimizationEnd');
    expect((await p.action('Hangup', { Channel: call.caller.channel })).get('Response')).toBe('Success');
    const at = await done;
    expect([at.get('Result'), at.get('DestType'), at.get('IsExternal'), at.get('TransfereeChannel')]).toEqual(
      ['Success', 'Bridge', 'No', call.callee.channel],
    );
    expect([at.get('OrigBridgeUniqueid'), at.get('DestBridgeUniqueid')]).toEqual([
      call.bridgeId,
      call.bridgeId,
    ]);
    expect(at.get('TransferTargetChannel')).toMatch(/^Local\/2003@internal-[0-9a-f]{8};1$/);
    const names = p.messages.map((m) => m.get('Event'));
    expect(names.indexOf('BridgeMerge')).toBeLessThan(names.indexOf('AttendedTransfer'));
    await optimised;
    await p.action('Ping');
    const carol = pbx.channels().find((c) => c.name.startsWith('PJSIP/carol-'))!;
    const final = pbx.calls().find((c) => c.callerChannel.name === call.callee.channel)!;
    expect(final.calleeChannel).toBe(carol);
    const info = await p.list('BridgeInfo', { BridgeUniqueid: final.bridgeId });
    expect(info.items.map((m) => m.get('Channel')).sort()).toEqual([call.callee.channel, carol.name].sort());
    expect(
      pbx
        .channels()
        .map((c) => c.name)
        .sort(),
    ).toEqual([call.callee.channel, carol.name].sort());
    expect((await p.action('Atxfer', { Channel: call.callee.channel, Exten: '2999' })).get('Response')).toBe(
      'Error',
    );
  });

  it('merges the held bridge into the consult bridge when the transfer is a merge: BridgeMerge first', async () => {
    const pbx = await startPbx();
    const p = await admin(pbx);
    const first = await placeCall(pbx);
    const consult = await pbx.placeCall({
      caller: { endpoint: 'alice', remote: { address: '127.0.0.1', port: 40006 } },
      callee: { endpoint: 'carol', remote: { address: '127.0.0.1', port: 40004 } },
    });
    await p.action('Ping');
    const mark = p.messages.length;
    const result = pbx.attendedTransfer(
      { call: first, transferer: 'caller' },
      { call: consult, transferer: 'caller' },
      'merge',
    );
    await p.action('Ping');
    const evs = p.messages
      .slice(mark)
      .filter((m) => m.get('Event') !== undefined && m.get('Event') !== 'VarSet');
    const merge = evs[0]!;
    expect(merge.get('Event')).toBe('BridgeMerge');
    expect([merge.get('ToBridgeUniqueid'), merge.get('FromBridgeUniqueid')]).toEqual([
      consult.bridgeId,
      first.bridgeId,
    ]);
    expect(evs.map((m) => m.get('Event'))).toContain('AttendedTransfer');
    expect(result.bridgeId).toBe(consult.bridgeId);
    const info = await p.list('BridgeInfo', { BridgeUniqueid: consult.bridgeId });
    expect(info.items.map((m) => m.get('Channel')).sort()).toEqual(
      [first.callee.channel, consult.callee.channel].sort(),
    );
    expect((await p.action('BridgeInfo', { BridgeUniqueid: first.bridgeId })).get('Message')).toBe(
      'Specified BridgeUniqueid not found',
    );
  });

  it('hangs up the whole Local chain when the caller leaves before optimisation', async () => {
    const pbx = await startPbx({ localOptimizeDelayMs: 300 });
    const p = await admin(pbx);
    const placing = pbx.placeCall({
      caller: { endpoint: 'alice', remote: { address: '127.0.0.1', port: 40000 } },
      callee: { endpoint: 'bob', remote: { address: '127.0.0.1', port: 40002 } },
      viaLocal: true,
    });
    const bothBridged = p.waitEvent(
      'BridgeEnter',
      // The dialled half enters first, so the caller's BridgeEnter is the second one.
      (m) => m.get('BridgeNumChannels') === '2' && (m.get('Channel') ?? '').startsWith('PJSIP/alice-'),
    );
    await bothBridged;
    const caller = pbx.channels().find((c) => c.name.startsWith('PJSIP/alice-'))!;
    pbx.hangupChannel(caller, 16);
    await expect(placing).rejects.toMatchObject({ code: 'PBX_CALL_ENDED' });
    await p.action('Ping');
    expect(pbx.channels()).toHaveLength(0);
    expect(pbx.bridges()).toHaveLength(0);
    const hungUp = p.messages.filter((m) => m.get('Event') === 'Hangup').map((m) => m.get('Channel')!);
    expect(hungUp).toHaveLength(4);
    expect(hungUp.some((n) => n.startsWith('PJSIP/bob-'))).toBe(true);
  });
});
