import { setTimeout as sleep } from 'node:timers/promises';
import { AmiSession, formatAction, header } from './ami.js';
import { AriEventSocket, ariRequest } from './ari.js';
import { finishCall, placeCall, startMedia, startPhone, startUas, type Call, type FarSide } from './calls.js';
import { RecordingSession, EVENT_MASK, type PbxAccess } from './session.js';
import { Transcript } from './transcript.js';

export interface ScenarioContext {
  readonly access: PbxAccess;
  readonly far: FarSide;
}

/** What a scenario leaves behind: its transcript and any measured values. */
export interface ScenarioResult {
  readonly name: string;
  readonly transcript: Transcript;
  readonly call?: Call;
  readonly facts?: Record<string, unknown>;
}

export type Scenario = (ctx: ScenarioContext) => Promise<ScenarioResult>;

/** Reads the bridge list and the bridge right after the second BridgeEnter (technology switch). */
async function listsAfterBridge(s: RecordingSession, bridgeId: string): Promise<void> {
  s.mark('bridge-lists');
  await s.ami.list('BridgeList');
  await s.ami.list('BridgeInfo', [['BridgeUniqueid', bridgeId]]);
}

async function readBothLegs(
  s: RecordingSession,
  call: Call,
  phase: string,
): Promise<Record<string, Record<string, string | undefined>>> {
  return {
    caller: await s.readLeg(phase, call.caller.channel),
    callee: await s.readLeg(phase, call.callee.channel),
  };
}

async function ariReads(s: RecordingSession, call: Call): Promise<void> {
  s.mark('ari-reads');
  await s.ariGet('/ari/bridges');
  await s.ariGet(`/ari/bridges/${call.bridgeId}`);
  for (const leg of [call.caller, call.callee]) {
    await s.ariGet(
      `/ari/channels/${leg.uniqueid}/variable?variable=${encodeURIComponent('CHANNEL(rtp,dest)')}`,
    );
  }
}

async function hangupBoth(s: RecordingSession, call: Call): Promise<void> {
  const gone = Promise.all(
    [call.caller, call.callee].map((leg) =>
      s.ami.waitForEvent('Hangup', (m) => header(m, 'Uniqueid') === leg.uniqueid, 15_000),
    ),
  );
  const destroyed = s.ami
    .waitForEvent('BridgeDestroy', (m) => header(m, 'BridgeUniqueid') === call.bridgeId, 15_000)
    .catch(() => null);
  await gone;
  await destroyed;
}

/** Banner, a pre-login action, a failed login, a good login, list and status actions, errors. */
export const amiSession: Scenario = async ({ access }) => {
  const t = new Transcript();
  t.mark('pre-login');
  const pre = await AmiSession.open(access.connect, access.amiHost, access.amiPort, t, 'p');
  await pre.action('CoreStatus');
  await pre.action('Ping');
  t.mark('login-failure');
  const started = performance.now();
  await pre.action('Login', [
    ['Username', access.amiUser],
    ['Secret', 'wrong-secret'],
  ]);
  const failMs = Math.round(performance.now() - started);
  await Promise.race([pre.whenClosed(), sleep(3000)]);
  const closedAfterFail = pre.isClosed;
  pre.close();

  t.mark('login');
  const ami = await AmiSession.open(access.connect, access.amiHost, access.amiPort, t, 'l');
  const booted = ami.waitForEvent('FullyBooted', () => true, 3000).catch(() => null);
  await ami.action('Login', [
    ['Username', access.amiUser],
    ['Secret', access.amiSecret],
    ['Events', EVENT_MASK],
  ]);
  await booted;
  t.mark('actions');
  await ami.action('Ping');
  await ami.action('CoreStatus');
  await ami.action('ListCommands');
  await ami.list('CoreShowChannels');
  await ami.list('BridgeList');
  await ami.list('BridgeList', [['BridgeType', 'native_rtp']]);
  await ami.list('BridgeInfo', [['BridgeUniqueid', '00000000-0000-0000-0000-000000000000']]);
  await ami.action('BridgeInfo');
  await ami.list('PJSIPShowEndpoint', [['Endpoint', 'alice']]);
  await ami.list('PJSIPShowEndpoint', [['Endpoint', 'erin']]);
  await ami.list('PJSIPShowEndpoint', [['Endpoint', 'nobody']]);
  await ami.action('Getvar', [
    ['Channel', 'PJSIP/nobody-00000000'],
    ['Variable', 'CHANNEL(rtp,dest)'],
  ]);
  await ami.action('Getvar', [['Channel', 'PJSIP/nobody-00000000']]);
  await ami.action('NoSuchAction');
  t.mark('long-line');
  const longId = ami.newActionId();
  const longWait = ami.waitFor((m) => header(m, 'ActionID') === longId, 3000).catch(() => null);
  ami.writeRaw(formatAction('Getvar', longId, [['Variable', 'X'.repeat(1100)]]));
  await longWait;
  t.mark('events-mask');
  await ami.action('Events', [['EventMask', 'call,reporting']]);
  t.mark('logoff');
  await ami.action('Logoff');
  await Promise.race([ami.whenClosed(), sleep(2000)]);
  ami.close();

  t.mark('ari');
  await ariRequest(access.ari, t, 'GET', '/ari/bridges');
  await ariRequest(access.ari, t, 'GET', '/ari/bridges/00000000-0000-0000-0000-000000000000');
  await ariRequest(
    access.ari,
    t,
    'GET',
    `/ari/channels/1.1/variable?variable=${encodeURIComponent('CHANNEL(rtp,dest)')}`,
  );
  await ariRequest(access.ari, t, 'GET', '/ari/channels');
  await ariRequest({ ...access.ari, password: 'wrong-secret' }, t, 'GET', '/ari/bridges');
  t.mark('ari-ws');
  const ws = await AriEventSocket.open(access.ari, t, access.ariApp);
  await sleep(300);
  ws.close();
  await sleep(300);
  return {
    name: 'ami-session',
    transcript: t,
    facts: { loginFailureReplyMs: failMs, closedAfterLoginFailure: closedAfterFail },
  };
};

