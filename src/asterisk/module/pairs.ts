/**
 * Parsing the items of res_rtp_offload's `RtpOffloadList` (asterisk-module/README.md): one
 * `RtpOffloadPair` event per two-party bridge, with bridge fields and flat `Leg1…`/`Leg2…`
 * fields, delivered by asterisk-manager with lower-cased keys and normalised into
 * `AmiMessage` (case-insensitive `get`). Pure: no I/O, total on hostile input: every field is
 * range-checked against what the module can print, unknown fields are ignored, an item that
 * cannot be trusted is counted and skipped, and nothing is thrown out of it
 * (`parseModulePairs`, `parseModuleListing`).
 */

import type { BridgeTechnology, RtpLeg, SocketAddr } from '../../model/pbx.js';
import type { AmiMessage } from '../ami/message.js';
import { parseSocketAddr } from '../ami/socket-addr.js';

export const MODULE_LIST_ACTION = 'RtpOffloadList';
export const MODULE_ITEM_EVENT = 'RtpOffloadPair';
export const MODULE_COMPLETE_EVENT = 'RtpOffloadListComplete';

/** RTP glue result of a leg's channel driver (`none`: the driver has no RTP glue). */
export type ModuleGlue = 'local' | 'remote' | 'forbid' | 'none';

/** How the module says the remote address was obtained (see the README's rule). */
export type ModuleLearned = 'yes' | 'confirmed' | 'no';

/** An `RtpLeg` plus what only the module can tell. */
export interface ModuleLeg extends RtpLeg {
  readonly channelName: string;
  readonly bridgeId: string;
  /** Uniqueid of the other leg of the same bridge. */
  readonly peerChannelId: string;
  readonly glue: ModuleGlue;
  /** res_rtp_asterisk's packet-to-packet relay is active on this leg. */
  readonly relay: boolean;
  /** The address from the SDP (requested target); `remote` may differ when learned. */
  readonly sdpAddress: SocketAddr | null;
  readonly learned: ModuleLearned;
  /**
   * Payload-type numbers Asterisk accepts from this leg (its own SDP), by format name.
   * `payloadTypes` holds the numbers the remote declared, which Asterisk sends to it.
   */
  readonly rxPayloadTypes: Readonly<Record<string, number>> | null;
  /** Packetization in ms; null when unknown (0). */
  readonly framingMs: number | null;
  /** Asterisk's SSRC on this leg. */
  readonly ssrc: number | null;
  /** The remote's SSRC from received RTP; null when not known. */
  readonly remoteSsrc: number | null;
  /** RTP packets accepted from this leg; null when RTCP is off (no statistics). */
  readonly rxPackets: number | null;
  /** `rfc4733`, `inband`, `none`. */
  readonly dtmfMode: string;
  /** `standard`, `mux`, `off`. */
  readonly rtcp: string;
}

export interface ModulePair {
  readonly bridgeId: string;
  readonly technology: BridgeTechnology;
  /** Bridge class (`basic`, `stasis`). */
  readonly bridgeClass: string;
  /** Combined glue of the pair as native_rtp decides it: `local`, `remote`, `forbid`. */
  readonly mode: string;
  readonly legs: readonly [ModuleLeg, ModuleLeg];
}

export interface ModulePairsParse {
  readonly pairs: readonly ModulePair[];
  /** Every leg of every well-formed item, by channel Uniqueid. */
  readonly legs: Map<string, ModuleLeg>;
  /** Technology of every listed bridge, including ones whose legs were malformed. */
  readonly bridges: Map<string, BridgeTechnology>;
  /** Items skipped as malformed. */
  readonly malformed: number;
  /** Why, one line per skipped item, for the log. */
  readonly problems: readonly string[];
}

class Malformed extends Error {}

/**
 * Longest values the module can print (res_rtp_offload.c buffers, NUL excluded): uniqueids
 * AST_MAX_UNIQUEID, bridge ids AST_UUID_STR_LEN, channel names AST_CHANNEL_NAME, technology and
 * format names 32, payload-type lists 1024. Anything longer did not come from the module.
 */
