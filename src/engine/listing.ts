import type { BridgeState, CallModel } from '../model/call-model.js';
import type { BridgeSnapshot, PbxEvent } from '../model/pbx.js';

/**
 * Applies a full listing from Asterisk to the model and returns the bridges to look at again.
 *
 * `full` (after a (re)connection): everything is read again, since anything may have
 * happened while nobody listened. `cheap` (the periodic re-list): the listing is compared
 * with the model and only the difference is applied, as the events that were missed:
 * a bridge that is gone is destroyed, one that differs (members, technology, class, a
 * channel's state) is rebuilt from the listing with its legs to be read again, and a
 * channel no bridge lists any more is hung up. A bridge listed as the model has it is left
 * alone: its legs, RTCP evidence and age stay, and nothing is read.
 */
export function applyListing(
  model: CallModel,
  snapshots: readonly BridgeSnapshot[],
  now: number,
  mode: 'full' | 'cheap',
): Set<string> {
  if (mode === 'full') return model.replaceAll(snapshots, now);
  const dirty = new Set<string>();
  const apply = (e: PbxEvent): void => {
    for (const id of model.apply(e, now)) dirty.add(id);
  };
  const listed = new Set(snapshots.map((s) => s.id));
  for (const id of [...model.bridges.keys()])
    if (!listed.has(id)) apply({ kind: 'bridge-destroyed', bridgeId: id });
  for (const s of snapshots) {
    const b = model.bridges.get(s.id);
    if (b && sameMembers(b, s, model)) {
      if (refreshFacts(b, s, model)) dirty.add(s.id);
      continue;
    }
    if (b) apply({ kind: 'bridge-destroyed', bridgeId: s.id });
    apply({ kind: 'bridge-created', bridgeId: s.id, technology: s.technology, bridgeClass: s.bridgeClass });
    s.channels.forEach((channel, i) =>
      apply({
        kind: 'channel-entered',
        bridgeId: s.id,
        channel,
        technology: s.technology,
        memberCount: i + 1,
        swapChannelId: null,
      }),
    );
    dirty.add(s.id);
  }
  const inBridges = new Set(snapshots.flatMap((s) => s.channels.map((c) => c.id)));
  for (const id of [...model.channels.keys()]) {
    if (!inBridges.has(id))
      apply({ kind: 'hangup', channelId: id, cause: 0, causeText: 'not listed by Asterisk' });
  }
  return dirty;
}

/** The same channels in the same order, each known to be in this bridge. */
function sameMembers(b: BridgeState, s: BridgeSnapshot, model: CallModel): boolean {
  if (b.members.length !== s.channels.length) return false;
  return s.channels.every(
    (info, i) => b.members[i] === info.id && model.channels.get(info.id)?.bridgeId === s.id,
  );
}

/**
 * Same members, other facts: a technology the listing names differently is read again
 * (the listing's value may be as stale as an event's), a channel whose state or name
 * changed has its leg read again. The pair and its age stay.
 */
function refreshFacts(b: BridgeState, s: BridgeSnapshot, model: CallModel): boolean {
  let changed = false;
  if (b.technology !== s.technology && !b.technologyStale) {
    b.technologyStale = true;
    changed = true;
  }
  for (const info of s.channels) {
    const ch = model.channels.get(info.id);
    if (!ch || (ch.info.state === info.state && ch.info.name === info.name)) continue;
    ch.info = info;
    ch.legStale = true;
    changed = true;
  }
  return changed;
}
