/**
 * Instructions (OpenFlow 1.3.5 §7.2.4) and actions (§7.2.5). Every action and instruction
 * length is a multiple of 8; OVS answers BAD_REQUEST/BAD_LEN otherwise.
 */

import { ProtocolError } from '../errors.js';
import { pad8, put8, put16, put32, put64, zero } from './bytes.js';
import {
  OFPAT_DEC_NW_TTL,
  OFPAT_GROUP,
  OFPAT_OUTPUT,
  OFPAT_POP_VLAN,
  OFPAT_PUSH_VLAN,
  OFPAT_SET_FIELD,
  OFPAT_SET_NW_TTL,
  OFPAT_SET_QUEUE,
  OFPIT_APPLY_ACTIONS,
  OFPIT_CLEAR_ACTIONS,
  OFPIT_GOTO_TABLE,
  OFPIT_METER,
  OFPIT_WRITE_ACTIONS,
  OFPIT_WRITE_METADATA,
} from './constants.js';
import { oxmFieldLength, readOxmField, writeOxmField, type OxmField } from './oxm.js';

export type Action =
  /** `max_len` only matters for OFPP_CONTROLLER; ovs-ofctl sends 0 otherwise. */
  | { readonly type: 'OUTPUT'; readonly port: number; readonly maxLen?: number }
  /** One unmasked OXM TLV; OVS checks it against the match's prerequisites (MATCH_INCONSISTENT). */
  | { readonly type: 'SET_FIELD'; readonly field: OxmField }
  /** Sets the IPv4 TTL, or the IPv6 hop limit (OVS `set_ip_ttl` covers both). */
  | { readonly type: 'SET_NW_TTL'; readonly ttl: number }
  | { readonly type: 'DEC_NW_TTL' }
  | { readonly type: 'GROUP'; readonly groupId: number }
  | { readonly type: 'SET_QUEUE'; readonly queueId: number }
  | { readonly type: 'PUSH_VLAN'; readonly ethertype: number }
  | { readonly type: 'POP_VLAN' }
  /** Any other action (experimenter actions of OVS included): its bytes after the 4-byte header. */
  | { readonly type: 'RAW'; readonly actionType: number; readonly body: Buffer };

export type Instruction =
  | { readonly type: 'APPLY_ACTIONS'; readonly actions: readonly Action[] }
  | { readonly type: 'WRITE_ACTIONS'; readonly actions: readonly Action[] }
  | { readonly type: 'CLEAR_ACTIONS' }
  | { readonly type: 'GOTO_TABLE'; readonly tableId: number }
  | { readonly type: 'WRITE_METADATA'; readonly metadata: bigint; readonly mask: bigint }
  | { readonly type: 'METER'; readonly meterId: number }
  | { readonly type: 'RAW'; readonly instructionType: number; readonly body: Buffer };

export function actionLength(a: Action): number {
  switch (a.type) {
    case 'OUTPUT':
      return 16;
    case 'SET_FIELD':
      // ofp_action_set_field: type, len, then the TLV, zero-padded to 8 (1.3.5 §7.2.5).
      return pad8(4 + oxmFieldLength(a.field));
    case 'SET_NW_TTL':
    case 'DEC_NW_TTL':
    case 'GROUP':
    case 'SET_QUEUE':
    case 'PUSH_VLAN':
    case 'POP_VLAN':
      return 8;
    case 'RAW':
      return 4 + a.body.length;
  }
}

export function actionsLength(actions: readonly Action[]): number {
  let n = 0;
  for (let i = 0; i < actions.length; i++) n += actionLength(actions[i]!);
  return n;
}

