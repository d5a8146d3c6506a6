/**
 * OFPT_FLOW_MOD (OpenFlow 1.3.5 §7.3.4.1, `ofp_flow_mod`): a 48-byte fixed part, the padded
 * match, then instructions to the end of the message.
 *
 * The writer puts a message straight into a caller's buffer at an offset, so that a batch of
 * thousands of flow mods becomes one allocation and one socket write.
 */

import { ProtocolError } from '../errors.js';
import { need, put8, put16, put32, put64 } from './bytes.js';
import { OFP13_VERSION, OFP_NO_BUFFER, OFPFC_ADD, OFPG_ANY, OFPP_ANY, OFPT_FLOW_MOD } from './constants.js';
import { instructionsLength, readInstructions, writeInstruction, type Instruction } from './actions.js';
import { matchWireLength, readMatch, writeMatch, type Match } from './oxm.js';

export const OFP_FLOW_MOD_FIXED_LEN = 48;

/**
 * What a caller sets in a flow mod. Omitted fields take the values a controller almost always
 * wants: table 0, no timeouts, NO_BUFFER, out_port/out_group ANY (no delete filter), empty
 * match, no instructions (a drop flow, or nothing for deletes).
 */
export interface FlowModFields {
  /** ADD: the new flow's cookie. MODIFY/DELETE: filter together with `cookieMask`. */
  readonly cookie?: bigint;
  /** 0 = no cookie filter; ignored by ADD. */
  readonly cookieMask?: bigint;
  /** 0 unless several tables are used; OFPTT_ALL (0xff) only for deletes. */
  readonly tableId?: number;
  /** OFPFC_ADD (default), OFPFC_MODIFY[_STRICT], OFPFC_DELETE[_STRICT]. */
  readonly command?: number;
  /** Seconds without a matching packet before the switch removes the flow; 0 = never. */
  readonly idleTimeout?: number;
  readonly hardTimeout?: number;
  /** Higher wins; OVS's default NORMAL flow has priority 0. Defaults to 0x8000 as in the spec. */
  readonly priority?: number;
  readonly bufferId?: number;
  readonly outPort?: number;
  readonly outGroup?: number;
  /** OFPFF_* bits. */
  readonly flags?: number;
  readonly match?: Match;
  readonly instructions?: readonly Instruction[];
}

export interface FlowMod extends Required<FlowModFields> {
  readonly type: 'FLOW_MOD';
  readonly xid: number;
}

/** `OFP_DEFAULT_PRIORITY` (1.3.5 §7.3.4.1). */
export const OFP_DEFAULT_PRIORITY = 0x8000;
const EMPTY_MATCH: Match = [];
const NO_INSTRUCTIONS: readonly Instruction[] = [];

/** Total message length of a flow mod. */
export function flowModLength(f: FlowModFields): number {
  return (
    OFP_FLOW_MOD_FIXED_LEN +
    matchWireLength(f.match ?? EMPTY_MATCH) +
    instructionsLength(f.instructions ?? NO_INSTRUCTIONS)
  );
}

/**
 * Writes a flow mod at `off` and returns the offset after it; `buf` must hold
 * `flowModLength(f)` bytes there. `command` overrides `f.command`, so one spec list can be
 * written as ADDs or as DELETE_STRICTs. The header length is filled in last, from what was
 * written, so a batch writer measures each message once.
 */
export function writeFlowMod(
  buf: Buffer,
  off: number,
  xid: number,
  f: FlowModFields,
  command: number = f.command ?? OFPFC_ADD,
): number {
  const start = off;
  buf[off] = OFP13_VERSION;
  buf[off + 1] = OFPT_FLOW_MOD;
  put32(buf, off + 4, xid);
  put64(buf, off + 8, f.cookie ?? 0n);
  put64(buf, off + 16, f.cookieMask ?? 0n);
  put8(buf, off + 24, f.tableId ?? 0);
  put8(buf, off + 25, command);
  put16(buf, off + 26, f.idleTimeout ?? 0);
  put16(buf, off + 28, f.hardTimeout ?? 0);
  put16(buf, off + 30, f.priority ?? OFP_DEFAULT_PRIORITY);
  put32(buf, off + 32, f.bufferId ?? OFP_NO_BUFFER);
  put32(buf, off + 36, f.outPort ?? OFPP_ANY);
  put32(buf, off + 40, f.outGroup ?? OFPG_ANY);
  put16(buf, off + 44, f.flags ?? 0);
  put16(buf, off + 46, 0); // pad (OF1.4 puts `importance` here)
  off = writeMatch(buf, off + OFP_FLOW_MOD_FIXED_LEN, f.match ?? EMPTY_MATCH);
  const instructions = f.instructions ?? NO_INSTRUCTIONS;
  for (let i = 0; i < instructions.length; i++) off = writeInstruction(buf, off, instructions[i]!);
  put16(buf, start + 2, off - start);
  return off;
}

export function encodeFlowMod(m: FlowMod): Buffer {
  const buf = Buffer.allocUnsafe(flowModLength(m));
  writeFlowMod(buf, 0, m.xid, m, m.command);
  return buf;
}

/** Decodes a whole FLOW_MOD message (header included). */
export function decodeFlowMod(buf: Buffer): FlowMod {
  need(buf, 0, OFP_FLOW_MOD_FIXED_LEN + 4, 'ofp_flow_mod');
  if (buf[1] !== OFPT_FLOW_MOD) throw new ProtocolError(`type ${buf[1]} is not FLOW_MOD`, 1);
  const { match, next } = readMatch(buf, OFP_FLOW_MOD_FIXED_LEN);
  return {
    type: 'FLOW_MOD',
    xid: buf.readUInt32BE(4),
    cookie: buf.readBigUInt64BE(8),
    cookieMask: buf.readBigUInt64BE(16),
    tableId: buf[24]!,
    command: buf[25]!,
    idleTimeout: buf.readUInt16BE(26),
    hardTimeout: buf.readUInt16BE(28),
    priority: buf.readUInt16BE(30),
    bufferId: buf.readUInt32BE(32),
    outPort: buf.readUInt32BE(36),
    outGroup: buf.readUInt32BE(40),
    flags: buf.readUInt16BE(44),
    match,
    instructions: readInstructions(buf, next, buf.length),
  };
}