/** A two-party call: bridge, technology switch, leg reads before/while/after media, lists, hangup. */
export const basicCall: Scenario = async ({ access, far }) => {
  const s = await RecordingSession.open(access);
  const call = await placeCall(s, far, {
    caller: 'alice',
    callee: 'bob',
    exten: '2002',
    callerSteps: [{ kind: 'pause', ms: 9000 }, { kind: 'bye' }],
  });
  await listsAfterBridge(s, call.bridgeId);
  const before = await readBothLegs(s, call, 'before-media');
  s.mark('media-start');
  await startMedia(s, call.caller);
  await startMedia(s, call.callee);
  await sleep(1500);
  const during = await readBothLegs(s, call, 'during-media');
  s.mark('lists');
  await s.ami.list('BridgeList');
  await s.ami.list('BridgeList', [['BridgeType', 'native_rtp']]);
  await s.ami.list('BridgeList', [['BridgeType', 'basic']]);
  await s.ami.list('BridgeInfo', [['BridgeUniqueid', call.bridgeId]]);
  await s.ami.list('CoreShowChannels');
  await s.ami.action('CoreStatus');
  await s.ami.list('PJSIPShowEndpoint', [['Endpoint', 'bob']]);
  s.mark('getvar-by-uniqueid');
  await s.getvar(call.callee.uniqueid, 'CHANNEL(rtp,dest)');
  await ariReads(s, call);
  s.mark('await-hangup');
  await hangupBoth(s, call);
  const after = await readBothLegs(s, call, 'after-hangup');
  s.mark('ari-after');
  await s.ariGet(`/ari/bridges/${call.bridgeId}`);
  await finishCall(call);
  await s.close();
  return { name: 'basic-call', transcript: s.transcript, call, facts: { before, during, after } };
};