const MAX_UNIQUEID = 151;
const MAX_BRIDGE_ID = 36;
const MAX_CHANNEL_NAME = 79;
const MAX_NAME = 31;
const MAX_PT_LIST = 1023;
/** Packetization above a second is no RTP framing Asterisk negotiates (formats cap it lower). */
const MAX_FRAMING_MS = 1000;
/** rxcount is an unsigned int. */
const MAX_COUNT = 0xffffffff;

function field(msg: AmiMessage, name: string, maxLength = 256): string {
  const v = msg.get(name);
  if (v === undefined) throw new Malformed(`${name} missing`);
  const t = v.trim();
  if (t.length > maxLength) throw new Malformed(`${name} longer than ${maxLength}`);
  // Control characters cannot come from the module's printf of Asterisk names.
  if (/\p{Cc}/u.test(t)) throw new Malformed(`${name} holds a control character`);
  return t;
}

function optionalField(msg: AmiMessage, name: string, maxLength = 256): string | undefined {
  return msg.get(name) === undefined ? undefined : field(msg, name, maxLength);
}

function nonEmpty(msg: AmiMessage, name: string, maxLength: number): string {
  const v = field(msg, name, maxLength);
  if (v === '') throw new Malformed(`${name} empty`);
  return v;
}

/** A name the module prints from a fixed set or a short Asterisk name (`rfc4733`, `PJSIP`). */
function token(msg: AmiMessage, name: string): string {
  const v = field(msg, name, MAX_NAME);
  if (!/^[\w.+/-]*$/.test(v)) throw new Malformed(`${name} '${v}' is not a name`);
  return v;
}

function yesNo(msg: AmiMessage, name: string): boolean {
  const v = field(msg, name).toLowerCase();
  if (v === 'yes') return true;
  if (v === 'no') return false;
  throw new Malformed(`${name} '${v}' is not yes/no`);
}

function address(msg: AmiMessage, name: string): SocketAddr | null {
  const text = field(msg, name);
  const r = parseSocketAddr(text);
  if (r.kind === 'address') {
    // main/netsock2.c prints no port when it is 0, so ':0' did not come from Asterisk.
    if (r.addr.port === 0) throw new Malformed(`${name} '${text}': port 0`);
    return r.addr;
  }
  if (r.kind === 'unset') return null;
  throw new Malformed(`${name} '${text}': ${r.why}`);
}

function oneOf<T extends string>(msg: AmiMessage, name: string, values: readonly T[]): T {
  const v = field(msg, name).toLowerCase();
  const found = values.find((x) => x === v);
  if (found === undefined) throw new Malformed(`${name} '${v}' is not one of ${values.join('/')}`);
  return found;
}

/**
 * `ulaw=0,telephone-event=101` → `{ulaw: 0, 'telephone-event': 101}`; '' → `{}`; null when
 * not such a list (a number outside 0–127, an empty or over-long name, more than 128 entries).
 */
export function parsePayloadTypes(text: string): Record<string, number> | null {
  // A Map, then own properties: a name such as `__proto__` or `toString` stays a plain key.
  const out = new Map<string, number>();
  const t = text.trim();
  if (t === '') return {};
  const parts = t.split(',');
  if (parts.length > 128) return null;
  for (const part of parts) {
    const eq = part.lastIndexOf('=');
    if (eq <= 0) return null;
    const name = part.slice(0, eq).trim();
    const num = part.slice(eq + 1).trim();
    // Format names are at most 31 characters; `telephone-event/48000` is the longest MIME form.
    if (name === '' || name.length > 63 || !/^\d{1,3}$/.test(num) || Number(num) > 127) return null;
    // The first mapping of a format wins, as Asterisk's own lookups take the lowest number.
    if (!out.has(name)) out.set(name, Number(num));
  }
  return Object.fromEntries(out);
}

/**
 * A payload-type list, or null (unknown) when the module says it was truncated
 * (`…PayloadTypesTruncated: yes`): a list missing entries would let a format look absent on
 * one leg. A module from before the flag sends none, which reads as complete.
 */
