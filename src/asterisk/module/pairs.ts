/**
 * Parsing the items of res_rtp_offload's `RtpOffloadList` (asterisk-module/README.md): one
 * `RtpOffloadPair` event per two-party bridge, with bridge fields and flat `Leg1…`/`Leg2…`
 * fields, delivered by asterisk-manager with lower-cased keys and normalised into
 * `AmiMessage` (case-insensitive `get`). Pure: no I/O, never throws on bad input; an item
 * that cannot be trusted is counted and skipped.
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

function field(msg: AmiMessage, name: string): string {
  const v = msg.get(name);
  if (v === undefined) throw new Malformed(`${name} missing`);
  return v.trim();
}

function optionalField(msg: AmiMessage, name: string): string | undefined {
  return msg.get(name)?.trim();
}

function nonEmpty(msg: AmiMessage, name: string): string {
  const v = field(msg, name);
  if (v === '') throw new Malformed(`${name} empty`);
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
  if (r.kind === 'address') return r.addr;
  if (r.kind === 'unset') return null;
  throw new Malformed(`${name} '${text}': ${r.why}`);
}

function oneOf<T extends string>(msg: AmiMessage, name: string, values: readonly T[]): T {
  const v = field(msg, name).toLowerCase();
  const found = values.find((x) => x === v);
  if (found === undefined) throw new Malformed(`${name} '${v}' is not one of ${values.join('/')}`);
  return found;
}

/** `ulaw=0,telephone-event=101` → `{ulaw: 0, 'telephone-event': 101}`; '' → `{}`. */
export function parsePayloadTypes(text: string): Record<string, number> | null {
  const out: Record<string, number> = {};
  const t = text.trim();
  if (t === '') return out;
  for (const part of t.split(',')) {
    const eq = part.lastIndexOf('=');
    if (eq <= 0) return null;
    const name = part.slice(0, eq).trim();
    const num = part.slice(eq + 1).trim();
    if (name === '' || !/^\d{1,3}$/.test(num) || Number(num) > 127) return null;
    // The first mapping of a format wins, as Asterisk's own lookups take the lowest number.
    if (!(name in out)) out[name] = Number(num);
  }
  return out;
}

function payloadTypes(msg: AmiMessage, name: string): Record<string, number> {
  const text = field(msg, name);
  const r = parsePayloadTypes(text);
  if (r === null) throw new Malformed(`${name} '${text}' is not a name=number list`);
  return r;
}

function hex32(msg: AmiMessage, name: string): number | null {
  const v = optionalField(msg, name);
  if (v === undefined || v === '') return null;
  if (!/^[0-9a-f]{1,8}$/i.test(v)) throw new Malformed(`${name} '${v}' is not hex`);
  return Number.parseInt(v, 16);
}

function count(msg: AmiMessage, name: string): number | null {
  const v = optionalField(msg, name);
  if (v === undefined || v === '') return null;
  if (!/^\d+$/.test(v)) throw new Malformed(`${name} '${v}' is not a count`);
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
  const framing = count(msg, `${p}Framing`);
  const codec = optionalField(msg, `${p}Codec`) ?? '';
  const tx = payloadTypes(msg, `${p}PayloadTypes`);
  const rx = payloadTypes(msg, `${p}RxPayloadTypes`);
  return {
    channelId: nonEmpty(msg, `${p}Uniqueid`),
    channelName: nonEmpty(msg, `${p}Channel`),
    bridgeId: bridge.id,
    peerChannelId: nonEmpty(msg, `${peer}Uniqueid`),
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
    rxPackets: count(msg, `${p}RxPackets`),
    dtmfMode: field(msg, `${p}DtmfMode`),
    rtcp: field(msg, `${p}Rtcp`),
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
    id: nonEmpty(msg, 'BridgeUniqueid'),
    technology: nonEmpty(msg, 'BridgeTechnology'),
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
    bridgeClass: optionalField(msg, 'BridgeType') ?? '',
    mode: bridge.mode,
    legs,
  };
}

/** Parses the collected items of one `RtpOffloadList` reply. */
export function parseModulePairs(items: readonly AmiMessage[], now: number): ModulePairsParse {
  const pairs: ModulePair[] = [];
  const legs = new Map<string, ModuleLeg>();
  const bridges = new Map<string, BridgeTechnology>();
  const problems: string[] = [];
  for (const item of items) {
    const id = item.get('BridgeUniqueid')?.trim();
    const technology = item.get('BridgeTechnology')?.trim();
    try {
      const pair = parsePair(item, now);
      if (legs.has(pair.legs[0].channelId) || legs.has(pair.legs[1].channelId)) {
        throw new Malformed('a channel already listed in another bridge');
      }
      pairs.push(pair);
      bridges.set(pair.bridgeId, pair.technology);
      for (const leg of pair.legs) legs.set(leg.channelId, leg);
    } catch (err) {
      if (!(err instanceof Malformed)) throw err;
      if (id && technology && item.get('Event')?.toLowerCase() === MODULE_ITEM_EVENT.toLowerCase()) {
        bridges.set(id, technology);
      }
      problems.push(`${MODULE_ITEM_EVENT} ${id ?? '(no bridge id)'}: ${err.message}`);
    }
  }
  return { pairs, legs, bridges, malformed: problems.length, problems };
}
