import type { SimBridge, SimChannel } from '../model/objects.js';
import type { HostPort } from '../rtp/address.js';
import { formatSockaddr } from '../rtp/address.js';
import { RTCP_SR, type RtcpReport } from '../rtp/rtcp.js';
import { bridgeBlock, channelBlock } from './blocks.js';
import type { AmiField } from './message.js';
import { EventClass } from './privileges.js';

/** One manager event before the session adds `Event:`/`Privilege:` (manager_event). */
export interface ManagerEvent {
  readonly name: string;
  /** EVENT_FLAG_* bits: decides `Privilege:` and which sessions get it. */
  readonly category: number;
  readonly fields: readonly AmiField[];
}

const call = (name: string, fields: AmiField[]): ManagerEvent => ({
  name,
  category: EventClass.call,
  fields,
});

export const newchannel = (c: SimChannel): ManagerEvent => call('Newchannel', channelBlock(c));
export const newstate = (c: SimChannel): ManagerEvent => call('Newstate', channelBlock(c));

/**
 * NewConnectedLine and NewCallerid (main/manager_channels.c channel_new_connected_line,
 * channel_new_callerid): the channel block after the party information changed.
 */
export const newConnectedLine = (c: SimChannel): ManagerEvent => call('NewConnectedLine', channelBlock(c));
export const newCallerid = (c: SimChannel): ManagerEvent =>
  call('NewCallerid', [...channelBlock(c), ['CID-CallingPres', '0 (Presentation Allowed, Not Screened)']]);

/**
 * DialBegin/DialState/DialEnd (main/manager_channels.c channel_dial_cb): caller block, then
 * `Dest`-prefixed callee. A dial without a calling channel (the bridge dialling the
 * Local/ half of an AMI Atxfer) has no caller block.
 */
const dialFields = (caller: SimChannel | null, callee: SimChannel): AmiField[] => [
  ...(caller ? channelBlock(caller) : []),
  ...channelBlock(callee, 'Dest'),
];
export const dialBegin = (caller: SimChannel | null, callee: SimChannel, dialString: string): ManagerEvent =>
  call('DialBegin', [...dialFields(caller, callee), ['DialString', dialString]]);
export const dialState = (caller: SimChannel | null, callee: SimChannel, status: string): ManagerEvent =>
  call('DialState', [...dialFields(caller, callee), ['DialStatus', status]]);
export const dialEnd = (caller: SimChannel | null, callee: SimChannel, status: string): ManagerEvent =>
  call('DialEnd', [...dialFields(caller, callee), ['DialStatus', status]]);

export const bridgeCreate = (b: SimBridge): ManagerEvent => call('BridgeCreate', bridgeBlock(b));
export const bridgeDestroy = (b: SimBridge): ManagerEvent => call('BridgeDestroy', bridgeBlock(b));

/** BridgeEnter: the bridge snapshot taken during the push, before the technology choice. */
export function bridgeEnter(b: SimBridge, c: SimChannel, swap: SimChannel | null): ManagerEvent {
  const fields: AmiField[] = [...bridgeBlock(b), ...channelBlock(c)];
  if (swap) fields.push(['SwapUniqueid', swap.uniqueid]);
  return call('BridgeEnter', fields);
}
export const bridgeLeave = (b: SimBridge, c: SimChannel): ManagerEvent =>
  call('BridgeLeave', [...bridgeBlock(b), ...channelBlock(c)]);
export const bridgeMerge = (to: SimBridge, from: SimBridge): ManagerEvent =>
  call('BridgeMerge', [...bridgeBlock(to, 'To'), ...bridgeBlock(from, 'From')]);

/** ast_cause2str texts for the causes the lab produces. */
export const CAUSE_TEXT: Readonly<Record<number, string>> = {
  0: 'Unknown',
  16: 'Normal Clearing',
  17: 'User busy',
  19: 'No user responding',
  21: 'Call Rejected',
  44: 'Requested channel not available',
};

/**
 * HangupRequest (ast_queue_hangup_with_cause: the phone sent BYE) and SoftHangupRequest
 * (ast_softhangup): channel_hangup_request_cb. `Cause` is the hangup cause for the first;
 * for a soft hangup it is whatever the publisher put in the blob: the AST_SOFTHANGUP_*
 * flag for ast_softhangup (rtp_check_timeout: AST_SOFTHANGUP_DEV = 1), the hangup cause
 * when the dialplan ends after a bridge.
 */
export const hangupRequest = (c: SimChannel, cause: number): ManagerEvent =>
  call('HangupRequest', [...channelBlock(c), ['Cause', String(cause)]]);
