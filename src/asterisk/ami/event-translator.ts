/**
 * Asterisk AMI events → the core's `PbxEvent`s. Pure: one message in, one outcome out.
 * Malformed events are reported with what was wrong, never thrown. Event names and fields
 * are those of main/manager_bridges.c, main/manager_channels.c, main/stasis_bridges.c,
 * main/core_local.c, apps/app_mixmonitor.c and main/rtp_engine.c (releases 18–22).
 */

import type { PbxEvent, RtcpReportBlock, SocketAddr } from '../../model/pbx.js';
import {
  FieldProblems,
  optionalField,
  readChannel,
  requireField,
  requireInt,
  type IntRange,
} from './channel-fields.js';
import type { AmiMessage } from './message.js';
import { parseSocketAddr } from './socket-addr.js';

export type Translation =
  | { readonly kind: 'event'; readonly event: PbxEvent }
  /** An event this adapter has no use for (Newexten, DTMF, …). */
  | { readonly kind: 'ignored'; readonly eventName: string }
  | {
      readonly kind: 'malformed';
      readonly eventName: string;
      readonly problems: readonly string[];
      /** The first field found wrong (`Event` when the name itself is missing). */
      readonly field: string;
    };

type Handler = (msg: AmiMessage, p: FieldProblems) => PbxEvent | null;

/** Members of one bridge: far beyond any real bridge, well inside what an int prints. */
const MEMBER_COUNT: IntRange = { min: 0, max: 100_000 };
/** Q.850 cause values are 7 bits; Asterisk's AST_CAUSE_* stay below 128. */
const HANGUP_CAUSE: IntRange = { min: 0, max: 127 };
/** RFC 3550 6.4: the RC field is 5 bits. */
const REPORT_COUNT: IntRange = { min: 0, max: 31 };
const UINT8: IntRange = { min: 0, max: 0xff };
const UINT16: IntRange = { min: 0, max: 0xffff };
/** RFC 3550: cumulative lost is 24-bit signed; Asterisk prints the int as %u or %d. */
const CUMULATIVE_LOST: IntRange = { min: -0x800000, max: 0xffffffff };

/** VarSet of these means the bridge re-evaluated its peers (see media-path-hint). */
const PATH_HINT_VARIABLES = new Set(['BRIDGEPEER', 'BRIDGEPVTCALLID']);