/** The caller holds (re-INVITE sendonly) and resumes (sendrecv). */
export const holdUnhold: Scenario = async ({ access, far }) => {
  const s = await RecordingSession.open(access);
  const call = await placeCall(s, far, {
    caller: 'alice',
    callee: 'bob',
    exten: '2002',
    callerSteps: [
      { kind: 'pause', ms: 5000 },
      { kind: 'reinvite', dir: 'sendonly' },
      { kind: 'pause', ms: 5000 },
      { kind: 'reinvite', dir: 'sendrecv' },
      { kind: 'pause', ms: 4000 },
      { kind: 'bye' },
    ],
  });
  const bridgedAt = performance.now();
  await startMedia(s, call.caller);
  await startMedia(s, call.callee);
  await sleep(1500);
  const before = await readBothLegs(s, call, 'before-hold');
  const hold = s.ami.waitForEvent('Hold', () => true, 10_000);
  // A held phone sends nothing: stop just before the re-INVITE goes out.
  await sleep(Math.max(0, 4700 - (performance.now() - bridgedAt)));
  s.mark('caller-media-stop');
  call.caller.phone.stop();
  await hold;
  const techOnHold = await s.bridgeInfo(call.bridgeId);
  await sleep(800);
  const onHold = await readBothLegs(s, call, 'on-hold');
  await s.ami.list('BridgeInfo', [['BridgeUniqueid', call.bridgeId]]);
  await s.ariGet(`/ari/bridges/${call.bridgeId}`);
  const unhold = await s.ami.waitForEvent('Unhold', () => true, 10_000);
  s.mark('caller-media-start', { after: header(unhold, 'Channel') ?? null });
  await startMedia(s, call.caller);
  await sleep(1000);
  const after = await readBothLegs(s, call, 'after-unhold');
  await s.ami.list('BridgeInfo', [['BridgeUniqueid', call.bridgeId]]);
  s.mark('await-hangup');
  await hangupBoth(s, call);
  await finishCall(call);
  await s.close();
  return {
    name: 'hold-unhold',
    transcript: s.transcript,
    call,
    facts: { before, techOnHold, onHold, after },
  };
};

/** MixMonitor start/stop by AMI action: the bridge leaves and regains native_rtp. */
export const mixMonitor: Scenario = async ({ access, far }) => {
  const s = await RecordingSession.open(access);
  const call = await placeCall(s, far, { caller: 'alice', callee: 'bob', exten: '2002', callerSteps: [] });
  await startMedia(s, call.caller);
  await startMedia(s, call.callee);
  await sleep(1500);
  const startTech = await s.bridgeInfo(call.bridgeId);
  s.mark('mixmonitor-start');
  await s.ami.action('MixMonitor', [
    ['Channel', call.caller.channel],
    ['File', 'recorder-test.wav'],
  ]);
  const toSimpleMs = await s.waitForTechnology(call.bridgeId, 'simple_bridge');
  await sleep(500);
  const recording = await readBothLegs(s, call, 'recording');
  await s.ami.list('BridgeInfo', [['BridgeUniqueid', call.bridgeId]]);
  await s.ariGet(`/ari/bridges/${call.bridgeId}`);
  await sleep(1000);
  s.mark('mixmonitor-stop');
  await s.ami.action('StopMixMonitor', [['Channel', call.caller.channel]]);
  const toNativeMs = await s.waitForTechnology(call.bridgeId, 'native_rtp');
  await s.ami.list('BridgeInfo', [['BridgeUniqueid', call.bridgeId]]);
  await sleep(500);
  s.mark('hangup');
  await s.ami.action('Hangup', [['Channel', call.caller.channel]]);
  await hangupBoth(s, call);
  await finishCall(call);
  await s.close();
  return {
    name: 'mixmonitor',
    transcript: s.transcript,
    call,
    facts: { startTech, toSimpleMs, toNativeMs, recording },
  };
};

/** AMI BlindTransfer: alice (transferer) sends bob to 2003, which rings carol. */
export const blindTransfer: Scenario = async ({ access, far }) => {
  const s = await RecordingSession.open(access);
  const carolPhone = await startPhone(far, 'carol');
  const carolSipp = startUas(far, 'carol', carolPhone);
  const call = await placeCall(s, far, { caller: 'alice', callee: 'bob', exten: '2002', callerSteps: [] });
  await startMedia(s, call.caller);
  await startMedia(s, call.callee);
  await sleep(1500);
  const carolEnter = s.ami.waitForEvent(
    'BridgeEnter',
    (m) => (header(m, 'Channel') ?? '').startsWith('PJSIP/carol-'),
    15_000,
  );
  const transferEvent = s.ami.waitForEvent('BlindTransfer', () => true, 15_000).catch(() => null);
  s.mark('blind-transfer');
  await s.ami.action('BlindTransfer', [
    ['Channel', call.caller.channel],
    ['Exten', '2003'],
    ['Context', 'internal'],
  ]);
  await transferEvent;
  const enter = await carolEnter;
  const carolChannel = header(enter, 'Channel')!;
  const newBridge = header(enter, 'BridgeUniqueid')!;
  await startMedia(s, {
    endpoint: 'carol',
    phone: carolPhone,
    sipp: carolSipp,
    channel: carolChannel,
    uniqueid: header(enter, 'Uniqueid')!,
  });
  await sleep(1000);
  await s.ami.list('BridgeList');
  await s.ami.list('BridgeInfo', [['BridgeUniqueid', newBridge]]);
  const bob = await s.readLeg('after-transfer', call.callee.channel);
  const carol = await s.readLeg('after-transfer', carolChannel);
  s.mark('hangup');
  const carolGone = s.ami.waitForEvent('Hangup', (m) => header(m, 'Channel') === carolChannel, 15_000);
  await s.ami.action('Hangup', [['Channel', call.callee.channel]]);
  await carolGone;
  await finishCall(call);
  await Promise.race([carolSipp.exited, sleep(10_000)]);
  carolSipp.stop();
  carolPhone.close();
  await s.close();
  return { name: 'blind-transfer', transcript: s.transcript, call, facts: { bob, carol } };
};

