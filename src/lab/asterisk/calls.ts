import { setTimeout as sleep } from 'node:timers/promises';
import type { CallGenerator, RtpEndpoint } from '../callgen/index.js';
import { header, type AmiMessage } from '../recorder/ami.js';
import { parseHostPort } from '../recorder/calls.js';
import type { RecordingSession } from '../recorder/session.js';
import {
  startSipp,
  uacScenario,
  uasBusyScenario,
  uasScenario,
  type SippRun,
  type UacStep,
} from '../recorder/sipp.js';
import type { Testbed } from '../testbed/index.js';

/** A phone of the far namespace: a PJSIP endpoint named after its address index. */
export interface Phone {
  readonly name: string;
  readonly address: string;
}

export interface HostPort {
  readonly address: string;
  readonly port: number;
}

/** One leg of a real call: its channel, Asterisk's RTP address for it, the phone's endpoint. */
export interface Leg {
  readonly phone: Phone;
  readonly channel: string;
  readonly uniqueid: string;
  /** CHANNEL(rtp,src): where the phone sends, and the only source it should hear from. */
  readonly asterisk: HostPort;
  ep: RtpEndpoint;
  readonly sipp: SippRun;
}

export interface RealCall {
  readonly a: Leg;
  readonly b: Leg;
  readonly bridgeId: string;
}

export interface CallSide {
  readonly bed: Testbed;
  readonly gen: CallGenerator;
  readonly session: RecordingSession;
}

export const PHONE_PORT = 20000;

export interface DialOptions {
  /** The dialled extension; default the callee's name (a plain Dial). */
  readonly exten?: string;
  readonly steps?: readonly UacStep[];
  /** RTCP interval of both phones (0 = none). @default 5000 */
  readonly rtcpIntervalMs?: number;
}

const isChannelOf = (p: Phone) => (m: AmiMessage) =>
  (header(m, 'Channel') ?? '').startsWith(`PJSIP/${p.name}-`);

/** Opens a phone's RTP/RTCP sockets on `port` and points it at Asterisk. */
export async function openEndpoint(
  side: CallSide,
  phone: Phone,
  port: number,
  target: HostPort,
  rtcpIntervalMs = 5000,
): Promise<RtpEndpoint> {
  const [rtp, rtcp] = await Promise.all([
    side.bed.udpSocket('far', 'udp4', phone.address, port),
    side.bed.udpSocket('far', 'udp4', phone.address, port + 1),
  ]);
  return side.gen.add({ rtp, rtcp, target, rtcpIntervalMs });
}

/** Asterisk's bound RTP address of a channel. */
export async function asteriskRtp(s: RecordingSession, channel: string): Promise<HostPort> {
  const src = parseHostPort(await s.getvar(channel, 'CHANNEL(rtp,src)'));
  if (!src) throw new Error(`no RTP address for ${channel}`);
  return src;
}

export function startCallee(side: CallSide, callee: Phone, busy = false): SippRun {
  return startSipp({
    ns: side.bed.farNs,
    scenario: busy ? uasBusyScenario() : uasScenario(),
    localIp: callee.address,
    rtpPort: PHONE_PORT,
    user: callee.name,
  });
}

export function startCaller(
  side: CallSide,
  caller: Phone,
  exten: string,
  steps: readonly UacStep[],
): SippRun {
  return startSipp({
    ns: side.bed.farNs,
    scenario: uacScenario({ steps }),
    localIp: caller.address,
    rtpPort: PHONE_PORT,
    user: caller.name,
    remote: `${side.bed.pbx.ipv4}:5060`,
    service: exten,
  });
}

/** Makes a leg once its channel has entered the bridge: reads its RTP address, starts media. */
export async function legOf(
  side: CallSide,
  phone: Phone,
  enter: AmiMessage,
  sipp: SippRun,
  rtcpIntervalMs?: number,
): Promise<Leg> {
  const channel = header(enter, 'Channel')!;
  const asterisk = await asteriskRtp(side.session, channel);
  const ep = await openEndpoint(side, phone, PHONE_PORT, asterisk, rtcpIntervalMs);
  return { phone, channel, uniqueid: header(enter, 'Uniqueid')!, asterisk, ep, sipp };
}

/**
 * Places a call through the real Asterisk: the callee's SIPp answers, the caller's dials;
 * once both channels are in one bridge, both phones start sending RTP toward Asterisk.
 */
export async function dial(
  side: CallSide,
  caller: Phone,
  callee: Phone,
  o: DialOptions = {},
): Promise<RealCall> {
  const uas = startCallee(side, callee);
  await sleep(300);
  const s = side.session;
  const enterA = s.ami.waitForEvent('BridgeEnter', isChannelOf(caller), 20_000);
  const enterB = s.ami.waitForEvent('BridgeEnter', isChannelOf(callee), 20_000);
  const uac = startCaller(side, caller, o.exten ?? callee.name, o.steps ?? []);
  let enters: AmiMessage[];
  try {
    enters = await Promise.all([enterA, enterB]);
  } catch (err) {
    uac.stop();
    uas.stop();
    throw new Error(
      `call ${caller.name}→${callee.name} not bridged: ${(err as Error).message}\n${uac.logs()}`,
    );
  }
  const [ea, eb] = enters as [AmiMessage, AmiMessage];
  const a = await legOf(side, caller, ea, uac, o.rtcpIntervalMs);
  const b = await legOf(side, callee, eb, uas, o.rtcpIntervalMs);
  return { a, b, bridgeId: header(eb, 'BridgeUniqueid')! };
}

/** Media a leg's phone received: loss, and packets from anywhere but Asterisk's leg address. */
export interface StreamFigures {
  readonly received: number;
  readonly lost: number;
  readonly wrongSource: number;
}

export function streamFigures(leg: Leg, pbxAddress: string): StreamFigures {
  const st = leg.ep.stats();
  const expected = `${pbxAddress}:${leg.asterisk.port}`;
  let wrong = 0;
  for (const [src, n] of Object.entries(st.sources)) if (src !== expected) wrong += n;
  return { received: st.received, lost: st.lost, wrongSource: wrong };
}

/** Hangs up a call from the test's AMI session and waits for both Hangup events. */
export async function hangup(s: RecordingSession, call: RealCall, timeoutMs = 15_000): Promise<void> {
  const gone = Promise.all(
    [call.a, call.b].map((l) =>
      s.ami.waitForEvent('Hangup', (m) => header(m, 'Uniqueid') === l.uniqueid, timeoutMs),
    ),
  );
  await s.ami.action('Hangup', [['Channel', call.a.channel]]);
  await gone;
}

/** Ends a call's processes and phones (after a hangup, or a failure). */
export async function finish(call: RealCall): Promise<void> {
  for (const leg of [call.a, call.b]) {
    leg.ep.close();
    await Promise.race([leg.sipp.exited, sleep(5000)]);
    leg.sipp.stop();
  }
}