export const softHangupRequest = (c: SimChannel, cause: number): ManagerEvent =>
  call('SoftHangupRequest', [...channelBlock(c), ['Cause', String(cause)]]);

/** Hangup: `TechCause` only when non-zero (20.17/22.7+). */
export function hangup(c: SimChannel, cause: number, techCause = 0): ManagerEvent {
  const fields: AmiField[] = [
    ...channelBlock(c),
    ['Cause', String(cause)],
    ['Cause-txt', CAUSE_TEXT[cause] ?? 'Unknown'],
  ];
  if (techCause !== 0) fields.push(['TechCause', String(techCause)]);
  return call('Hangup', fields);
}

/**
 * Hold (channel_hold_cb): `MusicClass` only when the hold carried one: a phone's sendonly
 * re-INVITE suggests the endpoint's moh_suggest, the hold an Atxfer puts on the transferer
 * suggests none.
 */
export const hold = (c: SimChannel, musicClass: string | null): ManagerEvent =>
  call('Hold', [...channelBlock(c), ...(musicClass ? [['MusicClass', musicClass] as AmiField] : [])]);
export const unhold = (c: SimChannel): ManagerEvent => call('Unhold', channelBlock(c));
export const mohStart = (c: SimChannel, cls: string): ManagerEvent =>
  call('MusicOnHoldStart', [...channelBlock(c), ['Class', cls]]);
export const mohStop = (c: SimChannel): ManagerEvent => call('MusicOnHoldStop', channelBlock(c));
export const mixMonitorStart = (c: SimChannel): ManagerEvent => call('MixMonitorStart', channelBlock(c));
export const mixMonitorStop = (c: SimChannel): ManagerEvent => call('MixMonitorStop', channelBlock(c));

/** VarSet is class dialplan: sessions reading only `call` never see the media-path hint. */
export const varSet = (c: SimChannel, variable: string, value: string): ManagerEvent => ({
  name: 'VarSet',
  category: EventClass.dialplan,
  fields: [...channelBlock(c), ['Variable', variable], ['Value', value]],
});

export const userEvent = (body: readonly string[], name: string): ManagerEvent => ({
  name: 'UserEvent',
  category: EventClass.user,
  fields: [['UserEvent', name], ...body.map((line): AmiField => splitRawLine(line))],
});

/** Keeps a client header line as Asterisk copies it (action_userevent appends it raw). */
function splitRawLine(line: string): AmiField {
  const i = line.indexOf(':');
  if (i < 0) return [line, ''];
  return [line.slice(0, i), line.slice(i + 1).replace(/^ /, '')];
}

/** BlindTransfer (main/stasis_bridges.c blind_transfer_to_ami). */
export function blindTransfer(
  result: string,
  transferer: SimChannel,
  transferee: SimChannel | null,
  bridge: SimBridge | null,
  isExternal: boolean,
  context: string,
  exten: string,
): ManagerEvent {
  return call('BlindTransfer', [
    ['Result', result],
    ...channelBlock(transferer, 'Transferer'),
    ...(transferee ? channelBlock(transferee, 'Transferee') : []),
    ...(bridge ? bridgeBlock(bridge) : []),
    ['IsExternal', isExternal ? 'Yes' : 'No'],
    ['Context', context],
    ['Extension', exten],
  ]);
}

/**
 * AttendedTransfer with DestType Bridge (main/stasis_bridges.c attended_transfer_to_ami):
 * the bridge blocks are built with the prefixes `Orig` and `Second`, so their fields read
 * `OrigBridgeUniqueid`, `SecondBridgeType`, …; transferee and target come before
 * `IsExternal`, `DestType` and the destination.
 */
export function attendedTransfer(o: {
  result: string;
  origTransferer: SimChannel;
  origBridge: SimBridge;
  secondTransferer: SimChannel;
  secondBridge: SimBridge;
  destBridge: SimBridge;
  isExternal: boolean;
  transferee: SimChannel;
  target: SimChannel;
}): ManagerEvent {
  return call('AttendedTransfer', [
    ['Result', o.result],
    ...channelBlock(o.origTransferer, 'OrigTransferer'),
    ...bridgeBlock(o.origBridge, 'Orig'),
    ...channelBlock(o.secondTransferer, 'SecondTransferer'),
    ...bridgeBlock(o.secondBridge, 'Second'),
    ...channelBlock(o.transferee, 'Transferee'),
    ...channelBlock(o.target, 'TransferTarget'),
    ['IsExternal', o.isExternal ? 'Yes' : 'No'],
    ['DestType', 'Bridge'],
    ['DestBridgeUniqueid', o.destBridge.uniqueid],
  ]);
}

