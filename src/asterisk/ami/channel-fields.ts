/**
 * The channel and bridge blocks of AMI events (main/manager_channels.c
 * ast_manager_build_channel_state_string_prefix, main/manager_bridges.c
 * ast_manager_build_bridge_state_string_prefix) read into the core's types.
 */

import type { ChannelDriver, ChannelInfo } from '../../model/pbx.js';
import type { AmiMessage } from './message.js';

/** A field problem found while reading a message; collected, never thrown. */
export class FieldProblems {
  readonly list: string[] = [];
  /** The fields named in `list`, in order (what the malformed-input counter is keyed by). */
  readonly fields: string[] = [];
  missing(field: string): void {
    this.list.push(`missing ${field}`);
    this.fields.push(field);
  }
  bad(field: string, value: string, expected: string): void {
    this.list.push(`${field} '${String(value).slice(0, 80)}' is not ${expected}`);
    this.fields.push(field);
  }
  get ok(): boolean {
    return this.list.length === 0;
  }
}

export function requireField(msg: AmiMessage, field: string, problems: FieldProblems): string {
  const v = msg.get(field);
  if (v === undefined || v.trim() === '') {
    problems.missing(field);
    return '';
  }
  return v.trim();
}

export function optionalField(msg: AmiMessage, field: string): string | null {
  const v = msg.get(field)?.trim();
  return v === undefined || v === '' ? null : v;
}

/** An inclusive range a number from the wire must fall in before anything uses it. */
export interface IntRange {
  readonly min: number;
  readonly max: number;
}

/** What a C `int` can print; the default for a field without a tighter protocol bound. */
export const INT32: IntRange = { min: -0x80000000, max: 0x7fffffff };

/**
 * A decimal integer field inside `range`. A number outside its range is malformed, never
 * clamped: a 20-digit ReportCount is not a request to loop a long time.
 */
export function requireInt(
  msg: AmiMessage,
  field: string,
  problems: FieldProblems,
  range: IntRange = INT32,
): number {
  const v = msg.get(field);
  if (v === undefined || v.trim() === '') {
    problems.missing(field);
    return 0;
  }
  const t = v.trim();
  if (!/^-?\d{1,16}$/.test(t)) {
    problems.bad(field, t, 'an integer');
    return 0;
  }
  const n = Number(t);
  if (n < range.min || n > range.max) {
    problems.bad(field, t, `in ${range.min}..${range.max}`);
    return 0;
  }
  return n;
}

/** enum ast_channel_state: 0 (Down) to 10 (Pre-ring), plus AST_STATE_MUTE (1 << 16). */
const CHANNEL_STATE: IntRange = { min: 0, max: 0x1ffff };

/** Driver from the channel name prefix (`PJSIP/`, `SIP/`, `Local/`), as Asterisk names them. */
export function channelDriver(name: string): ChannelDriver {
  const slash = name.indexOf('/');
  const tech = (slash < 0 ? name : name.slice(0, slash)).toLowerCase();
  if (tech === 'pjsip') return 'pjsip';
  if (tech === 'sip') return 'sip';
  if (tech === 'local') return 'local';
  return 'other';
}

/**
 * Endpoint from a chan_pjsip / chan_sip channel name: `PJSIP/<endpoint>-<8 hex>` (chan_pjsip.c
 * chan_pjsip_new), `SIP/<peer>-<8 hex>` (chan_sip.c sip_new). Endpoint names may contain `-`,
 * so only the last `-xxxxxxxx` is the sequence.
 */
export function channelEndpoint(name: string): string | null {
  const driver = channelDriver(name);
  if (driver !== 'pjsip' && driver !== 'sip') return null;
  const rest = name.slice(name.indexOf('/') + 1);
  const m = /^(.+)-[0-9a-f]{8}$/i.exec(rest);
  return m?.[1] ?? (rest === '' ? null : rest);
}

/** Reads a channel block, optionally prefixed (`Transferer`, `LocalOne`…). */
export function readChannel(msg: AmiMessage, problems: FieldProblems, prefix = ''): ChannelInfo {
  const name = requireField(msg, `${prefix}Channel`, problems);
  const id = requireField(msg, `${prefix}Uniqueid`, problems);
  const state = requireInt(msg, `${prefix}ChannelState`, problems, CHANNEL_STATE);
  return {
    id,
    name,
    driver: channelDriver(name),
    endpoint: channelEndpoint(name),
    state,
    context: msg.get(`${prefix}Context`)?.trim() ?? '',
    exten: msg.get(`${prefix}Exten`)?.trim() ?? '',
    linkedId: msg.get(`${prefix}Linkedid`)?.trim() ?? '',
  };
}