const handlerTable: Readonly<Record<string, Handler>> = {
  bridgecreate: (m, p) => ({
    kind: 'bridge-created',
    bridgeId: requireField(m, 'BridgeUniqueid', p),
    technology: m.get('BridgeTechnology')?.trim() ?? '',
    bridgeClass: m.get('BridgeType')?.trim() ?? '',
  }),
  bridgedestroy: (m, p) => ({ kind: 'bridge-destroyed', bridgeId: requireField(m, 'BridgeUniqueid', p) }),
  // Since 16.24/18.10; the two bridge blocks are prefixed To/From.
  bridgemerge: (m, p) => ({
    kind: 'bridge-merged',
    toBridgeId: requireField(m, 'ToBridgeUniqueid', p),
    fromBridgeId: requireField(m, 'FromBridgeUniqueid', p),
  }),
  // The snapshot is taken during the push, before bridge_reconfigured picks the technology,
  // so BridgeTechnology here is stale (normally simple_bridge even for a native_rtp bridge).
  bridgeenter: (m, p) => ({
    kind: 'channel-entered',
    bridgeId: requireField(m, 'BridgeUniqueid', p),
    channel: readChannel(m, p),
    technology: m.get('BridgeTechnology')?.trim() ?? '',
    memberCount: requireInt(m, 'BridgeNumChannels', p, MEMBER_COUNT),
    swapChannelId: optionalField(m, 'SwapUniqueid'),
  }),
  bridgeleave: (m, p) => ({
    kind: 'channel-left',
    bridgeId: requireField(m, 'BridgeUniqueid', p),
    channel: readChannel(m, p),
    memberCount: requireInt(m, 'BridgeNumChannels', p, MEMBER_COUNT),
  }),
  // Raised on the channel whose remote sent sendonly/inactive (the one being held).
  hold: (m, p) => ({ kind: 'channel-hold', channelId: requireField(m, 'Uniqueid', p) }),
  unhold: (m, p) => ({ kind: 'channel-unhold', channelId: requireField(m, 'Uniqueid', p) }),
  musiconholdstart: (m, p) => ({ kind: 'moh-start', channelId: requireField(m, 'Uniqueid', p) }),
  musiconholdstop: (m, p) => ({ kind: 'moh-stop', channelId: requireField(m, 'Uniqueid', p) }),
  // An audiohook forces simple_bridge (native_rtp_bridge_compatible_check).
  mixmonitorstart: (m, p) => ({
    kind: 'audiohook-start',
    channelId: requireField(m, 'Uniqueid', p),
    what: 'MixMonitor',
  }),
  mixmonitorstop: (m, p) => ({
    kind: 'audiohook-stop',
    channelId: requireField(m, 'Uniqueid', p),
    what: 'MixMonitor',
  }),
  // ChanSpy attaches a spy audiohook to the spyee (apps/app_chanspy.c, blocks Spyer*/Spyee*).
  chanspystart: (m, p) => ({
    kind: 'audiohook-start',
    channelId: requireField(m, 'SpyeeUniqueid', p),
    what: 'ChanSpy',
  }),
  chanspystop: (m, p) => ({
    kind: 'audiohook-stop',
    channelId: requireField(m, 'SpyeeUniqueid', p),
    what: 'ChanSpy',
  }),
  blindtransfer: (m, p) => ({
    kind: 'blind-transfer',
    result: requireField(m, 'Result', p),
    bridgeId: optionalField(m, 'BridgeUniqueid'),
    transfererId: optionalField(m, 'TransfererUniqueid'),
    transfereeId: optionalField(m, 'TransfereeUniqueid'),
  }),
  attendedtransfer: (m, p) => ({
    kind: 'attended-transfer',
    result: requireField(m, 'Result', p),
    origBridgeId: optionalField(m, 'OrigBridgeUniqueid'),
    secondBridgeId: optionalField(m, 'SecondBridgeUniqueid'),
    destBridgeId: optionalField(m, 'DestBridgeUniqueid'),
    destType: m.get('DestType')?.trim() ?? '',
  }),
  localoptimizationbegin: (m, p) => localOptimization(m, p, 'begin'),
  localoptimizationend: (m, p) => localOptimization(m, p, 'end'),
  // VarSet is class `dialplan`. Asterisk re-sets BRIDGEPEER/BRIDGEPVTCALLID with unchanged
  // values on re-INVITE (UPDATE_RTP_PEER), hold, unhold and audiohook changes: the only AMI
  // trace of a media path change. asterisk-manager turns `Variable: X` into `{ X: '' }`.
  varset: (m, p) => {
    const name = Object.keys(m.variables('variable'))[0] ?? m.get('Variable') ?? '';
    if (!PATH_HINT_VARIABLES.has(name.trim().toUpperCase())) return null;
    // Emptied right before a party leaves the bridge (hangup, transfer): BridgeLeave
    // follows; reading the legs now would only ask about channels on their way out.
    if ((m.get('Value') ?? '').trim() === '') return null;
    return { kind: 'media-path-hint', channelId: requireField(m, 'Uniqueid', p) };
  },
  // Cause/Cause-txt always; TechCause only when non-zero (20.17/22.7+), not needed here.
  hangup: (m, p) => ({
    kind: 'hangup',
    channelId: requireField(m, 'Uniqueid', p),
    cause: requireInt(m, 'Cause', p, HANGUP_CAUSE),
    causeText: m.get('Cause-txt')?.trim() ?? '',
  }),
  rtcpreceived: (m, p) => ({
    kind: 'rtcp-received',
    channelId: requireField(m, 'Uniqueid', p),
    from: rtcpAddress(m, 'From', p),
    reports: reportBlocks(m, p),
  }),
  rtcpsent: (m, p) => ({
    kind: 'rtcp-sent',
    channelId: requireField(m, 'Uniqueid', p),
    to: rtcpAddress(m, 'To', p),
    reports: reportBlocks(m, p),
  }),
};

