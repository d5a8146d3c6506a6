/**
 * Reading one channel's audio RTP leg with Getvar of CHANNEL() items.
 *
 * chan_pjsip (channels/pjsip/dialplan_functions.c channel_read_rtp): `rtp,src` (bound local
 * address, may be the wildcard), `rtp,dest` (learned remote, else the SDP one), `rtp,direct`,
 * `rtp,secure`, `rtp,hold`. chan_sip (channels/sip/dialplan_functions.c): `rtpsource`,
 * `rtpdest`, `secure_media`. Both: `audionativeformat` (funcs/func_channel.c), plus
 * `audioreadformat` when the native list has several formats.
 *
 * Video and T.38 are not read: either makes the RTP glue FORBID or REMOTE only
 * (bridge_native_rtp.c rtp_glue_data_get, chan_pjsip_get_rtp_peer), so a native_rtp bridge
 * whose legs are not direct carries neither; `otherMedia` stays null ("not read").
 *
 * `Channel:` carries the Uniqueid (action_getvar falls back from name to uniqueid), which is
 * stable across masquerades while the name is not. A flag that cannot be read takes the value
 * that keeps the leg from being offloaded (secure, held, direct), since RtpLeg has no
 * "unknown" for them.
 */

import type { ChannelInfo, RtpLeg, SocketAddr } from '../../model/pbx.js';
import {
  readAddress,
  readDirect,
  readFlag,
  readFormatList,
  readFormatName,
  readSipSecureMedia,
  type Reading,
} from './getvar-values.js';

export interface LegReadBackend {
  /** Getvar; resolves with the `Value` ('' when absent), rejects with AmiError & co. */
  getvar(channelId: string, variable: string): Promise<string>;
  /** chan_sip: the peer's directmedia setting (SIPshowpeer), null when unknown. */
  sipDirectMedia(peer: string): Promise<boolean | null>;
  /** chan_sip: whether Hold (without Unhold) was seen for the channel. */
  heldByEvents(channelId: string): boolean;
  now(): number;
}

export interface LegReadResult {
  readonly leg: RtpLeg;
  /** What could not be read, for the log. */
  readonly problems: readonly string[];
  /** Getvar requests made. */
  readonly requests: number;
}

export const PJSIP_LEG_VARIABLES = [
  'CHANNEL(rtp,src)',
  'CHANNEL(rtp,dest)',
  'CHANNEL(rtp,direct)',
  'CHANNEL(rtp,secure)',
  'CHANNEL(rtp,hold)',
  'CHANNEL(audionativeformat)',
] as const;

export const SIP_LEG_VARIABLES = [
  'CHANNEL(rtpsource)',
  'CHANNEL(rtpdest)',
  'CHANNEL(secure_media)',
  'CHANNEL(audionativeformat)',
] as const;

class Problems {
  readonly list: string[] = [];
  take<T>(variable: string, r: Reading<T>): Reading<T> {
    if (r.kind === 'failed') this.list.push(`${variable}: ${r.why}`);
    return r;
  }
}

function addressOrNull(r: Reading<SocketAddr>): SocketAddr | null {
  return r.kind === 'value' ? r.value : null;
}

function flagOr(r: Reading<boolean>, unsafe: boolean): boolean {
  return r.kind === 'value' ? r.value : unsafe;
}

/** What is already known about a leg, letting the reader skip Getvars. */
export interface KnownLegFacts {
  /** The bound local address from an earlier read of this channel. */
  readonly local?: SocketAddr | null;
  /** The endpoint's `direct_media` (from PJSIPShowEndpoint); undefined when unknown. */
  readonly directMediaConfigured?: boolean;
  /** Whether the endpoint's `media_encryption` is anything but `no`; undefined when unknown. */
  readonly encryptionConfigured?: boolean;
}

/** The fields no AMI read can fill. */
interface LegBase {
  readonly channelId: string;
  readonly remoteLearned: null;
  readonly payloadTypes: null;
}

