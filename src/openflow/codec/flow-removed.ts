/**
 * OFPT_FLOW_REMOVED (OpenFlow 1.3.5 §7.4.2): sent with xid 0 for flows that had
 * OFPFF_SEND_FLOW_REM, with their final counters. OVS sends it to every connection that
 * receives asynchronous messages, not just to the one that added the flow, so cookies are
 * what tells whose flow it was.
 */

import { need } from './bytes.js';
import { OFPT_FLOW_REMOVED } from './constants.js';
import { writeHeader } from './header.js';
import { matchWireLength, readMatch, writeMatch, type Match } from './oxm.js';

export interface FlowRemoved {
  readonly type: 'FLOW_REMOVED';
  readonly xid: number;
  readonly cookie: bigint;
  readonly priority: number;
  /** OFPRR_IDLE_TIMEOUT, OFPRR_HARD_TIMEOUT, OFPRR_DELETE or OFPRR_GROUP_DELETE. */
  readonly reason: number;
  readonly tableId: number;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly match: Match;
}

const FLOW_REMOVED_FIXED = 48;

export function encodeFlowRemoved(m: FlowRemoved): Buffer {
  const length = FLOW_REMOVED_FIXED + matchWireLength(m.match);
  const buf = Buffer.alloc(length);
  writeHeader(buf, 0, OFPT_FLOW_REMOVED, length, m.xid);
  buf.writeBigUInt64BE(m.cookie, 8);
  buf.writeUInt16BE(m.priority, 16);
  buf[18] = m.reason;
  buf[19] = m.tableId;
  buf.writeUInt32BE(m.durationSec, 20);
  buf.writeUInt32BE(m.durationNsec, 24);
  buf.writeUInt16BE(m.idleTimeout, 28);
  buf.writeUInt16BE(m.hardTimeout, 30);
  buf.writeBigUInt64BE(m.packetCount, 32);
  buf.writeBigUInt64BE(m.byteCount, 40);
  writeMatch(buf, FLOW_REMOVED_FIXED, m.match);
  return buf;
}

export function decodeFlowRemoved(buf: Buffer): FlowRemoved {
  need(buf, 0, FLOW_REMOVED_FIXED + 4, 'ofp_flow_removed');
  return {
    type: 'FLOW_REMOVED',
    xid: buf.readUInt32BE(4),
    cookie: buf.readBigUInt64BE(8),
    priority: buf.readUInt16BE(16),
    reason: buf[18]!,
    tableId: buf[19]!,
    durationSec: buf.readUInt32BE(20),
    durationNsec: buf.readUInt32BE(24),
    idleTimeout: buf.readUInt16BE(28),
    hardTimeout: buf.readUInt16BE(30),
    packetCount: buf.readBigUInt64BE(32),
    byteCount: buf.readBigUInt64BE(40),
    match: readMatch(buf, FLOW_REMOVED_FIXED).match,
  };
}