/** AMI Atxfer: alice consults carol, then hangs up, joining bob and carol. */
export const attendedTransfer: Scenario = async ({ access, far }) => {
  const s = await RecordingSession.open(access);
  const carolPhone = await startPhone(far, 'carol');
  const carolSipp = startUas(far, 'carol', carolPhone);
  const call = await placeCall(s, far, { caller: 'alice', callee: 'bob', exten: '2102', callerSteps: [] });
  await startMedia(s, call.caller);
  await startMedia(s, call.callee);
  await sleep(1500);
  const techWithHooks = await s.bridgeInfo(call.bridgeId);
  const carolEnter = s.ami.waitForEvent(
    'BridgeEnter',
    (m) => (header(m, 'Channel') ?? '').startsWith('PJSIP/carol-'),
    15_000,
  );
  s.mark('atxfer');
  await s.ami.action('Atxfer', [
    ['Channel', call.caller.channel],
    ['Exten', '2003'],
    ['Context', 'internal'],
  ]);
  const enter = await carolEnter;
  const carolChannel = header(enter, 'Channel')!;
  await startMedia(s, {
    endpoint: 'carol',
    phone: carolPhone,
    sipp: carolSipp,
    channel: carolChannel,
    uniqueid: header(enter, 'Uniqueid')!,
  });
  await sleep(1500);
  await s.ami.list('BridgeList');
  await s.ami.list('CoreShowChannels');
  const transferEvent = s.ami.waitForEvent('AttendedTransfer', () => true, 15_000).catch(() => null);
  s.mark('transferer-hangup');
  await s.ami.action('Hangup', [['Channel', call.caller.channel]]);
  const done = await transferEvent;
  await sleep(1500);
  const lists = await s.ami.list('BridgeList');
  for (const item of lists.items) {
    const id = header(item, 'BridgeUniqueid');
    if (id !== undefined) await s.ami.list('BridgeInfo', [['BridgeUniqueid', id]]);
  }
  const bob = await s.readLeg('after-transfer', call.callee.channel);
  const carol = await s.readLeg('after-transfer', carolChannel);
  s.mark('hangup');
  const carolGone = s.ami.waitForEvent('Hangup', (m) => header(m, 'Channel') === carolChannel, 15_000);
  await s.ami.action('Hangup', [['Channel', call.callee.channel]]);
  await carolGone;
  await finishCall(call);
  await Promise.race([carolSipp.exited, sleep(10_000)]);
  carolSipp.stop();
  carolPhone.close();
  await s.close();
  return {
    name: 'attended-transfer',
    transcript: s.transcript,
    call,
    facts: { techWithHooks, transferResult: done ? (header(done, 'Result') ?? null) : null, bob, carol },
  };
};

/** dave has rtp_timeout=6: his phone goes silent (no RTP, no RTCP) and Asterisk hangs up. */
export const rtpTimeout: Scenario = async ({ access, far }) => {
  const s = await RecordingSession.open(access);
  const call = await placeCall(s, far, { caller: 'alice', callee: 'dave', exten: '2202', callerSteps: [] });
  await startMedia(s, call.caller);
  await startMedia(s, call.callee);
  await sleep(2000);
  s.mark('callee-media-stop');
  call.callee.phone.stop();
  const stoppedAt = performance.now();
  const hangup = await s.ami.waitForEvent(
    'Hangup',
    (m) => header(m, 'Uniqueid') === call.callee.uniqueid,
    20_000,
  );
  const afterMs = Math.round(performance.now() - stoppedAt);
  await hangupBoth(s, call).catch(() => undefined);
  await finishCall(call);
  await s.close();
  return {
    name: 'rtp-timeout',
    transcript: s.transcript,
    call,
    facts: { hangupAfterSilenceMs: afterMs, cause: header(hangup, 'Cause') ?? null },
  };
};

