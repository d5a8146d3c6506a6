import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * SIPp scenarios for the phones of a recording run. SIPp carries signalling only; RTP and
 * RTCP come from our own sockets (rtp-phone.ts), so the SDP names their ports through
 * `-key` keywords. Every scenario tolerates UPDATE and re-INVITE from Asterisk (connected
 * line updates after transfers) and answers a BYE from either side.
 */

/** SDP body; `dir` is the audio direction attribute (hold = sendonly). */
function sdp(
  dir: 'sendrecv' | 'sendonly' | 'inactive',
  extra: string,
  version = 1,
  port = '[rtpport]',
): string {
  return [
    'v=0',
    `o=- 5301 ${version} IN IP[local_ip_type] [local_ip]`,
    's=-',
    'c=IN IP[media_ip_type] [local_ip]',
    't=0 0',
    `m=audio ${port} [rtpproto] 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    `a=${dir}`,
    ...extra.split('\n').filter((l) => l !== ''),
  ].join('\r\n');
}

const ALLOW = 'Allow: INVITE, ACK, BYE, CANCEL, UPDATE, OPTIONS';

/** The tail every scenario shares: answer UPDATE/re-INVITE/OPTIONS until a BYE arrives. */
function waitForBye(extraSdp: string): string {
  return `
  <label id="idle"/>
  <recv request="UPDATE" optional="true" next="update"/>
  <recv request="INVITE" optional="true" next="reinvite"/>
  <recv request="OPTIONS" optional="true" next="options"/>
  <recv request="BYE" next="bye"/>
  <label id="update"/>
  <send next="idle"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[service]@[local_ip]:[local_port]>
Content-Length: 0

]]></send>
  <label id="options"/>
  <send next="idle"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
${ALLOW}
Content-Length: 0

]]></send>
  <label id="reinvite"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[service]@[local_ip]:[local_port]>
${ALLOW}
Content-Type: application/sdp
Content-Length: [len]

${sdp('sendrecv', extraSdp)}
]]></send>
  <recv request="ACK" next="idle"/>
  <label id="bye"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <label id="end"/>
`;
}

export interface UasOptions {
  /** Extra SDP lines, e.g. `a=rtcp-mux` or an `a=crypto` line. */
  readonly extraSdp?: string;
}

export function uasScenario(opts: UasOptions = {}): string {
  const extra = opts.extraSdp ?? '';
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uas">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[service]@[local_ip]:[local_port]>
Content-Length: 0

]]></send>
  <pause milliseconds="200"/>
  <send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[service]@[local_ip]:[local_port]>
${ALLOW}
Content-Type: application/sdp
Content-Length: [len]

${sdp('sendrecv', extra)}
]]></send>
  <recv request="ACK"/>
${waitForBye(extra)}
</scenario>
`;
}

