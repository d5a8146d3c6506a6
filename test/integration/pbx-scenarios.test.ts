import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallGenerator, type EndpointOptions, type RtpEndpoint } from '../../src/lab/callgen/index.js';
import { AmiProbe, SimulatedPbx, type ProbeMessage, type SimCall } from '../../src/lab/pbx/index.js';
import { Testbed } from '../../src/lab/testbed/index.js';

let bed: Testbed;
let pbx: SimulatedPbx;
let ami: AmiProbe;
const gen = new CallGenerator();
let nextPort = 32000;
let carolPort = 0;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for `cond`, however slowly a loaded machine runs the PBX's timers. */
async function until(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface Phone {
  ep: RtpEndpoint;
  address: string;
  port: number;
}

/** A far phone on an even port with RTCP on the next one; target set once the call exists. */
async function phone(
  address: string,
  opts: Partial<EndpointOptions> = {},
  port = (nextPort += 2),
): Promise<Phone> {
  const v6 = address.includes(':');
  const ep = gen.add({
    rtp: await bed.udpSocket('far', v6 ? 'udp6' : 'udp4', address, port),
    rtcp: await bed.udpSocket('far', v6 ? 'udp6' : 'udp4', address, port + 1),
    target: { address: v6 ? bed.pbx.ipv6 : bed.pbx.ipv4, port: 9 },
    sending: false,
    rtcpIntervalMs: 1000,
    ...opts,
  });
  return { ep, address, port };
}

async function call(
  callerEp = 'alice',
  calleeEp = 'bob',
  o: { v6?: boolean; callerCodec?: 'ulaw' | 'alaw'; calleeCodec?: 'ulaw' | 'alaw'; send?: boolean } = {},
): Promise<{ call: SimCall; a: Phone; b: Phone }> {
  const far = o.v6 ? bed.far.ipv6 : bed.far.ipv4;
  const a = await phone(far[1]!, { payloadType: o.callerCodec === 'alaw' ? 8 : 0 });
  const b = await phone(far[2]!, { payloadType: o.calleeCodec === 'alaw' ? 8 : 0 });
  const c = await pbx.placeCall({
    caller: { endpoint: callerEp, remote: { address: a.address, port: a.port }, codec: o.callerCodec },
    callee: { endpoint: calleeEp, remote: { address: b.address, port: b.port }, codec: o.calleeCodec },
  });
  a.ep.setTarget({ address: c.caller.localAddress, port: c.caller.localRtpPort });
  b.ep.setTarget({ address: c.callee.localAddress, port: c.callee.localRtpPort });
  if (o.send !== false) {
    a.ep.setSending(true);
    b.ep.setSending(true);
  }
  return { call: c, a, b };
}

const since = (mark: number, pred: (m: ProbeMessage) => boolean = () => true): ProbeMessage[] =>
  ami.messages.slice(mark).filter((m) => m.get('Event') !== undefined && pred(m));
const names = (ms: ProbeMessage[]): string[] => ms.map((m) => m.get('Event')!);

async function technology(bridgeId: string): Promise<string | undefined> {
  const info = await ami.list('BridgeInfo', { BridgeUniqueid: bridgeId });
  return info.complete?.get('BridgeTechnology');
}

async function getvar(channel: string, variable: string): Promise<string | undefined> {
  return (await ami.action('Getvar', { Channel: channel, Variable: variable })).get('Value');
}

/** AMI is ordered: once a Ping is answered, every event raised before it has arrived. */
async function settle(): Promise<void> {
  await ami.action('Ping');
}

const hex = (n: number): string => n.toString(16).padStart(8, '0');

beforeAll(async () => {
  bed = await Testbed.create({ farHosts: 4 });
  carolPort = nextPort += 2;
  pbx = await SimulatedPbx.start({
    version: 22,
    driver: 'pjsip',
    ami: {
      host: '127.0.0.1',
      port: 0,
      users: [{ username: 'agent', secret: 'pw', read: 'all', write: 'all' }],
    },
    openRtpSocket: (family, address, port) =>
      bed.udpSocket('pbx', family === 6 ? 'udp6' : 'udp4', address, port),
    localAddress: { ipv4: bed.pbx.ipv4, ipv6: bed.pbx.ipv6 },
    rtcpIntervalMs: 1000,
    endpoints: {
      alice: { extension: '2001', displayName: 'Alice' },
      bob: { extension: '2002', displayName: 'Bob' },
      carol: {
        extension: '2003',
        displayName: 'Carol',
        remote: { address: bed.far.ipv4[3]!, port: carolPort },
      },
      dave: { extension: '2004', rtpTimeout: 2 },
      erin: { extension: '2005', rtpKeepalive: 1 },
      sec: { extension: '2006', mediaEncryption: 'sdes' },
    },
  });
  ami = await AmiProbe.connect('127.0.0.1', pbx.amiAddress().port);
  await ami.login('agent', 'pw');
  gen.start();
}, 60_000);

afterAll(async () => {
  gen.close();
  ami?.close();
  await pbx?.stop();
  await bed?.destroy();
});

describe('call set-up and teardown', () => {
  it('announces a call like Dial() does and is native_rtp by the time BridgeList is asked', async () => {
    const mark = ami.messages.length;
    const { call: c } = await call('alice', 'bob', { send: false });
    await settle();
    const evs = since(
      mark,
      (m) => m.get('Linkedid') === c.caller.uniqueid || m.get('BridgeUniqueid') === c.bridgeId,
    );
    expect(names(evs).filter((n) => n !== 'VarSet')).toEqual([
      'Newchannel',
      'Newchannel',
      'NewConnectedLine',
      'DialBegin',
      'NewConnectedLine',
      'Newstate',
      'DialState',
      'Newstate',
      'DialEnd',
      'Newstate',
      'BridgeCreate',
      'BridgeEnter',
      'BridgeEnter',
    ]);
    const enters = evs.filter((m) => m.get('Event') === 'BridgeEnter');
    expect(enters.map((m) => m.get('BridgeTechnology'))).toEqual(['simple_bridge', 'simple_bridge']);
    expect(enters.map((m) => m.get('BridgeNumChannels'))).toEqual(['1', '2']);
    // The answering callee enters first, its extension cleared by then; the caller second.
    expect(enters.map((m) => [m.get('Channel'), m.get('Exten')])).toEqual([
      [c.callee.channel, ''],
      [c.caller.channel, '2002'],
    ]);
    expect(names(evs).slice(-4)).toEqual(['VarSet', 'VarSet', 'VarSet', 'VarSet']);
    expect(c.caller.channel).toMatch(/^PJSIP\/alice-[0-9a-f]{8}$/);
    expect(await technology(c.bridgeId)).toBe('native_rtp');
    c.hangup();
  });

  it('clears both legs on hangup with cause 16 and no TechCause; a busy answer carries TechCause 486', async () => {
    const { call: c } = await call('alice', 'bob', { send: false });
    await settle();
    let mark = ami.messages.length;
    c.hangup();
    await settle();
    let evs = since(
      mark,
      (m) => m.get('Linkedid') === c.caller.uniqueid || m.get('BridgeUniqueid') === c.bridgeId,
    );
    // The caller's phone sent BYE (HangupRequest); it ran Dial, so its dialplan ends with a
    // soft hangup; the dialled callee is simply hung up. Before the first BridgeLeave both
    // channels get BRIDGEPEER and BRIDGEPVTCALLID emptied (basic-call.jsonl).
    expect(names(evs)).toEqual([
      'HangupRequest',
      'VarSet',
      'VarSet',
      'VarSet',
      'VarSet',
      'BridgeLeave',
      'SoftHangupRequest',
      'Hangup',
      'BridgeLeave',
      'BridgeDestroy',
      'Hangup',
    ]);
    expect(evs.filter((m) => m.get('Event') === 'Hangup').every((m) => m.get('Cause') === '16')).toBe(true);
    expect(evs.some((m) => m.get('TechCause') !== undefined)).toBe(false);
    const { call: busy } = await call('alice', 'bob', { send: false });
    await settle();
    mark = ami.messages.length;
    busy.hangup({ leg: 'callee', cause: 17, techCause: 486 });
    await settle();
    evs = since(mark, (m) => m.get('Event') === 'Hangup' && m.get('Channel') === busy.callee.channel);
    expect([evs[0]?.get('Cause'), evs[0]?.get('Cause-txt'), evs[0]?.get('TechCause')]).toEqual([
      '17',
      'User busy',
      '486',
    ]);
    expect((await ami.list('BridgeList')).items.some((m) => m.get('BridgeUniqueid') === busy.bridgeId)).toBe(
      false,
    );
  });
});

describe('media path changes', () => {
  it('holds: Hold on the holder, MOH to the other party, relay stopped, technology unchanged; unhold resumes with a marker', async () => {
    const { call: c, a, b } = await call();
    await sleep(300);
    const relayedBefore = c.relayed().packets;
    expect(relayedBefore).toBeGreaterThan(0);
    await settle();
    const mark = ami.messages.length;
    c.hold('caller');
    await settle();
    const evs = since(mark, (m) => !m.get('Event')!.startsWith('RTCP'));
    expect(names(evs).filter((n) => n !== 'VarSet')).toEqual(['Hold', 'MusicOnHoldStart']);
    expect(evs[0]!.get('Channel')).toBe(c.caller.channel);
    expect(evs[0]!.get('MusicClass')).toBe('default');
    expect(evs[1]!.get('Channel')).toBe(c.callee.channel);
    expect(evs[1]!.get('Class')).toBe('default');
    expect(evs.filter((m) => m.get('Event') === 'VarSet').map((m) => m.get('Variable'))).toEqual([
      'BRIDGEPEER',
      'BRIDGEPEER',
      'BRIDGEPVTCALLID',
      'BRIDGEPVTCALLID',
    ]);
    expect(await getvar(c.caller.channel, 'CHANNEL(rtp,hold)')).toBe('1');
    expect(await getvar(c.callee.channel, 'CHANNEL(audiowriteformat)')).toBe('slin');
    await sleep(200); // let packets already in flight land
    const aBefore = a.ep.stats().received;
    const relayedHeld = c.relayed().packets;
    await sleep(500);
    expect(c.relayed().packets).toBe(relayedHeld);
    expect(a.ep.stats().received).toBe(aBefore);
    const moh = Object.keys(b.ep.stats().streams).filter((s) => s !== hex(a.ep.ssrc));
    expect(moh).toHaveLength(1); // the PBX's own stream
    expect(await technology(c.bridgeId)).toBe('native_rtp');

    const markers = a.ep.stats().markers;
    const mark2 = ami.messages.length;
    c.unhold('caller');
    await settle();
    expect(
      names(since(mark2, (m) => !m.get('Event')!.startsWith('RTCP'))).filter((n) => n !== 'VarSet'),
    ).toEqual(['Unhold', 'MusicOnHoldStop']);
    await sleep(300);
    expect(c.relayed().packets).toBeGreaterThan(relayedHeld);
    expect(a.ep.stats().received).toBeGreaterThan(aBefore);
    expect(a.ep.stats().markers).toBe(markers + 1);
    c.hangup();
  });

  it('MixMonitor moves the bridge to simple_bridge within milliseconds and back to native_rtp after StopMixMonitor', async () => {
    const { call: c, a, b } = await call();
    await sleep(200);
    const mark = ami.messages.length;
    const r = await ami.action('MixMonitor', { Channel: c.callee.channel, File: 'rec.wav' });
    expect(r.get('Response')).toBe('Success');
    expect(names(since(mark))).toContain('MixMonitorStart');
    await sleep(15);
    expect(await technology(c.bridgeId)).toBe('simple_bridge');
    await sleep(300);
    // simple_bridge: Asterisk re-stamps frames with its own SSRC and sequence.
    const own = Object.keys(a.ep.stats().streams).filter((s) => s !== hex(b.ep.ssrc));
    expect(own).toHaveLength(1);
    expect(a.ep.stats().streams[own[0]!]!.lost).toBe(0);

    const stopAt = performance.now();
    expect((await ami.action('StopMixMonitor', { Channel: c.callee.channel })).get('Response')).toBe(
      'Success',
    );
    // Back to native_rtp only 16–50 ms after the stop (observed on 22.10.1).
    let back = -1;
    while (back < 0 && performance.now() - stopAt < 2000) {
      if (c.technology === 'native_rtp') back = performance.now() - stopAt;
      else await sleep(1);
    }
    expect(back).toBeGreaterThanOrEqual(15);
    expect(back).toBeLessThan(2000);
    expect(await technology(c.bridgeId)).toBe('native_rtp');
    expect(names(since(mark))).toContain('MixMonitorStop');
    c.hangup();
  });

  it('re-INVITE: no event but the VarSet hint, the relay moves to the new address at once with a marker', async () => {
    const { call: c, a, b } = await call();
    await sleep(200);
    const b2 = await phone(bed.far.ipv4[0]!, {
      target: { address: bed.pbx.ipv4, port: c.callee.localRtpPort },
    });
    const mark = ami.messages.length;
    b.ep.setSending(false);
    c.reinvite('callee', { address: b2.address, port: b2.port });
    b2.ep.setSending(true);
    await sleep(400);
    await settle();
    // Nothing but the hint (RTCP reports, class reporting, go on regardless).
    expect(new Set(names(since(mark, (m) => !m.get('Event')!.startsWith('RTCP'))))).toEqual(
      new Set(['VarSet']),
    );
    const s = b2.ep.stats();
    expect(Object.keys(s.streams)).toEqual([hex(a.ep.ssrc)]); // SSRC and sequence unchanged
    expect(s.streams[hex(a.ep.ssrc)]!.lost).toBe(0);
    expect(s.markers).toBe(1);
    expect(s.sources).toEqual({ [`${bed.pbx.ipv4}:${c.callee.localRtpPort}`]: s.received });
    expect(await getvar(c.callee.channel, 'CHANNEL(rtp,dest)')).toBe(`${b2.address}:${b2.port}`);
    c.hangup();
  });

  it('direct media keeps native_rtp, sets CHANNEL(rtp,direct) and stops the local relay', async () => {
    const { call: c, b } = await call();
    await sleep(200);
    c.setDirectMedia(true);
    expect(await getvar(c.caller.channel, 'CHANNEL(rtp,direct)')).toBe(`${b.address}:${b.port}`);
    expect(await technology(c.bridgeId)).toBe('native_rtp');
    const relayed = c.relayed().packets;
    await sleep(300);
    expect(c.relayed().packets).toBe(relayed);
    c.setDirectMedia(false);
    expect(await getvar(c.caller.channel, 'CHANNEL(rtp,direct)')).toBe('(null)');
    await sleep(200);
    expect(c.relayed().packets).toBeGreaterThan(relayed);
    c.hangup();
  });

  it('keeps calls with SRTP configured or different codecs on simple_bridge', async () => {
    const srtp = await call('sec', 'bob', { send: false });
    expect(await technology(srtp.call.bridgeId)).toBe('simple_bridge');
    expect(await getvar(srtp.call.caller.channel, 'CHANNEL(rtp,secure)')).toBe('1');
    const mixed = await call('alice', 'bob', { callerCodec: 'ulaw', calleeCodec: 'alaw', send: false });
    expect(await technology(mixed.call.bridgeId)).toBe('simple_bridge');
    srtp.call.hangup();
    mixed.call.hangup();
  });
});

describe('transfers', () => {
  it('blind transfer by AMI: BlindTransfer, the old bridge dissolves, the transferee is bridged to the target', async () => {
    const carol = await phone(bed.far.ipv4[3]!, {}, carolPort);
    const { call: c, b } = await call();
    await settle();
    const mark = ami.messages.length;
    const enteredCarol = ami.waitEvent('BridgeEnter', (m) =>
      (m.get('Channel') ?? '').startsWith('PJSIP/carol-'),
    );
    const r = await ami.action('BlindTransfer', {
      Channel: c.caller.channel,
      Exten: '2003',
      Context: 'internal',
    });
    expect(r.get('Message')).toBe('Transfer succeeded');
    const enter = await enteredCarol;
    const evs = since(
      mark,
      (m) =>
        m.get('Event') !== 'VarSet' && m.get('Event') !== 'RTCPSent' && m.get('Event') !== 'RTCPReceived',
    );
    expect(names(evs).slice(0, 7)).toEqual([
      'Unhold',
      'BlindTransfer',
      'BridgeLeave',
      'BridgeLeave',
      'BridgeDestroy',
      'SoftHangupRequest',
      'Hangup',
    ]);
    const bt = evs[1]!;
    expect([bt.get('Result'), bt.get('TransfererChannel'), bt.get('TransfereeChannel')]).toEqual([
      'Success',
      c.caller.channel,
      c.callee.channel,
    ]);
    expect([bt.get('IsExternal'), bt.get('Context'), bt.get('Extension'), bt.get('BridgeUniqueid')]).toEqual([
      'Yes',
      'internal',
      '2003',
      c.bridgeId,
    ]);
    expect(evs[0]!.get('Channel')).toBe(c.caller.channel);
    expect(evs[6]!.get('Channel')).toBe(c.caller.channel);
    expect(names(evs)).toContain('BridgeCreate');
    const newBridge = enter.get('BridgeUniqueid')!;
    expect(newBridge).not.toBe(c.bridgeId);
    const carolChannel = enter.get('Channel')!;
    const src = (await getvar(carolChannel, 'CHANNEL(rtp,src)'))!;
    carol.ep.setTarget({ address: bed.pbx.ipv4, port: Number(src.split(':')[1]) });
    carol.ep.setSending(true);
    await sleep(400);
    expect(Object.keys(carol.ep.stats().streams)).toContain(hex(b.ep.ssrc));
    expect(await getvar(c.callee.channel, 'BRIDGEPEER')).toBe(carolChannel);
    carol.ep.setSending(false);
    pbx
      .calls()
      .find((x) => x.bridgeId === newBridge)
      ?.hangup();
  });

  it('attended transfer: the transferee swaps into the consult bridge, AttendedTransfer says DestType Bridge', async () => {
    const first = await call('alice', 'bob');
    const consult = await call('alice', 'carol');
    first.call.hold('caller');
    await settle();
    const mark = ami.messages.length;
    const result = pbx.attendedTransfer(
      { call: first.call, transferer: 'caller' },
      { call: consult.call, transferer: 'caller' },
    );
    await settle();
    const evs = since(mark, (m) => !['VarSet', 'RTCPSent', 'RTCPReceived'].includes(m.get('Event')!));
    const at = evs.find((m) => m.get('Event') === 'AttendedTransfer')!;
    expect([at.get('Result'), at.get('DestType'), at.get('DestBridgeUniqueid')]).toEqual([
      'Success',
      'Bridge',
      consult.call.bridgeId,
    ]);
    expect([at.get('OrigTransfererChannel'), at.get('SecondTransfererChannel')]).toEqual([
      first.call.caller.channel,
      consult.call.caller.channel,
    ]);
    expect([at.get('TransfereeChannel'), at.get('TransferTargetChannel')]).toEqual([
      first.call.callee.channel,
      consult.call.callee.channel,
    ]);
    const swap = evs.find((m) => m.get('Event') === 'BridgeEnter')!;
    expect([swap.get('Channel'), swap.get('BridgeUniqueid'), swap.get('SwapUniqueid')]).toEqual([
      first.call.callee.channel,
      consult.call.bridgeId,
      consult.call.caller.uniqueid,
    ]);
    expect(
      evs
        .filter((m) => m.get('Event') === 'Hangup')
        .map((m) => m.get('Channel'))
        .sort(),
    ).toEqual([first.call.caller.channel, consult.call.caller.channel].sort());
    expect(names(evs)).toContain('MusicOnHoldStop');
    expect([result.caller.channel, result.callee.channel]).toEqual([
      first.call.callee.channel,
      consult.call.callee.channel,
    ]);
    await sleep(400);
    // Bob and Carol keep their ports and now hear each other.
    expect(Object.keys(consult.b.ep.stats().streams)).toContain(hex(first.b.ep.ssrc));
    expect(await technology(result.bridgeId)).toBe('native_rtp');
    result.hangup();
  });
});

describe('RTP timers and RTCP', () => {
  it('hangs up with cause 44 when neither RTP nor RTCP arrives for rtp_timeout', async () => {
    const mark = ami.messages.length;
    const { call: c, a } = await call('dave', 'bob', { send: false });
    a.ep.close(); // dave's phone sends nothing at all, not even RTCP
    const hup = await ami.waitEvent('Hangup', (m) => m.get('Channel') === c.caller.channel, 5000);
    expect([hup.get('Cause'), hup.get('Cause-txt')]).toEqual(['44', 'Requested channel not available']);
    expect(
      since(mark, (m) => m.get('Event') === 'Hangup' && m.get('Channel') === c.callee.channel),
    ).toHaveLength(1);
  });

  it('keeps a call whose phone sends only RTCP alive past rtp_timeout', async () => {
    const { call: c } = await call('dave', 'bob', { send: false });
    await sleep(3000);
    expect(c.ended).toBe(false);
    c.hangup();
  });

  it('sends no keepalive while its own RTCP goes out more often than rtp_keepalive', async () => {
    const { call: c, a } = await call('erin', 'bob', { send: false });
    await sleep(2600);
    expect(a.ep.stats().comfortNoise).toBe(0);
    c.hangup();
  });

  it('injects comfort-noise keepalives when it sent nothing, not even RTCP, for rtp_keepalive', async () => {
    const quiet = await SimulatedPbx.start({
      version: 20,
      driver: 'pjsip',
      ami: { host: '127.0.0.1', port: 0, users: [] },
      openRtpSocket: (family, address, port) =>
        bed.udpSocket('pbx', family === 6 ? 'udp6' : 'udp4', address, port),
      localAddress: { ipv4: bed.pbx.ipv4, ipv6: bed.pbx.ipv6 },
      rtcpIntervalMs: 5000,
      endpoints: { erin: { rtpKeepalive: 1 }, bob: {} },
    });
    try {
      const a = await phone(bed.far.ipv4[1]!, { rtcpIntervalMs: 0 });
      const b = await phone(bed.far.ipv4[2]!, { rtcpIntervalMs: 0 });
      const c = await quiet.placeCall({
        caller: { endpoint: 'erin', remote: { address: a.address, port: a.port } },
        callee: { endpoint: 'bob', remote: { address: b.address, port: b.port } },
      });
      // One keepalive a second once a second passed with nothing sent: two take at least 2 s.
      const started = Date.now();
      await until('two keepalives', () => a.ep.stats().comfortNoise >= 2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
      const s = a.ep.stats();
      expect(s.payloadTypes['13']).toBe(s.comfortNoise);
      expect(b.ep.stats().comfortNoise).toBe(0); // bob's endpoint has no rtp_keepalive
      c.hangup();
    } finally {
      await quiet.stop();
    }
  });

  it('terminates RTCP per leg: RTCPReceived with the SR defect, RTCPSent carrying the forwarded SSRC', async () => {
    const { call: c, a, b } = await call();
    const got = await ami.waitEvent(
      'RTCPReceived',
      (m) => m.get('Channel') === c.caller.channel && m.get('PT') === '200(SR)',
      4000,
    );
    expect(got.get('Privilege')).toBe('reporting,all');
    expect(got.get('From')).toBe(`${a.address}:${a.port + 1}`);
    expect(got.get('SSRC')).not.toBe(`0x${hex(a.ep.ssrc)}`); // the NTP-seconds word, not the sender
    expect(got.get('Report0SourceSSRC')).toBe(`0x${hex(b.ep.ssrc)}`);
    const sent = await ami.waitEvent(
      'RTCPSent',
      (m) => m.get('Channel') === c.caller.channel && m.get('PT') === '200(SR)',
      4000,
    );
    expect(sent.get('To')).toBe(`${a.address}:${a.port + 1}`);
    expect(sent.get('SSRC')).toBe(`0x${hex(b.ep.ssrc)}`); // adopted from the relayed stream
    expect(sent.get('RTT')).toBeUndefined();
    await sleep(50);
    expect(a.ep.stats().rtcpReceived).toBeGreaterThan(0);
    c.hangup();
  });
});

describe('IPv6 and restart', () => {
  it('relays an IPv6 call and prints bracketed addresses', async () => {
    const { call: c, a, b } = await call('alice', 'bob', { v6: true });
    await sleep(400);
    expect(await getvar(c.caller.channel, 'CHANNEL(rtp,src)')).toBe(
      `[${bed.pbx.ipv6}]:${c.caller.localRtpPort}`,
    );
    expect(await getvar(c.callee.channel, 'CHANNEL(rtp,dest)')).toBe(`[${b.address}]:${b.port}`);
    expect(Object.keys(a.ep.stats().sources)).toEqual([`[${bed.pbx.ipv6}]:${c.caller.localRtpPort}`]);
    expect(a.ep.stats().lost).toBe(0);
    c.hangup();
  });

  it('restarts: Shutdown, sessions dropped, calls gone, a new CoreStatus start-up time', async () => {
    await call('alice', 'bob', { send: false });
    const before = await ami.action('CoreStatus');
    const shutdown = ami.waitEvent('Shutdown');
    await pbx.restart();
    expect((await shutdown).get('Restart')).toBe('True');
    await sleep(50);
    expect(ami.closed).toBe(true);
    ami = await AmiProbe.connect('127.0.0.1', pbx.amiAddress().port);
    await ami.login('agent', 'pw');
    const after = await ami.action('CoreStatus');
    expect(`${after.get('CoreStartupDate')} ${after.get('CoreStartupTime')}`).not.toBe(
      `${before.get('CoreStartupDate')} ${before.get('CoreStartupTime')}`,
    );
    expect(after.get('CoreCurrentCalls')).toBe('0');
    expect((await ami.list('BridgeList')).items).toHaveLength(0);
    expect(pbx.calls()).toHaveLength(0);
  });
});