/** Writes one action at `off`; returns the offset after it. */
export function writeAction(buf: Buffer, off: number, a: Action): number {
  switch (a.type) {
    case 'OUTPUT':
      put32(buf, off, (OFPAT_OUTPUT << 16) | 16);
      put32(buf, off + 4, a.port >>> 0);
      put16(buf, off + 8, a.maxLen ?? 0);
      zero(buf, off + 10, off + 16);
      return off + 16;
    case 'SET_FIELD': {
      // ofp_action_set_field: the TLV, zero-padded to 8 (1.3.5 §7.2.5); the length is known
      // once the TLV is written.
      const tlvEnd = writeOxmField(buf, off + 4, a.field);
      const end = off + pad8(tlvEnd - off);
      zero(buf, tlvEnd, end);
      put16(buf, off, OFPAT_SET_FIELD);
      put16(buf, off + 2, end - off);
      return end;
    }
    case 'SET_NW_TTL':
      put32(buf, off, (OFPAT_SET_NW_TTL << 16) | 8);
      put32(buf, off + 4, 0);
      put8(buf, off + 4, a.ttl);
      return off + 8;
    case 'DEC_NW_TTL':
      put32(buf, off, (OFPAT_DEC_NW_TTL << 16) | 8);
      put32(buf, off + 4, 0);
      return off + 8;
    case 'GROUP':
      put32(buf, off, (OFPAT_GROUP << 16) | 8);
      put32(buf, off + 4, a.groupId >>> 0);
      return off + 8;
    case 'SET_QUEUE':
      put32(buf, off, (OFPAT_SET_QUEUE << 16) | 8);
      put32(buf, off + 4, a.queueId >>> 0);
      return off + 8;
    case 'PUSH_VLAN':
      put32(buf, off, (OFPAT_PUSH_VLAN << 16) | 8);
      put32(buf, off + 4, 0);
      put16(buf, off + 4, a.ethertype);
      return off + 8;
    case 'POP_VLAN':
      put32(buf, off, (OFPAT_POP_VLAN << 16) | 8);
      put32(buf, off + 4, 0);
      return off + 8;
    case 'RAW':
      put16(buf, off, a.actionType);
      put16(buf, off + 2, 4 + a.body.length);
      a.body.copy(buf, off + 4);
      return off + 4 + a.body.length;
  }
}

/** Reads the actions in `buf[off..end]`. */
export function readActions(buf: Buffer, off: number, end: number): Action[] {
  const actions: Action[] = [];
  while (off < end) {
    if (off + 4 > end) throw new ProtocolError('truncated action header', off);
    const type = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    if (len < 8 || len % 8 !== 0)
      throw new ProtocolError(`action length ${len} is not a positive multiple of 8`, off + 2);
    if (off + len > end) throw new ProtocolError(`action length ${len} runs past its instruction`, off + 2);
    actions.push(readAction(buf, off, type, len));
    off += len;
  }
  return actions;
}

function readAction(buf: Buffer, off: number, type: number, len: number): Action {
  switch (type) {
    case OFPAT_OUTPUT:
      if (len !== 16) break;
      return { type: 'OUTPUT', port: buf.readUInt32BE(off + 4), maxLen: buf.readUInt16BE(off + 8) };
    case OFPAT_SET_FIELD: {
      const field = readOxmField(buf, off + 4, off + len);
      if (pad8(4 + oxmFieldLength(field)) !== len) break;
      return { type: 'SET_FIELD', field };
    }
    case OFPAT_SET_NW_TTL:
      if (len !== 8) break;
      return { type: 'SET_NW_TTL', ttl: buf[off + 4]! };
    case OFPAT_DEC_NW_TTL:
      if (len !== 8) break;
      return { type: 'DEC_NW_TTL' };
    case OFPAT_GROUP:
      if (len !== 8) break;
      return { type: 'GROUP', groupId: buf.readUInt32BE(off + 4) };
    case OFPAT_SET_QUEUE:
      if (len !== 8) break;
      return { type: 'SET_QUEUE', queueId: buf.readUInt32BE(off + 4) };
    case OFPAT_PUSH_VLAN:
      if (len !== 8) break;
      return { type: 'PUSH_VLAN', ethertype: buf.readUInt16BE(off + 4) };
    case OFPAT_POP_VLAN:
      if (len !== 8) break;
      return { type: 'POP_VLAN' };
  }
  return { type: 'RAW', actionType: type, body: Buffer.from(buf.subarray(off + 4, off + len)) };
}

