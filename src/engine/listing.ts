import type { BridgeState, CallModel, ChannelState } from '../model/call-model.js';
import type { BridgeSnapshot } from '../model/pbx.js';

/**
 * Applies a full listing from Asterisk to the model and returns the bridges to look at again.
 *
 * `full` (after a (re)connection): everything is read again, since anything may have
 * happened while nobody listened. `cheap` (the periodic re-list): a bridge the listing shows
 * exactly as the model has it (same members, technology, class and channel states) keeps
 * its legs as read, so a re-list of an unchanged PBX reads nothing; bridges that are gone
 * or differ are looked at again, their legs re-read.
 */
export function applyListing(
  model: CallModel,
  snapshots: readonly BridgeSnapshot[],
  now: number,
  mode: 'full' | 'cheap',
): Set<string> {
  if (mode === 'full') return model.replaceAll(snapshots, now);
  const unchanged = new Map<string, boolean>();
  for (const s of snapshots) {
    const b = model.bridges.get(s.id);
    if (!b || !sameAsListed(b, s, model)) continue;
    for (const ch of model.membersOf(s.id)) unchanged.set(ch.info.id, ch.legStale);
    unchanged.set(`bridge:${s.id}`, b.technologyStale);
  }
  const before = new Set(model.bridges.keys());
  const dirty = model.replaceAll(snapshots, now);
  for (const s of snapshots) {
    if (!unchanged.has(`bridge:${s.id}`)) continue;
    const b = model.bridges.get(s.id);
    if (b) b.technologyStale = unchanged.get(`bridge:${s.id}`) ?? true;
    for (const ch of model.membersOf(s.id)) ch.legStale = unchanged.get(ch.info.id) ?? true;
    // Already known and unchanged: nothing to decide again.
    if (before.has(s.id)) dirty.delete(s.id);
  }
  return dirty;
}

function sameAsListed(b: BridgeState, s: BridgeSnapshot, model: CallModel): boolean {
  if (b.technology !== s.technology || b.bridgeClass !== s.bridgeClass) return false;
  if (b.members.length !== s.channels.length) return false;
  return s.channels.every((info, i) => {
    const ch: ChannelState | undefined = model.channels.get(info.id);
    return (
      b.members[i] === info.id &&
      ch !== undefined &&
      ch.bridgeId === s.id &&
      ch.info.state === info.state &&
      ch.info.name === info.name
    );
  });
}
