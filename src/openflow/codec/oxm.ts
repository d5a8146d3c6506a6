/**
 * OXM TLVs and `ofp_match` (OpenFlow 1.3.5 §7.2.2). A match is the list of TLVs in wire
 * order, because OVS checks prerequisites strictly in order (lib/nx-match.c `nx_pull_raw`):
 * ETH_TYPE must come before IP fields and IP_PROTO before ports, else BAD_MATCH/BAD_PREREQ.
 * The same TLV format is the payload of a SET_FIELD action.
 */

import { ProtocolError } from '../errors.js';
import {
  need,
  pad8,
  put8,
  put16,
  put32,
  put64,
  readIpv4,
  readIpv6,
  readMac,
  writeIpv4,
  writeIpv6,
  writeMac,
  zero,
} from './bytes.js';
import {
  NXM_NX_IP_FRAG,
  OFPMT_OXM,
  OFPXMC_NXM_1,
  OFPXMC_OPENFLOW_BASIC,
  OFPXMT_OFB_ETH_DST,
  OFPXMT_OFB_ETH_SRC,
  OFPXMT_OFB_ETH_TYPE,
  OFPXMT_OFB_IN_PORT,
  OFPXMT_OFB_IP_DSCP,
  OFPXMT_OFB_IP_ECN,
  OFPXMT_OFB_IP_PROTO,
  OFPXMT_OFB_IPV4_DST,
  OFPXMT_OFB_IPV4_SRC,
  OFPXMT_OFB_IPV6_DST,
  OFPXMT_OFB_IPV6_SRC,
  OFPXMT_OFB_METADATA,
  OFPXMT_OFB_TCP_DST,
  OFPXMT_OFB_TCP_SRC,
  OFPXMT_OFB_UDP_DST,
  OFPXMT_OFB_UDP_SRC,
  OFPXMT_OFB_VLAN_PCP,
  OFPXMT_OFB_VLAN_VID,
} from './constants.js';

export type OxmNumberFieldName =
  | 'IN_PORT'
  | 'ETH_TYPE'
  | 'VLAN_VID'
  | 'VLAN_PCP'
  | 'IP_DSCP'
  | 'IP_ECN'
  | 'IP_PROTO'
  | 'TCP_SRC'
  | 'TCP_DST'
  | 'UDP_SRC'
  | 'UDP_DST'
  /** NXM_NX_IP_FRAG of class NXM_1, which OVS takes as an OXM: `IP_FRAG_NO` = `ip_frag=no`. */
  | 'IP_FRAG';
export type OxmMacFieldName = 'ETH_DST' | 'ETH_SRC';
export type OxmIpv4FieldName = 'IPV4_SRC' | 'IPV4_DST';
export type OxmIpv6FieldName = 'IPV6_SRC' | 'IPV6_DST';

/**
 * One OXM TLV. Named OpenFlow-basic fields carry typed values; an optional `mask` sets the
 * has-mask bit (1.3.5 §7.2.2.3). Anything else (other classes, Nicira/OVS extension fields in
 * flows written by other controllers) stays `RAW` with its payload, so it round-trips.
 */
export type OxmField =
  | { readonly type: OxmNumberFieldName; readonly value: number; readonly mask?: number }
  | { readonly type: 'METADATA'; readonly value: bigint; readonly mask?: bigint }
  | { readonly type: OxmMacFieldName; readonly value: string; readonly mask?: string }
  | { readonly type: OxmIpv4FieldName; readonly value: string; readonly mask?: string }
  | { readonly type: OxmIpv6FieldName; readonly value: string; readonly mask?: string }
  | {
      readonly type: 'RAW';
      readonly oxmClass: number;
      readonly field: number;
      readonly hasMask: boolean;
      /** Everything after the 4-byte TLV header (value, then mask; experimenter id first for class 0xffff). */
      readonly payload: Buffer;
    };

export type OxmFieldName = Exclude<OxmField['type'], 'RAW'>;

/** The match is a list of TLVs, sent in this order. */
export type Match = readonly OxmField[];