export async function readRtpLeg(
  backend: LegReadBackend,
  channel: ChannelInfo,
  known: KnownLegFacts = {},
): Promise<LegReadResult> {
  const base: LegBase = {
    channelId: channel.id,
    remoteLearned: null, // AMI cannot tell a learned remote from the SDP one
    payloadTypes: null, // no payload-type numbers are exposed by CHANNEL()
  };
  if (channel.driver !== 'pjsip' && channel.driver !== 'sip') {
    const leg: RtpLeg = {
      ...base,
      local: null,
      remote: null,
      direct: false,
      secure: false,
      hold: false,
      codec: null,
      otherMedia: null,
      readAt: backend.now(),
    };
    return { leg, problems: [`driver ${channel.driver} has no RTP leg readable over AMI`], requests: 0 };
  }
  const skip = skippedVariables(channel, known);
  const all: readonly string[] = channel.driver === 'pjsip' ? PJSIP_LEG_VARIABLES : SIP_LEG_VARIABLES;
  const asked = all.filter((v) => !skip.has(v));
  const answers = await Promise.all(asked.map((v) => backend.getvar(channel.id, v)));
  const byName = new Map(asked.map((v, i) => [v, answers[i] ?? '']));
  const value = (i: number): string => byName.get(all[i]!) ?? '';
  const p = new Problems();
  const { codec, requests } = await readCodec(backend, channel, value(all.length - 1), p);
  const leg =
    channel.driver === 'pjsip'
      ? pjsipLeg(base, value, skip, known, codec, p, backend)
      : await sipLeg(base, value, channel, codec, p, backend);
  return { leg, problems: p.list, requests: asked.length + requests };
}

/**
 * Getvar runs on Asterisk's SIP serializer: ask only what can still change. The bound
 * address stays for the life of the RTP instance, and `direct`/`secure` can only be set on
 * an endpoint configured for direct media / media encryption (chan_pjsip_get_rtp_peer).
 */
function skippedVariables(channel: ChannelInfo, known: KnownLegFacts): Set<string> {
  const skip = new Set<string>();
  if (channel.driver === 'pjsip') {
    if (known.local) skip.add('CHANNEL(rtp,src)');
    if (known.directMediaConfigured === false) skip.add('CHANNEL(rtp,direct)');
    if (known.encryptionConfigured === false) skip.add('CHANNEL(rtp,secure)');
  }
  return skip;
}

/** The codec in use, from the native formats (and the read format when there are several). */
async function readCodec(
  backend: LegReadBackend,
  channel: ChannelInfo,
  nativeFormats: string,
  p: Problems,
): Promise<{ codec: string | null; requests: number }> {
  const formats = p.take('audionativeformat', readFormatList(nativeFormats));
  if (formats.kind !== 'value') return { codec: null, requests: 0 };
  if (formats.value.length === 1) return { codec: formats.value[0] ?? null, requests: 0 };
  // Several native formats: the read format says which one is in use.
  const read = p.take(
    'audioreadformat',
    readFormatName(await backend.getvar(channel.id, 'CHANNEL(audioreadformat)')),
  );
  return { codec: read.kind === 'value' ? read.value : null, requests: 1 };
}

function pjsipLeg(
  base: LegBase,
  value: (i: number) => string,
  skip: ReadonlySet<string>,
  known: KnownLegFacts,
  codec: string | null,
  p: Problems,
  backend: LegReadBackend,
): RtpLeg {
  return {
    ...base,
    local: known.local ?? addressOrNull(p.take('rtp,src', readAddress(value(0)))),
    remote: addressOrNull(p.take('rtp,dest', readAddress(value(1)))),
    direct: skip.has('CHANNEL(rtp,direct)')
      ? false
      : flagOr(p.take('rtp,direct', readDirect(value(2))), true),
    secure: skip.has('CHANNEL(rtp,secure)') ? false : flagOr(p.take('rtp,secure', readFlag(value(3))), true),
    hold: flagOr(p.take('rtp,hold', readFlag(value(4))), true),
    codec,
    otherMedia: null,
    readAt: backend.now(),
  };
}

/**
 * chan_sip: hold and direct media have no CHANNEL() item; the Hold events and the peer's
 * directmedia setting (sip_get_rtp_peer returns REMOTE when it is on) stand in.
 */
async function sipLeg(
  base: LegBase,
  value: (i: number) => string,
  channel: ChannelInfo,
  codec: string | null,
  p: Problems,
  backend: LegReadBackend,
): Promise<RtpLeg> {
  const direct = channel.endpoint ? await backend.sipDirectMedia(channel.endpoint) : null;
  if (direct === null) p.list.push('directmedia of the peer unknown; taken as on');
  return {
    ...base,
    local: addressOrNull(p.take('rtpsource', readAddress(value(0)))),
    remote: addressOrNull(p.take('rtpdest', readAddress(value(1)))),
    direct: direct ?? true,
    secure: flagOr(p.take('secure_media', readSipSecureMedia(value(2))), true),
    hold: backend.heldByEvents(channel.id),
    codec,
    otherMedia: null,
    readAt: backend.now(),
  };
}
