/**
 * ARI's Channel and Bridge models (rest-api/api-docs/channels.json, bridges.json; built by
 * main/stasis_channels.c ast_channel_snapshot_to_json and main/stasis_bridges.c
 * ast_bridge_snapshot_to_json) read into the core's types.
 *
 * Names differ from AMI: ARI's `bridge_class` is AMI's `BridgeType` (basic, stasis), and
 * ARI's `bridge_type` is mixing/holding. A channel's `state` is the text of ast_state2str,
 * and the JSON has no linkedid (22.11 sends none), so `linkedId` stays ''.
 */

import type { BridgeSnapshot, BridgeTechnology, ChannelInfo } from '../../model/pbx.js';
import { channelDriver, channelEndpoint } from '../ami/channel-fields.js';
import {
  FieldProblems,
  isObject,
  optionalObject,
  requireString,
  requireStringArray,
  stringOr,
  type JsonObject,
} from './json-fields.js';

/** main/channel.c ast_state2str, in enum ast_channel_state order (AST_STATE_UP = 6). */
const CHANNEL_STATES: readonly string[] = [
  'Down',
  'Rsrvd',
  'OffHook',
  'Dialing',
  'Ring',
  'Ringing',
  'Up',
  'Busy',
  'Dialing Offhook',
  'Pre-ring',
];

/** State text → number; `Unknown (n)` carries the number; null when unrecognised. */
export function channelStateNumber(text: string): number | null {
  const i = CHANNEL_STATES.indexOf(text);
  if (i >= 0) return i;
  const m = /^Unknown \((\d{1,6})\)$/.exec(text);
  return m && Number(m[1]) <= 0x1ffff ? Number(m[1]) : null;
}

export function readChannelJson(v: unknown, p: FieldProblems, path = 'channel'): ChannelInfo {
  if (!isObject(v)) {
    p.bad(path, JSON.stringify(v), 'a Channel object');
    return {
      id: '',
      name: '',
      driver: 'other',
      endpoint: null,
      state: 0,
      context: '',
      exten: '',
      linkedId: '',
    };
  }
  const id = requireString(v, 'id', p, `${path}.id`);
  const name = requireString(v, 'name', p, `${path}.name`);
  const stateText = requireString(v, 'state', p, `${path}.state`);
  let state = 0;
  if (stateText !== '') {
    const n = channelStateNumber(stateText);
    if (n === null) p.bad(`${path}.state`, stateText, 'a channel state');
    else state = n;
  }
  const dialplan = optionalObject(v, 'dialplan', p, `${path}.dialplan`) ?? {};
  return {
    id,
    name,
    driver: channelDriver(name),
    endpoint: channelEndpoint(name),
    state,
    context: stringOr(dialplan, 'context', p, `${path}.dialplan.context`),
    exten: stringOr(dialplan, 'exten', p, `${path}.dialplan.exten`),
    linkedId: '',
  };
}

export interface BridgeJson {
  readonly id: string;
  readonly technology: BridgeTechnology;
  readonly bridgeClass: string;
  /** Channel ids (Uniqueids) in the bridge. */
  readonly channelIds: readonly string[];
}

export function readBridgeJson(v: unknown, p: FieldProblems, path = 'bridge'): BridgeJson {
  if (!isObject(v)) {
    p.bad(path, JSON.stringify(v), 'a Bridge object');
    return { id: '', technology: '', bridgeClass: '', channelIds: [] };
  }
  return {
    id: requireString(v, 'id', p, `${path}.id`),
    technology: requireString(v, 'technology', p, `${path}.technology`),
    bridgeClass: stringOr(v, 'bridge_class', p, `${path}.bridge_class`),
    channelIds: requireStringArray(v, 'channels', p, `${path}.channels`),
  };
}

export interface ListingProblem {
  readonly what: string;
  readonly problems: readonly string[];
}

/**
 * `GET /bridges` + `GET /channels` → snapshots. The bridge lists channel ids only; a channel
 * missing from the (later) channel listing hung up in between and is left out.
 */
export function joinBridgesAndChannels(
  bridges: unknown,
  channels: unknown,
): { snapshots: BridgeSnapshot[]; problems: ListingProblem[] } {
  const problems: ListingProblem[] = [];
  const byId = new Map<string, ChannelInfo>();
  for (const [i, c] of asArray(channels, 'GET /channels', problems).entries()) {
    const p = new FieldProblems();
    const info = readChannelJson(c, p, `channels[${i}]`);
    if (p.ok) byId.set(info.id, info);
    else problems.push({ what: 'GET /channels item', problems: p.list });
  }
  const snapshots: BridgeSnapshot[] = [];
  for (const [i, b] of asArray(bridges, 'GET /bridges', problems).entries()) {
    const p = new FieldProblems();
    const bridge = readBridgeJson(b, p, `bridges[${i}]`);
    if (!p.ok) {
      problems.push({ what: 'GET /bridges item', problems: p.list });
      continue;
    }
    const members: ChannelInfo[] = [];
    for (const id of bridge.channelIds) {
      const info = byId.get(id);
      if (info) members.push(info);
    }
    snapshots.push({
      id: bridge.id,
      technology: bridge.technology,
      bridgeClass: bridge.bridgeClass,
      channels: members,
    });
  }
  return { snapshots, problems };
}

function asArray(v: unknown, what: string, problems: ListingProblem[]): readonly unknown[] {
  if (Array.isArray(v)) return v;
  problems.push({ what, problems: [`reply is ${JSON.stringify(v)?.slice(0, 80)}, not an array`] });
  return [];
}

export type { JsonObject };