type Kind = 'u8' | 'u16' | 'u32' | 'u64' | 'mac' | 'ipv4' | 'ipv6';
interface FieldInfo {
  readonly oxmClass: number;
  readonly field: number;
  readonly kind: Kind;
  readonly size: number;
}

const FIELDS: Readonly<Record<OxmFieldName, FieldInfo>> = {
  IN_PORT: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_IN_PORT, kind: 'u32', size: 4 },
  METADATA: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_METADATA, kind: 'u64', size: 8 },
  ETH_DST: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_ETH_DST, kind: 'mac', size: 6 },
  ETH_SRC: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_ETH_SRC, kind: 'mac', size: 6 },
  ETH_TYPE: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_ETH_TYPE, kind: 'u16', size: 2 },
  VLAN_VID: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_VLAN_VID, kind: 'u16', size: 2 },
  VLAN_PCP: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_VLAN_PCP, kind: 'u8', size: 1 },
  IP_DSCP: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_IP_DSCP, kind: 'u8', size: 1 },
  IP_ECN: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_IP_ECN, kind: 'u8', size: 1 },
  IP_PROTO: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_IP_PROTO, kind: 'u8', size: 1 },
  IPV4_SRC: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_IPV4_SRC, kind: 'ipv4', size: 4 },
  IPV4_DST: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_IPV4_DST, kind: 'ipv4', size: 4 },
  TCP_SRC: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_TCP_SRC, kind: 'u16', size: 2 },
  TCP_DST: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_TCP_DST, kind: 'u16', size: 2 },
  UDP_SRC: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_UDP_SRC, kind: 'u16', size: 2 },
  UDP_DST: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_UDP_DST, kind: 'u16', size: 2 },
  IPV6_SRC: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_IPV6_SRC, kind: 'ipv6', size: 16 },
  IPV6_DST: { oxmClass: OFPXMC_OPENFLOW_BASIC, field: OFPXMT_OFB_IPV6_DST, kind: 'ipv6', size: 16 },
  IP_FRAG: { oxmClass: OFPXMC_NXM_1, field: NXM_NX_IP_FRAG, kind: 'u8', size: 1 },
};

/** OpenFlow-basic field number → its name and layout, for decoding. */
const BY_FIELD: readonly ((FieldInfo & { readonly name: OxmFieldName }) | undefined)[] = (() => {
  const table: ((FieldInfo & { readonly name: OxmFieldName }) | undefined)[] = new Array(128).fill(undefined);
  for (const [name, info] of Object.entries(FIELDS) as [OxmFieldName, FieldInfo][])
    if (info.oxmClass === OFPXMC_OPENFLOW_BASIC) table[info.field] = { ...info, name };
  return table;
})();

/** Bytes of one TLV including its 4-byte header. */
export function oxmFieldLength(f: OxmField): number {
  let size: number;
  switch (f.type) {
    case 'RAW':
      return 4 + f.payload.length;
    case 'IP_PROTO':
    case 'IP_DSCP':
      size = 1;
      break;
    case 'ETH_TYPE':
    case 'UDP_SRC':
    case 'UDP_DST':
      size = 2;
      break;
    case 'IN_PORT':
    case 'IPV4_SRC':
    case 'IPV4_DST':
      size = 4;
      break;
    case 'ETH_SRC':
    case 'ETH_DST':
      size = 6;
      break;
    case 'IPV6_SRC':
    case 'IPV6_DST':
      size = 16;
      break;
    default:
      size = FIELDS[f.type].size;
  }
  return 4 + (f.mask === undefined ? size : size * 2);
}

function writeValue(buf: Buffer, off: number, kind: Kind, value: number | bigint | string): void {
  switch (kind) {
    case 'u8':
      put8(buf, off, value as number);
      return;
    case 'u16':
      put16(buf, off, value as number);
      return;
    case 'u32':
      put32(buf, off, value as number);
      return;
    case 'u64':
      put64(buf, off, value as bigint);
      return;
    case 'mac':
      writeMac(buf, off, value as string);
      return;
    case 'ipv4':
      writeIpv4(buf, off, value as string);
      return;
    case 'ipv6':
      writeIpv6(buf, off, value as string);
      return;
  }
}

