import { type SimBridge, stateDescription, type SimChannel } from '../model/objects.js';

type Json = Record<string, unknown>;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** ast_json_timeval in UTC: `2026-11-22T10:44:22.230+0000`. */
export function ariTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}+0000`
  );
}

/** ast_channel_snapshot_to_json (main/stasis_channels.c), in the recorded key order. */
export function channelJson(c: SimChannel): Json {
  return {
    id: c.uniqueid,
    name: c.name,
    state: stateDescription(c.state),
    protocol_id: c.pvtCallId,
    caller: { name: c.callerName, number: c.callerNum },
    connected: { name: c.connectedName, number: c.connectedNum },
    accountcode: c.accountCode,
    dialplan: {
      context: c.context,
      exten: c.exten,
      priority: c.priority,
      app_name: c.appl,
      app_data: c.data,
    },
    creationtime: ariTime(c.createdAt),
    language: c.language,
  };
}

/** ast_bridge_snapshot_to_json (main/stasis_bridges.c). */
export function bridgeJson(b: SimBridge): Json {
  return {
    id: b.uniqueid,
    technology: b.technology,
    bridge_type: 'mixing',
    bridge_class: b.subclass,
    creator: b.creator,
    name: b.name,
    channels: b.channels.map((c) => c.uniqueid),
    creationtime: ariTime(b.createdAt),
    video_mode: b.videoSourceMode,
  };
}