function payloadTypes(msg: AmiMessage, name: string): Record<string, number> | null {
  const text = field(msg, name, MAX_PT_LIST);
  const truncated = optionalField(msg, `${name}Truncated`)?.toLowerCase();
  if (truncated !== undefined && truncated !== 'yes' && truncated !== 'no') {
    throw new Malformed(`${name}Truncated '${truncated}' is not yes/no`);
  }
  const r = parsePayloadTypes(text);
  if (r === null) throw new Malformed(`${name} '${text.slice(0, 80)}' is not a name=number list`);
  return truncated === 'yes' ? null : r;
}

function hex32(msg: AmiMessage, name: string): number | null {
  const v = optionalField(msg, name);
  if (v === undefined || v === '') return null;
  if (!/^[0-9a-f]{1,8}$/i.test(v)) throw new Malformed(`${name} '${v}' is not hex`);
  return Number.parseInt(v, 16);
}

function count(msg: AmiMessage, name: string, max: number): number | null {
  const v = optionalField(msg, name);
  if (v === undefined || v === '') return null;
  if (!/^\d{1,10}$/.test(v) || Number(v) > max)
    throw new Malformed(`${name} '${v}' is not a count up to ${max}`);
  return Number(v);
}

/**
 * Video or T.38 on the channel: `Video` yes/no/unknown, `T38` negotiated/negotiating
 * (present) or idle/rejected/unavailable (absent) or unknown. Null when neither says.
 */
function otherMedia(msg: AmiMessage, p: string): boolean | null {
  const video = oneOf(msg, `${p}Video`, ['yes', 'no', 'unknown'] as const);
  const t38 = oneOf(msg, `${p}T38`, [
    'negotiated',
    'negotiating',
    'idle',
    'rejected',
    'unavailable',
    'unknown',
  ] as const);
  if (video === 'yes' || t38 === 'negotiated' || t38 === 'negotiating') return true;
  if (video === 'unknown' || t38 === 'unknown') return null;
  return false;
}

function parseLeg(
  msg: AmiMessage,
  p: 'Leg1' | 'Leg2',
  peer: 'Leg1' | 'Leg2',
  bridge: { id: string; technology: string; mode: string },
  now: number,
): ModuleLeg {
  const hasRtp = yesNo(msg, `${p}HasRtp`);
  const learned = oneOf(msg, `${p}RemoteLearned`, ['yes', 'confirmed', 'no'] as const);
  const framing = count(msg, `${p}Framing`, MAX_FRAMING_MS);
  const codec = optionalField(msg, `${p}Codec`, MAX_NAME) ?? '';
  const tx = payloadTypes(msg, `${p}PayloadTypes`);
  const rx = payloadTypes(msg, `${p}RxPayloadTypes`);
  return {
    channelId: nonEmpty(msg, `${p}Uniqueid`, MAX_UNIQUEID),
    channelName: nonEmpty(msg, `${p}Channel`, MAX_CHANNEL_NAME),
    bridgeId: bridge.id,
    peerChannelId: nonEmpty(msg, `${peer}Uniqueid`, MAX_UNIQUEID),
    local: address(msg, `${p}LocalAddress`),
    remote: address(msg, `${p}RemoteAddress`),
    sdpAddress: address(msg, `${p}SdpAddress`),
    learned,
    remoteLearned: learned !== 'no',
    glue: oneOf(msg, `${p}Glue`, ['local', 'remote', 'forbid', 'none'] as const),
    relay: yesNo(msg, `${p}Relay`),
    // native_rtp with both legs REMOTE re-INVITEs them to each other (bridge_native_rtp.c
    // native_rtp_bridge_start → glue update_peer): media bypasses Asterisk.
    direct: bridge.technology === 'native_rtp' && bridge.mode === 'remote',
    secure: yesNo(msg, `${p}Srtp`),
    hold: yesNo(msg, `${p}OnHold`),
    codec: codec === '' ? null : codec,
    payloadTypes: hasRtp ? tx : null,
    rxPayloadTypes: hasRtp ? rx : null,
    framingMs: framing === 0 ? null : framing,
    ssrc: hex32(msg, `${p}Ssrc`),
    remoteSsrc: hex32(msg, `${p}RemoteSsrc`),
    rxPackets: count(msg, `${p}RxPackets`, MAX_COUNT),
    dtmfMode: token(msg, `${p}DtmfMode`),
    rtcp: token(msg, `${p}Rtcp`),
    otherMedia: otherMedia(msg, p),
    readAt: now,
  };
}