const IP_FRAG_INFO = { ...FIELDS.IP_FRAG, name: 'IP_FRAG' } as const;

/** Writes the 4-byte OXM header: class u16 | field u7 | hasmask u1 | length u8 (1.3.5 §7.2.2.2). */
function putOxmHeader(
  buf: Buffer,
  off: number,
  field: number,
  size: number,
  masked: boolean,
  oxmClass = OFPXMC_OPENFLOW_BASIC,
): void {
  buf[off] = oxmClass >>> 8;
  buf[off + 1] = oxmClass & 0xff;
  buf[off + 2] = masked ? (field << 1) | 1 : field << 1;
  buf[off + 3] = masked ? size * 2 : size;
}

function putField(
  buf: Buffer,
  off: number,
  info: FieldInfo,
  value: number | bigint | string,
  mask: number | bigint | string | undefined,
): number {
  const { size, kind } = info;
  putOxmHeader(buf, off, info.field, size, mask !== undefined, info.oxmClass);
  writeValue(buf, off + 4, kind, value);
  if (mask === undefined) return off + 4 + size;
  writeValue(buf, off + 4 + size, kind, mask);
  return off + 4 + size * 2;
}

/**
 * Writes one TLV at `off`; returns the offset after it. The fields of an RTP rewrite flow get
 * their own straight-line cases: this runs ~16 times per flow mod in a batch.
 */
export function writeOxmField(buf: Buffer, off: number, f: OxmField): number {
  switch (f.type) {
    case 'IN_PORT':
      if (f.mask !== undefined) break;
      putOxmHeader(buf, off, OFPXMT_OFB_IN_PORT, 4, false);
      put32(buf, off + 4, f.value);
      return off + 8;
    case 'ETH_TYPE':
    case 'UDP_SRC':
    case 'UDP_DST':
      if (f.mask !== undefined) break;
      putOxmHeader(buf, off, FIELDS[f.type].field, 2, false);
      put16(buf, off + 4, f.value);
      return off + 6;
    case 'IP_PROTO':
    case 'IP_DSCP':
      if (f.mask !== undefined) break;
      putOxmHeader(buf, off, f.type === 'IP_PROTO' ? OFPXMT_OFB_IP_PROTO : OFPXMT_OFB_IP_DSCP, 1, false);
      put8(buf, off + 4, f.value);
      return off + 5;
    case 'IPV4_SRC':
    case 'IPV4_DST':
      if (f.mask !== undefined) break;
      putOxmHeader(buf, off, f.type === 'IPV4_SRC' ? OFPXMT_OFB_IPV4_SRC : OFPXMT_OFB_IPV4_DST, 4, false);
      writeIpv4(buf, off + 4, f.value);
      return off + 8;
    case 'ETH_SRC':
    case 'ETH_DST':
      if (f.mask !== undefined) break;
      putOxmHeader(buf, off, f.type === 'ETH_SRC' ? OFPXMT_OFB_ETH_SRC : OFPXMT_OFB_ETH_DST, 6, false);
      writeMac(buf, off + 4, f.value);
      return off + 10;
    case 'RAW':
      put16(buf, off, f.oxmClass);
      buf[off + 2] = (f.field << 1) | (f.hasMask ? 1 : 0);
      buf[off + 3] = f.payload.length;
      f.payload.copy(buf, off + 4);
      return off + 4 + f.payload.length;
  }
  return putField(buf, off, FIELDS[f.type], f.value, f.mask);
}

function readValue(buf: Buffer, off: number, kind: Kind): number | bigint | string {
  switch (kind) {
    case 'u8':
      return buf[off]!;
    case 'u16':
      return (buf[off]! << 8) | buf[off + 1]!;
    case 'u32':
      return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
    case 'u64':
      return buf.readBigUInt64BE(off);
    case 'mac':
      return readMac(buf, off);
    case 'ipv4':
      return readIpv4(buf, off);
    case 'ipv6':
      return readIpv6(buf, off);
  }
}

