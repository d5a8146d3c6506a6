/**
 * Full resync: every visible bridge with its current technology and members, from
 * `BridgeList` (BridgeListItem: the bridge block) joined with `CoreShowChannels`
 * (CoreShowChannel: the channel block plus `BridgeId`), two requests whatever the number of
 * calls; or, where CoreShowChannels is refused, `BridgeInfo` per bridge (BridgeInfoChannel
 * items, BridgeInfoComplete with the bridge block).
 */

import type { BridgeSnapshot, ChannelInfo } from '../../model/pbx.js';
import { FieldProblems, readChannel, requireField } from './channel-fields.js';
import type { AmiListResult } from './list-action.js';
import type { AmiMessage } from './message.js';

export interface ListingProblem {
  readonly eventName: string;
  readonly problems: readonly string[];
}

interface BridgeHead {
  readonly id: string;
  readonly technology: string;
  readonly bridgeClass: string;
}

function readBridgeHead(msg: AmiMessage, p: FieldProblems): BridgeHead {
  return {
    id: requireField(msg, 'BridgeUniqueid', p),
    technology: msg.get('BridgeTechnology')?.trim() ?? '',
    bridgeClass: msg.get('BridgeType')?.trim() ?? '',
  };
}

/**
 * Uniqueids are `[systemname-]<epoch seconds>.<sequence>` (main/channel.c); sorting on them
 * approximates join order, which no list reports.
 */
export function compareUniqueids(a: string, b: string): number {
  const parse = (id: string): [number, number] => {
    const m = /(\d+)\.(\d+)$/.exec(id);
    return m ? [Number(m[1]), Number(m[2])] : [Number.MAX_SAFE_INTEGER, 0];
  };
  const [as, aq] = parse(a);
  const [bs, bq] = parse(b);
  return as - bs || aq - bq || (a < b ? -1 : a > b ? 1 : 0);
}

export function bridgeIdsFromList(list: AmiListResult): { ids: Set<string>; problems: ListingProblem[] } {
  const ids = new Set<string>();
  const problems: ListingProblem[] = [];
  for (const item of list.items) {
    const p = new FieldProblems();
    const id = requireField(item, 'BridgeUniqueid', p);
    if (p.ok) ids.add(id);
    else problems.push({ eventName: item.eventName ?? '', problems: p.list });
  }
  return { ids, problems };
}

/** BridgeList + CoreShowChannels → snapshots. Channels naming an unlisted bridge are ignored. */
export function joinBridgesAndChannels(
  bridges: AmiListResult,
  channels: AmiListResult,
): { snapshots: BridgeSnapshot[]; problems: ListingProblem[] } {
  const problems: ListingProblem[] = [];
  const heads = new Map<string, BridgeHead>();
  for (const item of bridges.items) {
    const p = new FieldProblems();
    const head = readBridgeHead(item, p);
    if (p.ok) heads.set(head.id, head);
    else problems.push({ eventName: item.eventName ?? '', problems: p.list });
  }
  const members = new Map<string, ChannelInfo[]>();
  for (const item of channels.items) {
    const bridgeId = item.get('BridgeId')?.trim() ?? '';
    if (bridgeId === '' || !heads.has(bridgeId)) continue;
    const p = new FieldProblems();
    const channel = readChannel(item, p);
    if (!p.ok) {
      problems.push({ eventName: item.eventName ?? '', problems: p.list });
      continue;
    }
    const list = members.get(bridgeId) ?? [];
    list.push(channel);
    members.set(bridgeId, list);
  }
  const snapshots = [...heads.values()].map((h) => ({
    id: h.id,
    technology: h.technology,
    bridgeClass: h.bridgeClass,
    channels: (members.get(h.id) ?? []).sort((a, b) => compareUniqueids(a.id, b.id)),
  }));
  return { snapshots, problems };
}

/** One BridgeInfo reply → snapshot (null with problems when the completion is unusable). */
export function snapshotFromBridgeInfo(info: AmiListResult): {
  snapshot: BridgeSnapshot | null;
  problems: ListingProblem[];
} {
  const problems: ListingProblem[] = [];
  const p = new FieldProblems();
  const head = readBridgeHead(info.complete, p);
  if (!p.ok)
    return { snapshot: null, problems: [{ eventName: info.complete.eventName ?? '', problems: p.list }] };
  const channels: ChannelInfo[] = [];
  for (const item of info.items) {
    const cp = new FieldProblems();
    const channel = readChannel(item, cp);
    if (cp.ok) channels.push(channel);
    else problems.push({ eventName: item.eventName ?? '', problems: cp.list });
  }
  channels.sort((a, b) => compareUniqueids(a.id, b.id));
  return { snapshot: { ...head, channels }, problems };
}