/**
 * Looked up by a name from the wire, so a Map: on a plain object `__proto__`, `constructor`
 * or `toString` would find Object.prototype's members and call them as handlers.
 */
const handlers: ReadonlyMap<string, Handler> = new Map(Object.entries(handlerTable));

function localOptimization(m: AmiMessage, p: FieldProblems, phase: 'begin' | 'end'): PbxEvent {
  const ids = [requireField(m, 'LocalOneUniqueid', p), requireField(m, 'LocalTwoUniqueid', p)];
  const source = optionalField(m, 'SourceUniqueid');
  if (source) ids.push(source);
  return { kind: 'local-optimization', phase, channelIds: ids };
}

function rtcpAddress(m: AmiMessage, field: string, p: FieldProblems): SocketAddr | null {
  const v = m.get(field);
  if (v === undefined) return null;
  const parsed = parseSocketAddr(v);
  if (parsed.kind === 'invalid') {
    p.bad(field, v, `an address (${parsed.why})`);
    return null;
  }
  return parsed.kind === 'address' ? parsed.addr : null;
}

/**
 * Report blocks of rtcp_report_to_ami (main/rtp_engine.c): `Report<N>SourceSSRC` (0x%.8x),
 * `FractionLost`, `CumulativeLost`, `HighestSequence` (low 16 bits) and
 * `SequenceNumberCycles` (high 16 bits). The top-level `SSRC` of an SR is not the sender's
 * SSRC on 22.10.1 (it carries the NTP seconds word), so it is never read.
 */
function reportBlocks(m: AmiMessage, p: FieldProblems): RtcpReportBlock[] {
  const count = m.get('ReportCount') === undefined ? 0 : requireInt(m, 'ReportCount', p, REPORT_COUNT);
  const blocks: RtcpReportBlock[] = [];
  for (let i = 0; i < count; i++) {
    const ssrcText = m.get(`Report${i}SourceSSRC`)?.trim();
    if (ssrcText === undefined) {
      p.missing(`Report${i}SourceSSRC`);
      continue;
    }
    if (!/^(0x)?[0-9a-f]{1,8}$/i.test(ssrcText)) {
      p.bad(`Report${i}SourceSSRC`, ssrcText, 'a 32-bit hex number');
      continue;
    }
    const highest = requireInt(m, `Report${i}HighestSequence`, p, UINT16);
    const cycles =
      m.get(`Report${i}SequenceNumberCycles`) === undefined
        ? 0
        : requireInt(m, `Report${i}SequenceNumberCycles`, p, UINT16);
    blocks.push({
      sourceSsrc: parseInt(ssrcText.replace(/^0x/i, ''), 16),
      fractionLost: requireInt(m, `Report${i}FractionLost`, p, UINT8),
      cumulativeLost: requireInt(m, `Report${i}CumulativeLost`, p, CUMULATIVE_LOST),
      highestSequence: cycles * 0x10000 + highest,
    });
  }
  return blocks;
}

/** Translates one asynchronous AMI event (never a response or a list item). */
export function translateEvent(msg: AmiMessage): Translation {
  const eventName = msg.eventName?.trim() ?? '';
  if (eventName === '')
    return { kind: 'malformed', eventName: '', problems: ['missing Event'], field: 'Event' };
  const handler = handlers.get(eventName.toLowerCase());
  if (!handler) return { kind: 'ignored', eventName };
  const problems = new FieldProblems();
  const event = handler(msg, problems);
  if (!problems.ok) {
    return { kind: 'malformed', eventName, problems: problems.list, field: problems.fields[0] ?? '' };
  }
  if (event === null) return { kind: 'ignored', eventName };
  return { kind: 'event', event };
}

/** Event names this translator turns into PbxEvents (lower-case). */
export const TRANSLATED_EVENTS: readonly string[] = [...handlers.keys()];