export const localOptimization = (
  phase: 'Begin' | 'End',
  one: SimChannel,
  two: SimChannel,
  extra: readonly AmiField[],
): ManagerEvent =>
  call(`LocalOptimization${phase}`, [
    ...channelBlock(one, 'LocalOne'),
    ...channelBlock(two, 'LocalTwo'),
    ...extra,
  ]);

/** LocalBridge (main/core_local.c local_message_to_ami): both halves, then the dialplan target. */
export const localBridge = (one: SimChannel, two: SimChannel, context: string, exten: string): ManagerEvent =>
  call('LocalBridge', [
    ...channelBlock(one, 'LocalOne'),
    ...channelBlock(two, 'LocalTwo'),
    ['Context', context],
    ['Exten', exten],
    ['LocalOptimization', 'Yes'],
  ]);

export const fullyBooted = (uptimeSec: number, lastReloadSec: number): ManagerEvent => ({
  name: 'FullyBooted',
  category: EventClass.system,
  fields: [
    ['Uptime', String(uptimeSec)],
    ['LastReload', String(lastReloadSec)],
    ['Status', 'Fully Booted'],
  ],
});

export const shutdown = (restart: boolean): ManagerEvent => ({
  name: 'Shutdown',
  category: EventClass.system,
  fields: [
    ['Shutdown', 'Cleanly'],
    ['Restart', restart ? 'True' : 'False'],
  ],
});

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

export interface RtcpEventInput {
  readonly channel: SimChannel;
  readonly report: RtcpReport;
  /** Remote RTCP address (`To` when sent, `From` when received). */
  readonly remote: HostPort;
  /** The PBX's own RTCP address (`From` when sent, `To` when received). */
  readonly local: HostPort;
  readonly rttSec: number | null;
  readonly mes: number;
}

/**
 * RTCPSent / RTCPReceived (main/rtp_engine.c rtcp_report_to_ami, blob from
 * res_rtp_asterisk.c). Reproduces two defects seen on 22.10.1: for a received SR the
 * `SSRC` field carries the NTP-seconds word, and `SentNTP` prints the fraction ×4096.
 * `RTT` is only in RTCPReceived.
 */
export function rtcpEvent(kind: 'sent' | 'received', e: RtcpEventInput): ManagerEvent {
  const r = e.report;
  const fields: AmiField[] = [...channelBlock(e.channel)];
  if (kind === 'sent') {
    fields.push(['To', formatSockaddr(e.remote)], ['From', formatSockaddr(e.local)]);
  } else {
    fields.push(['To', formatSockaddr(e.local)], ['From', formatSockaddr(e.remote)]);
    fields.push(['RTT', (e.rttSec ?? 0).toFixed(4)]);
  }
  fields.push(['MES', e.mes.toFixed(1).padStart(4, ' ')]);
  const isSr = r.type === RTCP_SR;
  const ssrc = kind === 'received' && isSr && r.sender ? r.sender.ntpSeconds : r.ssrc;
  fields.push(
    ['SSRC', hex8(ssrc)],
    ['PT', `${r.type}(${isSr ? 'SR' : 'RR'})`],
    ['ReportCount', String(r.blocks.length)],
  );
  if (isSr && r.sender) {
    const usec = Math.floor((r.sender.ntpFraction / 0x1_0000_0000) * 1e6);
    fields.push(
      ['SentNTP', `${r.sender.ntpSeconds - 2_208_988_800}.${String(usec * 4096).padStart(6, '0')}`],
      ['SentRTP', String(r.sender.rtpTimestamp >>> 0)],
      ['SentPackets', String(r.sender.packetCount >>> 0)],
      ['SentOctets', String(r.sender.octetCount >>> 0)],
    );
  }
  r.blocks.forEach((b, i) => {
    fields.push(
      [`Report${i}SourceSSRC`, hex8(b.sourceSsrc)],
      [`Report${i}FractionLost`, String(b.fractionLost)],
      [`Report${i}CumulativeLost`, String(b.cumulativeLost >>> 0)],
      [`Report${i}HighestSequence`, String(b.highestSequence & 0xffff)],
      [`Report${i}SequenceNumberCycles`, String(b.highestSequence >>> 16)],
      [`Report${i}IAJitter`, String(b.jitter >>> 0)],
      [`Report${i}LSR`, String(b.lsr >>> 0)],
      [`Report${i}DLSR`, (b.dlsr / 65536).toFixed(4)],
    );
  });
  return { name: kind === 'sent' ? 'RTCPSent' : 'RTCPReceived', category: EventClass.reporting, fields };
}