export function instructionLength(ins: Instruction): number {
  switch (ins.type) {
    case 'APPLY_ACTIONS':
    case 'WRITE_ACTIONS':
      return 8 + actionsLength(ins.actions);
    case 'CLEAR_ACTIONS':
    case 'GOTO_TABLE':
    case 'METER':
      return 8;
    case 'WRITE_METADATA':
      return 24;
    case 'RAW':
      return 4 + ins.body.length;
  }
}

export function instructionsLength(instructions: readonly Instruction[]): number {
  let n = 0;
  for (let i = 0; i < instructions.length; i++) n += instructionLength(instructions[i]!);
  return n;
}

/** Writes one instruction at `off`; returns the offset after it. */
export function writeInstruction(buf: Buffer, off: number, ins: Instruction): number {
  switch (ins.type) {
    case 'APPLY_ACTIONS':
    case 'WRITE_ACTIONS': {
      let p = off + 8;
      for (let i = 0; i < ins.actions.length; i++) p = writeAction(buf, p, ins.actions[i]!);
      put16(buf, off, ins.type === 'APPLY_ACTIONS' ? OFPIT_APPLY_ACTIONS : OFPIT_WRITE_ACTIONS);
      put16(buf, off + 2, p - off);
      put32(buf, off + 4, 0);
      return p;
    }
    case 'CLEAR_ACTIONS':
      put32(buf, off, (OFPIT_CLEAR_ACTIONS << 16) | 8);
      put32(buf, off + 4, 0);
      return off + 8;
    case 'GOTO_TABLE':
      put32(buf, off, (OFPIT_GOTO_TABLE << 16) | 8);
      put32(buf, off + 4, 0);
      put8(buf, off + 4, ins.tableId);
      return off + 8;
    case 'WRITE_METADATA':
      put32(buf, off, (OFPIT_WRITE_METADATA << 16) | 24);
      put32(buf, off + 4, 0);
      put64(buf, off + 8, ins.metadata);
      put64(buf, off + 16, ins.mask);
      return off + 24;
    case 'METER':
      put32(buf, off, (OFPIT_METER << 16) | 8);
      put32(buf, off + 4, ins.meterId >>> 0);
      return off + 8;
    case 'RAW':
      put16(buf, off, ins.instructionType);
      put16(buf, off + 2, 4 + ins.body.length);
      ins.body.copy(buf, off + 4);
      return off + 4 + ins.body.length;
  }
}

/** Reads the instructions in `buf[off..end]`. */
export function readInstructions(buf: Buffer, off: number, end: number): Instruction[] {
  const list: Instruction[] = [];
  while (off < end) {
    if (off + 4 > end) throw new ProtocolError('truncated instruction header', off);
    const type = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    if (len < 8 || len % 8 !== 0) {
      throw new ProtocolError(`instruction length ${len} is not a positive multiple of 8`, off + 2);
    }
    if (off + len > end) throw new ProtocolError(`instruction length ${len} runs past its message`, off + 2);
    list.push(readInstruction(buf, off, type, len));
    off += len;
  }
  return list;
}

function readInstruction(buf: Buffer, off: number, type: number, len: number): Instruction {
  switch (type) {
    case OFPIT_APPLY_ACTIONS:
      return { type: 'APPLY_ACTIONS', actions: readActions(buf, off + 8, off + len) };
    case OFPIT_WRITE_ACTIONS:
      return { type: 'WRITE_ACTIONS', actions: readActions(buf, off + 8, off + len) };
    case OFPIT_CLEAR_ACTIONS:
      return { type: 'CLEAR_ACTIONS' };
    case OFPIT_GOTO_TABLE:
      return { type: 'GOTO_TABLE', tableId: buf[off + 4]! };
    case OFPIT_WRITE_METADATA:
      if (len !== 24) break;
      return {
        type: 'WRITE_METADATA',
        metadata: buf.readBigUInt64BE(off + 8),
        mask: buf.readBigUInt64BE(off + 16),
      };
    case OFPIT_METER:
      return { type: 'METER', meterId: buf.readUInt32BE(off + 4) };
  }
  return { type: 'RAW', instructionType: type, body: Buffer.from(buf.subarray(off + 4, off + len)) };
}
