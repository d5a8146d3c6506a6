/**
 * FLOW and AGGREGATE multipart requests and replies (OpenFlow 1.3.5 §7.3.5.2, §7.3.5.3).
 * Both requests share one body: `table_id u8, pad 3, out_port u32, out_group u32, pad 4,
 * cookie u64, cookie_mask u64, ofp_match`. A cookie/mask filter is how an agent lists only
 * its own flows.
 */

import { ProtocolError } from '../errors.js';
import { need } from './bytes.js';
import {
  OFPG_ANY,
  OFPMP_AGGREGATE,
  OFPMP_FLOW,
  OFPP_ANY,
  OFPT_MULTIPART_REQUEST,
  OFPTT_ALL,
} from './constants.js';
import { instructionsLength, readInstructions, writeInstruction, type Instruction } from './actions.js';
import { OFP_MULTIPART_HEADER_LEN, writeMultipartHeader } from './multipart.js';
import { matchWireLength, readMatch, writeMatch, type Match } from './oxm.js';

export interface FlowStatsFilter {
  /** OFPTT_ALL (default) or one table. */
  readonly tableId?: number;
  readonly outPort?: number;
  readonly outGroup?: number;
  readonly cookie?: bigint;
  /** 0 (default) = any cookie. */
  readonly cookieMask?: bigint;
  /** Flows at least as specific as this match; empty = all. */
  readonly match?: Match;
}

export interface FlowStatsRequest extends FlowStatsFilter {
  readonly type: 'FLOW_STATS_REQUEST' | 'AGGREGATE_STATS_REQUEST';
  readonly xid: number;
}

export interface FlowStatsEntry {
  readonly tableId: number;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly priority: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly flags: number;
  readonly cookie: bigint;
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly match: Match;
  readonly instructions: readonly Instruction[];
}

export interface AggregateStats {
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly flowCount: number;
}

const FLOW_STATS_REQUEST_FIXED = 32;
const FLOW_STATS_ENTRY_FIXED = 48;
export const OFP_AGGREGATE_STATS_REPLY_LEN = 24;

function encodeStatsRequest(mpType: number, xid: number, f: FlowStatsFilter): Buffer {
  const match = f.match ?? [];
  const length = OFP_MULTIPART_HEADER_LEN + FLOW_STATS_REQUEST_FIXED + matchWireLength(match);
  const buf = Buffer.alloc(length);
  writeMultipartHeader(buf, OFPT_MULTIPART_REQUEST, length, xid, mpType, 0);
  const b = OFP_MULTIPART_HEADER_LEN;
  buf[b] = f.tableId ?? OFPTT_ALL;
  buf.writeUInt32BE((f.outPort ?? OFPP_ANY) >>> 0, b + 4);
  buf.writeUInt32BE((f.outGroup ?? OFPG_ANY) >>> 0, b + 8);
  buf.writeBigUInt64BE(f.cookie ?? 0n, b + 16);
  buf.writeBigUInt64BE(f.cookieMask ?? 0n, b + 24);
  writeMatch(buf, b + FLOW_STATS_REQUEST_FIXED, match);
  return buf;
}

export function encodeFlowStatsRequest(xid: number, f: FlowStatsFilter = {}): Buffer {
  return encodeStatsRequest(OFPMP_FLOW, xid, f);
}

export function encodeAggregateStatsRequest(xid: number, f: FlowStatsFilter = {}): Buffer {
  return encodeStatsRequest(OFPMP_AGGREGATE, xid, f);
}

/** Decodes the body of a FLOW or AGGREGATE request (after the multipart header). */
export function readFlowStatsRequestBody(body: Buffer): Required<FlowStatsFilter> {
  need(body, 0, FLOW_STATS_REQUEST_FIXED + 4, 'ofp_flow_stats_request');
  return {
    tableId: body[0]!,
    outPort: body.readUInt32BE(4),
    outGroup: body.readUInt32BE(8),
    cookie: body.readBigUInt64BE(16),
    cookieMask: body.readBigUInt64BE(24),
    match: readMatch(body, FLOW_STATS_REQUEST_FIXED).match,
  };
}

/** Decodes a (reassembled) FLOW reply body into its entries; error offsets are body offsets. */
export function readFlowStatsBody(body: Buffer): FlowStatsEntry[] {
  const entries: FlowStatsEntry[] = [];
  for (let off = 0; off < body.length;) {
    need(body, off, FLOW_STATS_ENTRY_FIXED + 4, 'ofp_flow_stats');
    const length = body.readUInt16BE(off);
    if (length < FLOW_STATS_ENTRY_FIXED + 8 || off + length > body.length) {
      throw new ProtocolError(`flow stats entry length ${length}`, off);
    }
    const end = off + length;
    const { match, next } = readMatch(body, off + FLOW_STATS_ENTRY_FIXED, end);
    entries.push({
      tableId: body[off + 2]!,
      durationSec: body.readUInt32BE(off + 4),
      durationNsec: body.readUInt32BE(off + 8),
      priority: body.readUInt16BE(off + 12),
      idleTimeout: body.readUInt16BE(off + 14),
      hardTimeout: body.readUInt16BE(off + 16),
      flags: body.readUInt16BE(off + 18),
      cookie: body.readBigUInt64BE(off + 24),
      packetCount: body.readBigUInt64BE(off + 32),
      byteCount: body.readBigUInt64BE(off + 40),
      match,
      instructions: readInstructions(body, next, end),
    });
    off = end;
  }
  return entries;
}

/** Encodes entries as a FLOW reply body (a fake switch's view; the inverse of the reader). */
export function writeFlowStatsBody(entries: readonly FlowStatsEntry[]): Buffer {
  let total = 0;
  for (const e of entries)
    total += FLOW_STATS_ENTRY_FIXED + matchWireLength(e.match) + instructionsLength(e.instructions);
  const body = Buffer.alloc(total);
  let off = 0;
  for (const e of entries) {
    const start = off;
    body[off + 2] = e.tableId;
    body.writeUInt32BE(e.durationSec, off + 4);
    body.writeUInt32BE(e.durationNsec, off + 8);
    body.writeUInt16BE(e.priority, off + 12);
    body.writeUInt16BE(e.idleTimeout, off + 14);
    body.writeUInt16BE(e.hardTimeout, off + 16);
    body.writeUInt16BE(e.flags, off + 18);
    body.writeBigUInt64BE(e.cookie, off + 24);
    body.writeBigUInt64BE(e.packetCount, off + 32);
    body.writeBigUInt64BE(e.byteCount, off + 40);
    off = writeMatch(body, off + FLOW_STATS_ENTRY_FIXED, e.match);
    for (const ins of e.instructions) off = writeInstruction(body, off, ins);
    body.writeUInt16BE(off - start, start);
  }
  return body;
}

export function readAggregateStatsBody(body: Buffer): AggregateStats {
  need(body, 0, OFP_AGGREGATE_STATS_REPLY_LEN, 'ofp_aggregate_stats_reply');
  return {
    packetCount: body.readBigUInt64BE(0),
    byteCount: body.readBigUInt64BE(8),
    flowCount: body.readUInt32BE(16),
  };
}

export function writeAggregateStatsBody(s: AggregateStats): Buffer {
  const body = Buffer.alloc(OFP_AGGREGATE_STATS_REPLY_LEN);
  body.writeBigUInt64BE(s.packetCount, 0);
  body.writeBigUInt64BE(s.byteCount, 8);
  body.writeUInt32BE(s.flowCount, 16);
  return body;
}