/** A callee that rings, then answers 486 Busy Here. */
export function uasBusyScenario(): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uas-busy">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[service]@[local_ip]:[local_port]>
Content-Length: 0

]]></send>
  <pause milliseconds="200"/>
  <send><![CDATA[
SIP/2.0 486 Busy Here
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <recv request="ACK"/>
</scenario>
`;
}

/** One step the calling phone takes after the call is up. */
export type UacStep =
  | { readonly kind: 'pause'; readonly ms: number }
  | {
      readonly kind: 'reinvite';
      readonly dir: 'sendrecv' | 'sendonly' | 'inactive';
      /** Announce this RTP port instead of the phone's own (a phone that moves, or claims to). */
      readonly port?: number;
    }
  | { readonly kind: 'bye' };

export interface UacOptions {
  readonly extraSdp?: string;
  /** Steps after the ACK; without a final `bye`, the phone waits for Asterisk's BYE. */
  readonly steps: readonly UacStep[];
}

export function uacScenario(opts: UacOptions): string {
  const extra = opts.extraSdp ?? '';
  let body = '';
  let cseq = 2;
  let sdpver = 1;
  let endsWithBye = false;
  for (const step of opts.steps) {
    if (step.kind === 'pause') body += `  <pause milliseconds="${step.ms}"/>\n`;
    else if (step.kind === 'reinvite') {
      body += `  <send retrans="500"><![CDATA[
INVITE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "[caller]" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: ${cseq} INVITE
Contact: <sip:[caller]@[local_ip]:[local_port]>
${ALLOW}
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

${sdp(step.dir, extra, ++sdpver, step.port !== undefined ? String(step.port) : undefined)}
]]></send>
  <recv response="100" optional="true"/>
  <recv response="200"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "[caller]" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: ${cseq} ACK
Contact: <sip:[caller]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
`;
      cseq++;
    } else {
      body += `  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "[caller]" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: ${cseq} BYE
Contact: <sip:[caller]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>
`;
      cseq++;
      endsWithBye = true;
    }
  }
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "[caller]" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:[caller]@[local_ip]:[local_port]>
${ALLOW}
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

${sdp('sendrecv', extra)}
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "[caller]" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:[caller]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
${body}${endsWithBye ? '' : waitForBye(extra)}
</scenario>
`;
}

export interface SippRun {
  readonly child: ChildProcess;
  readonly dir: string;
  readonly exited: Promise<number | null>;
  /** SIPp's message and error logs, for diagnosing a failed run. */
  logs(): string;
  stop(): void;
}

export interface SippLaunch {
  readonly ns: string;
  readonly scenario: string;
  readonly localIp: string;
  readonly rtpPort: number;
  readonly user: string;
  /** UAC only: `host:port` of the PBX and the number to call. */
  readonly remote?: string;
  readonly service?: string;
  /** `RTP/AVP`, or `RTP/SAVP` with an `a=crypto` line. */
  readonly rtpProto?: string;
}

const running = new Set<SippRun>();

/** Stops every SIPp this process started that is still running (after a failed scenario). */
export async function stopAllSipp(): Promise<void> {
  for (const r of [...running]) {
    r.stop();
    await Promise.race([r.exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  }
}

/**
 * SIPp binds a UDP control socket on every address, trying 60 ports from `-cp` (default
 * 8888), and exits when none is free: past 60 instances in one namespace (100 calls) each
 * needs its own starting port.
 */
let controlPorts = 0;
const nextControlPort = (): number => 9000 + (controlPorts++ % 2000);

export function startSipp(l: SippLaunch): SippRun {
  const dir = mkdtempSync(join(tmpdir(), 'rtpo-sipp-'));
  const file = join(dir, 'scenario.xml');
  writeFileSync(file, l.scenario);
  const args = [
    'netns',
    'exec',
    l.ns,
    'sipp',
    '-sf',
    file,
    '-i',
    l.localIp,
    '-p',
    '5060',
    '-cp',
    String(nextControlPort()),
    '-m',
    '1',
    '-nostdin',
    '-key',
    'rtpport',
    String(l.rtpPort),
    '-key',
    'caller',
    l.user,
    '-key',
    'rtpproto',
    l.rtpProto ?? 'RTP/AVP',
    '-trace_msg',
    '-trace_err',
    '-timeout',
    '120s',
  ];
  if (l.service !== undefined) args.push('-s', l.service);
  if (l.remote !== undefined) args.push(l.remote);
  const child = spawn('ip', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const run: SippRun = {
    child,
    dir,
    exited,
    logs: () =>
      stderr +
      readdirSync(dir)
        .filter((f) => f.endsWith('.log'))
        .map((f) => `--- ${f}\n${readFileSync(join(dir, f), 'utf8')}`)
        .join('\n'),
    stop: () => {
      if (child.exitCode === null && child.pid !== undefined) child.kill('SIGTERM');
    },
  };
  running.add(run);
  void exited.then(() => running.delete(run));
  return run;
}
