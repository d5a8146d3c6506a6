import { setTimeout as sleep } from 'node:timers/promises';
import { header, type AmiMessage } from './ami.js';
import { RtpPhone, type PhoneOptions, type UdpFactory } from './rtp-phone.js';
import type { RecordingSession } from './session.js';
import { startSipp, uacScenario, uasScenario, type SippRun, type UacStep } from './sipp.js';

/** The far side of the testbed as the scenarios need it. */
export interface FarSide {
  readonly ns: string;
  readonly udp: UdpFactory;
  /** SIP and RTP address of the PBX. */
  readonly pbxIp: string;
  /** Address of each named phone (endpoints are identified by source address). */
  readonly phoneIp: (name: string) => string;
}

export const PHONE_RTP_PORT = 20000;
/** Source port of a phone that sends RTP from somewhere other than its SDP port. */
export const PHONE_ALT_PORT = 20010;

export interface Leg {
  readonly endpoint: string;
  readonly phone: RtpPhone;
  readonly sipp: SippRun;
  channel: string;
  uniqueid: string;
}

export interface Call {
  readonly caller: Leg;
  readonly callee: Leg;
  readonly bridgeId: string;
  readonly enters: readonly AmiMessage[];
}

export interface CallOptions {
  readonly caller: string;
  readonly callee: string;
  readonly exten: string;
  /** What the caller does after the ACK; without a final `bye` it waits for Asterisk's. */
  readonly callerSteps: readonly UacStep[];
  readonly callerPhone?: Partial<PhoneOptions>;
  readonly calleePhone?: Partial<PhoneOptions>;
  readonly callerSdp?: string;
  readonly calleeSdp?: string;
  readonly rtpProto?: string;
}

export async function startPhone(
  far: FarSide,
  name: string,
  extra: Partial<PhoneOptions> = {},
): Promise<RtpPhone> {
  return RtpPhone.create(far.udp, { address: far.phoneIp(name), rtpPort: PHONE_RTP_PORT, ...extra });
}

export function startUas(far: FarSide, name: string, phone: RtpPhone, sdp = '', rtpProto?: string): SippRun {
  return startSipp({
    ns: far.ns,
    scenario: uasScenario({ extraSdp: sdp }),
    localIp: far.phoneIp(name),
    rtpPort: phone.rtpPort,
    user: name,
    ...(rtpProto !== undefined ? { rtpProto } : {}),
  });
}

const isPjsipOf = (endpoint: string) => (m: AmiMessage) =>
  (header(m, 'Channel') ?? '').startsWith(`PJSIP/${endpoint}-`);

/**
 * Places a call through the PBX: the callee's SIPp answers, the caller's SIPp dials, and the
 * call is returned once both channels have entered the same bridge.
 */
export async function placeCall(s: RecordingSession, far: FarSide, o: CallOptions): Promise<Call> {
  const callerPhone = await startPhone(far, o.caller, o.callerPhone);
  const calleePhone = await startPhone(far, o.callee, o.calleePhone);
  const uas = startUas(far, o.callee, calleePhone, o.calleeSdp ?? '', o.rtpProto);
  await sleep(300);
  const enterCaller = s.ami.waitForEvent('BridgeEnter', isPjsipOf(o.caller), 15_000);
  const enterCallee = s.ami.waitForEvent('BridgeEnter', isPjsipOf(o.callee), 15_000);
  s.mark('dial', { caller: o.caller, exten: o.exten });
  const uac = startSipp({
    ns: far.ns,
    scenario: uacScenario({ steps: o.callerSteps, extraSdp: o.callerSdp ?? '' }),
    localIp: far.phoneIp(o.caller),
    rtpPort: callerPhone.rtpPort,
    user: o.caller,
    remote: `${far.pbxIp}:5060`,
    service: o.exten,
    ...(o.rtpProto !== undefined ? { rtpProto: o.rtpProto } : {}),
  });
  let enters: AmiMessage[];
  try {
    enters = await Promise.all([enterCaller, enterCallee]);
  } catch (err) {
    uac.stop();
    uas.stop();
    throw new Error(
      `call ${o.caller}→${o.exten} not bridged: ${(err as Error).message}\nUAC:\n${uac.logs()}\nUAS:\n${uas.logs()}`,
    );
  }
  const [a, b] = enters as [AmiMessage, AmiMessage];
  s.mark('bridged');
  return {
    caller: {
      endpoint: o.caller,
      phone: callerPhone,
      sipp: uac,
      channel: header(a, 'Channel')!,
      uniqueid: header(a, 'Uniqueid')!,
    },
    callee: {
      endpoint: o.callee,
      phone: calleePhone,
      sipp: uas,
      channel: header(b, 'Channel')!,
      uniqueid: header(b, 'Uniqueid')!,
    },
    bridgeId: header(b, 'BridgeUniqueid')!,
    enters,
  };
}

/** `198.51.100.1:10042` → address and port. */
export function parseHostPort(value: string | undefined): { address: string; port: number } | null {
  if (value === undefined) return null;
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(value);
  return m ? { address: m[1]!, port: Number(m[2]) } : null;
}

/** Starts a leg's phone toward Asterisk's bound RTP address for that leg. */
export async function startMedia(s: RecordingSession, leg: Leg): Promise<void> {
  const src = parseHostPort(await s.getvar(leg.channel, 'CHANNEL(rtp,src)'));
  if (!src) throw new Error(`no RTP address for ${leg.channel}`);
  leg.phone.start(src.address, src.port);
}

/** Waits for both SIPp processes to finish (killing them after the timeout) and closes phones. */
export async function finishCall(call: Call, timeoutMs = 20_000): Promise<void> {
  for (const leg of [call.caller, call.callee]) {
    const done = await Promise.race([leg.sipp.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!done) leg.sipp.stop();
    leg.phone.close();
  }
}