/** Reads the TLV at `off`, which must end by `end`; error offsets are offsets into `buf`. */
export function readOxmField(buf: Buffer, off: number, end: number): OxmField {
  if (off + 4 > end) throw new ProtocolError('truncated OXM header', off);
  const oxmClass = buf.readUInt16BE(off);
  const field = buf[off + 2]! >> 1;
  const hasMask = (buf[off + 2]! & 1) === 1;
  const length = buf[off + 3]!;
  if (off + 4 + length > end)
    throw new ProtocolError(`OXM TLV length ${length} runs past the match`, off + 3);
  const info =
    oxmClass === OFPXMC_OPENFLOW_BASIC
      ? BY_FIELD[field]
      : oxmClass === OFPXMC_NXM_1 && field === NXM_NX_IP_FRAG
        ? IP_FRAG_INFO
        : undefined;
  if (info === undefined || length !== (hasMask ? info.size * 2 : info.size)) {
    return {
      type: 'RAW',
      oxmClass,
      field,
      hasMask,
      payload: Buffer.from(buf.subarray(off + 4, off + 4 + length)),
    };
  }
  const value = readValue(buf, off + 4, info.kind);
  // The casts re-join name and value kind, which FIELDS keeps in step.
  if (!hasMask) return { type: info.name, value } as OxmField;
  return { type: info.name, value, mask: readValue(buf, off + 4 + info.size, info.kind) } as OxmField;
}

/** `ofp_match.length`: 4 + the TLVs, without the trailing padding (1.3.5 §7.2.2.1). */
export function matchLength(match: Match): number {
  let n = 4;
  for (let i = 0; i < match.length; i++) n += oxmFieldLength(match[i]!);
  return n;
}

/** Bytes the match occupies on the wire: its length rounded up to 8. */
export function matchWireLength(match: Match): number {
  return pad8(matchLength(match));
}

/** Writes `ofp_match` (type OXM, TLVs, zero padding) at `off`; returns the offset after it. */
export function writeMatch(buf: Buffer, off: number, match: Match): number {
  const start = off;
  put16(buf, off, OFPMT_OXM);
  off += 4;
  for (let i = 0; i < match.length; i++) off = writeOxmField(buf, off, match[i]!);
  const length = off - start;
  put16(buf, start + 2, length);
  const end = start + pad8(length);
  zero(buf, off, end);
  return end;
}

export interface DecodedMatch {
  readonly match: Match;
  /** Offset just after the padded match. */
  readonly next: number;
}

/** Reads `ofp_match` at `off` within `buf[..end]`. Only OXM matches exist in OF1.3. */
export function readMatch(buf: Buffer, off: number, end: number = buf.length): DecodedMatch {
  need(buf, off, 4, 'ofp_match');
  const type = buf.readUInt16BE(off);
  const length = buf.readUInt16BE(off + 2);
  if (type !== OFPMT_OXM) throw new ProtocolError(`match type ${type} is not OXM`, off);
  if (length < 4) throw new ProtocolError(`match length ${length} below 4`, off + 2);
  const tlvEnd = off + length;
  const next = off + pad8(length);
  if (next > end) throw new ProtocolError(`match length ${length} runs past its container`, off + 2);
  const match: OxmField[] = [];
  for (let p = off + 4; p < tlvEnd;) {
    const f = readOxmField(buf, p, tlvEnd);
    match.push(f);
    p += 4 + buf[p + 3]!;
  }
  return { match, next };
}

/** The member of OxmField whose `type` admits `N` (several names share a member). */
export type OxmFieldOf<N extends OxmField['type']> = OxmField extends infer F
  ? F extends { readonly type: infer T }
    ? N extends T
      ? F & { readonly type: N }
      : never
    : never
  : never;

/** The first field of a given name in a match, e.g. `findField(m, 'IPV4_SRC')?.value`. */
export function findField<N extends OxmFieldName>(match: Match, name: N): OxmFieldOf<N> | undefined {
  for (const f of match) if (f.type === name) return f as OxmFieldOf<N>;
  return undefined;
}