/** erin has rtcp_mux=yes and answers with a=rtcp-mux. */
export const rtcpMux: Scenario = async ({ access, far }) => {
  const s = await RecordingSession.open(access);
  const call = await placeCall(s, far, {
    caller: 'alice',
    callee: 'erin',
    exten: '2302',
    callerSteps: [],
    calleePhone: { rtcpMux: true },
    calleeSdp: 'a=rtcp-mux',
  });
  const before = await readBothLegs(s, call, 'before-media');
  await startMedia(s, call.caller);
  await startMedia(s, call.callee);
  await sleep(6000);
  const during = await readBothLegs(s, call, 'during-media');
  await s.ami.list('BridgeInfo', [['BridgeUniqueid', call.bridgeId]]);
  s.mark('hangup');
  await s.ami.action('Hangup', [['Channel', call.caller.channel]]);
  await hangupBoth(s, call);
  await finishCall(call);
  await s.close();
  const erinRtcp = call.callee.phone.rtcpIn.map((r) => r.on);
  return {
    name: 'rtcp-mux',
    transcript: s.transcript,
    call,
    facts: { before, during, erinRtcpArrivedOn: [...new Set(erinRtcp)], erinRtcpCount: erinRtcp.length },
  };
};

const CRYPTO = 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';

/** Both legs SDES-SRTP (media_encryption=sdes): the glue forbids native_rtp. No media is sent. */
export const sdesCall: Scenario = async ({ access, far }) => {
  const s = await RecordingSession.open(access);
  const call = await placeCall(s, far, {
    caller: 'sdesa',
    callee: 'sdesb',
    exten: '2402',
    callerSteps: [],
    callerSdp: CRYPTO,
    calleeSdp: CRYPTO,
    rtpProto: 'RTP/SAVP',
  });
  await sleep(1000);
  const tech = await s.bridgeInfo(call.bridgeId);
  const legs = await readBothLegs(s, call, 'bridged');
  s.mark('hangup');
  await s.ami.action('Hangup', [['Channel', call.caller.channel]]);
  await hangupBoth(s, call);
  await finishCall(call);
  await s.close();
  return { name: 'sdes', transcript: s.transcript, call, facts: { tech, legs } };
};

/**
 * bob's SDP names port 20000 but his RTP leaves from 20010: what CHANNEL(rtp,dest) says
 * before and after the first packet, and where Asterisk sends.
 */
export const learnedAddress: Scenario = async ({ access, far }) => {
  const s = await RecordingSession.open(access);
  const call = await placeCall(s, far, {
    caller: 'alice',
    callee: 'bob',
    exten: '2002',
    callerSteps: [],
    calleePhone: { sendFromPort: 20010 },
  });
  const before = await readBothLegs(s, call, 'before-media');
  s.mark('caller-media-start');
  await startMedia(s, call.caller);
  await sleep(1000);
  const callerOnly = await readBothLegs(s, call, 'caller-media-only');
  s.mark('callee-media-start');
  await startMedia(s, call.callee);
  await sleep(1500);
  const both = await readBothLegs(s, call, 'both-media');
  s.mark('hangup');
  await s.ami.action('Hangup', [['Channel', call.caller.channel]]);
  await hangupBoth(s, call);
  await finishCall(call);
  await s.close();
  const bobRtp = call.callee.phone.rtpIn;
  const onSdpPort = bobRtp.filter((p) => p.on === 'rtp').length;
  const onAltPort = bobRtp.filter((p) => p.on === 'alt').length;
  return {
    name: 'learned-address',
    transcript: s.transcript,
    call,
    facts: { before, callerOnly, both, bobRtpOnSdpPort: onSdpPort, bobRtpOnAltPort: onAltPort },
  };
};

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  'ami-session': amiSession,
  'basic-call': basicCall,
  'hold-unhold': holdUnhold,
  mixmonitor: mixMonitor,
  'blind-transfer': blindTransfer,
  'attended-transfer': attendedTransfer,
  'rtp-timeout': rtpTimeout,
  'rtcp-mux': rtcpMux,
  sdes: sdesCall,
  'learned-address': learnedAddress,
};