/** One `RtpOffloadPair` item; throws Malformed. */
function parsePair(msg: AmiMessage, now: number): ModulePair {
  const event = msg.get('Event');
  if (event?.toLowerCase() !== MODULE_ITEM_EVENT.toLowerCase()) {
    throw new Malformed(`event '${event ?? ''}' is not ${MODULE_ITEM_EVENT}`);
  }
  const bridge = {
    id: nonEmpty(msg, 'BridgeUniqueid', MAX_BRIDGE_ID),
    technology: nonEmpty(msg, 'BridgeTechnology', MAX_NAME),
    mode: oneOf(msg, 'Mode', ['local', 'remote', 'forbid'] as const),
  };
  const legs: [ModuleLeg, ModuleLeg] = [
    parseLeg(msg, 'Leg1', 'Leg2', bridge, now),
    parseLeg(msg, 'Leg2', 'Leg1', bridge, now),
  ];
  if (legs[0].channelId === legs[1].channelId) throw new Malformed('both legs are the same channel');
  return {
    bridgeId: bridge.id,
    technology: bridge.technology,
    bridgeClass: optionalField(msg, 'BridgeType', MAX_NAME) ?? '',
    mode: bridge.mode,
    legs,
  };
}

/** A bridge id or technology of a malformed item, if it still looks like one. */
function looseName(item: AmiMessage, name: string, maxLength: number): string | undefined {
  const v = item.get(name)?.trim();
  return v !== undefined && v !== '' && v.length <= maxLength && !/\p{Cc}/u.test(v) ? v : undefined;
}

function isItem(item: AmiMessage): boolean {
  return item.get('Event')?.trim().toLowerCase() === MODULE_ITEM_EVENT.toLowerCase();
}

/** Adds one item to the parse, or throws Malformed. */
function addItem(item: AmiMessage, now: number, out: ModulePairsParse & { pairs: ModulePair[] }): void {
  const pair = parsePair(item, now);
  if (out.legs.has(pair.legs[0].channelId) || out.legs.has(pair.legs[1].channelId)) {
    throw new Malformed('a channel already listed in another bridge');
  }
  if (out.pairs.some((p) => p.bridgeId === pair.bridgeId)) throw new Malformed('bridge listed twice');
  out.pairs.push(pair);
  out.bridges.set(pair.bridgeId, pair.technology);
  for (const leg of pair.legs) out.legs.set(leg.channelId, leg);
}

/**
 * Parses the collected items of one `RtpOffloadList` reply. Total: whatever the items hold,
 * it returns, with each item either parsed or counted in `malformed` (one line in `problems`).
 */
export function parseModulePairs(items: readonly AmiMessage[], now: number): ModulePairsParse {
  const out = {
    pairs: [] as ModulePair[],
    legs: new Map<string, ModuleLeg>(),
    bridges: new Map<string, BridgeTechnology>(),
    malformed: 0,
    problems: [] as string[],
  };
  for (const item of items) {
    try {
      addItem(item, now, out);
    } catch (err) {
      const id = looseName(item, 'BridgeUniqueid', MAX_BRIDGE_ID);
      const technology = looseName(item, 'BridgeTechnology', MAX_NAME);
      // The bridge is still known to exist (and its technology), though its legs are not.
      if (id && technology && isItem(item) && !out.bridges.has(id)) out.bridges.set(id, technology);
      const why = err instanceof Malformed ? err.message : `unexpected ${String(err).slice(0, 120)}`;
      out.problems.push(`${MODULE_ITEM_EVENT} ${id ?? '(no usable bridge id)'}: ${why}`);
    }
  }
  return { ...out, malformed: out.problems.length };
}
