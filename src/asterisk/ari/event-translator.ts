/**
 * ARI WebSocket events → the core's `PbxEvent`s. Pure: one frame in, one outcome out.
 * Malformed or unknown events are reported with what was wrong, never thrown. Event names
 * and fields are those of rest-api/api-docs/events.json as res/stasis/app.c and
 * res/ari/ari_model_validators.c emit them (observed on 22.11.0-rc1, test/fixtures/asterisk-22).
 *
 * What ARI does not have, compared with AMI:
 * - no MixMonitor, ChanSpy or other audiohook event. MixMonitor's only trace is a
 *   `ChannelVarset` of MIXMONITOR_FILENAME at start (apps/app_mixmonitor.c) and, at start and
 *   stop, the BRIDGEPEER/BRIDGEPVTCALLID re-sets. The first is `recording-suspected` (the
 *   bridge is refused at once, before the hook moves it), the others `media-path-hint`; the
 *   engine's technology re-reads tell when the recording is over (native_rtp again).
 * - no MusicOnHoldStart/Stop and no LocalOptimizationBegin/End.
 * - no swap id in ChannelEnteredBridge.
 */

import type { PbxEvent } from '../../model/pbx.js';
import {
  FieldProblems,
  isObject,
  optionalObject,
  optionalString,
  requireInteger,
  requireObject,
  requireString,
  stringOr,
  type JsonObject,
} from './json-fields.js';
import { readBridgeJson, readChannelJson } from './resources.js';

export type AriTranslation =
  | { readonly kind: 'event'; readonly event: PbxEvent }
  /** An event this adapter has no use for (Dial, ChannelDialplan, DeviceStateChanged, …). */
  | { readonly kind: 'ignored'; readonly eventType: string }
  /** An event type neither translated nor known to be of no use. */
  | { readonly kind: 'unknown'; readonly eventType: string }
  | { readonly kind: 'malformed'; readonly eventType: string; readonly problems: readonly string[] };

type Handler = (ev: JsonObject, p: FieldProblems) => PbxEvent | null;

/**
 * ChannelVarset of these means the bridge re-evaluated its peers: Asterisk re-sets
 * BRIDGEPEER/BRIDGEPVTCALLID with unchanged values on re-INVITE, hold, unhold and audiohook
 * changes (observed on 22.10.1 and 22.11.0-rc1). MIXMONITOR_FILENAME is set when MixMonitor
 * starts, the only ARI trace of it (`recording-suspected`).
 */
const PATH_HINT_VARIABLES = new Set(['BRIDGEPEER', 'BRIDGEPVTCALLID', 'MIXMONITOR_FILENAME']);

function channelId(ev: JsonObject, p: FieldProblems): string {
  return requireString(requireObject(ev, 'channel', p), 'id', p, 'channel.id');
}

const handlers: Readonly<Record<string, Handler>> = {
  BridgeCreated: (ev, p) => {
    const b = readBridgeJson(ev['bridge'], p);
    return { kind: 'bridge-created', bridgeId: b.id, technology: b.technology, bridgeClass: b.bridgeClass };
  },
  BridgeDestroyed: (ev, p) => ({ kind: 'bridge-destroyed', bridgeId: readBridgeJson(ev['bridge'], p).id }),
  // `bridge` is the surviving bridge, `bridge_from` the one merged into it.
  BridgeMerged: (ev, p) => ({
    kind: 'bridge-merged',
    toBridgeId: readBridgeJson(ev['bridge'], p).id,
    fromBridgeId: readBridgeJson(ev['bridge_from'], p, 'bridge_from').id,
  }),
  // As with AMI's BridgeEnter, the snapshot precedes bridge_reconfigured: `technology` is
  // stale (simple_bridge on both joins of a bridge that becomes native_rtp).
  ChannelEnteredBridge: (ev, p) => {
    const b = readBridgeJson(ev['bridge'], p);
    return {
      kind: 'channel-entered',
      bridgeId: b.id,
      channel: readChannelJson(ev['channel'], p),
      technology: b.technology,
      memberCount: b.channelIds.length,
      swapChannelId: null,
    };
  },
  ChannelLeftBridge: (ev, p) => {
    const b = readBridgeJson(ev['bridge'], p);
    return {
      kind: 'channel-left',
      bridgeId: b.id,
      channel: readChannelJson(ev['channel'], p),
      memberCount: b.channelIds.length,
    };
  },
  // Raised on the channel whose remote sent sendonly/inactive; `musicclass` may be "N/A".
  ChannelHold: (ev, p) => ({ kind: 'channel-hold', channelId: channelId(ev, p) }),
  ChannelUnhold: (ev, p) => ({ kind: 'channel-unhold', channelId: channelId(ev, p) }),
  // Global variables come without `channel`.
  ChannelVarset: (ev, p) => {
    const name = requireString(ev, 'variable', p);
    if (!PATH_HINT_VARIABLES.has(name.toUpperCase())) return null;
    // Emptied right before a party leaves the bridge (hangup, transfer): see the AMI translator.
    if (name.toUpperCase() !== 'MIXMONITOR_FILENAME' && stringOr(ev, 'value', p).trim() === '') return null;
    const channel = optionalObject(ev, 'channel', p);
    if (!channel) return null;
    const id = requireString(channel, 'id', p, 'channel.id');
    // MixMonitor sets it before attaching its audiohook: ARI's only sign of a recording.
    if (name.toUpperCase() === 'MIXMONITOR_FILENAME') return { kind: 'recording-suspected', channelId: id };
    return { kind: 'media-path-hint', channelId: id };
  },
  // `channel` is the transferer; `bridge` and `transferee` are optional in events.json.
  BridgeBlindTransfer: (ev, p) => ({
    kind: 'blind-transfer',
    result: requireString(ev, 'result', p),
    bridgeId: optionalBridgeId(ev, 'bridge', p),
    transfererId: optionalChannelId(ev, 'channel', p),
    transfereeId: optionalChannelId(ev, 'transferee', p),
  }),
  // destination_type: bridge, application, link, threeway, fail (AMI: Bridge, App, Link, …).
  BridgeAttendedTransfer: (ev, p) => ({
    kind: 'attended-transfer',
    result: requireString(ev, 'result', p),
    origBridgeId: optionalBridgeId(ev, 'transferer_first_leg_bridge', p),
    secondBridgeId: optionalBridgeId(ev, 'transferer_second_leg_bridge', p),
    destBridgeId: optionalString(ev, 'destination_bridge', p),
    destType: stringOr(ev, 'destination_type', p),
  }),
  // tech_cause only when non-zero (20.17/22.7/23.1+), not needed here.
  ChannelDestroyed: (ev, p) => ({
    kind: 'hangup',
    channelId: channelId(ev, p),
    // Q.850 causes are 7 bits (AST_CAUSE_* < 128).
    cause: requireInteger(ev, 'cause', p, 'cause', { min: 0, max: 127 }),
    causeText: stringOr(ev, 'cause_txt', p),
  }),
};

function optionalBridgeId(ev: JsonObject, key: string, p: FieldProblems): string | null {
  const b = optionalObject(ev, key, p);
  return b ? requireString(b, 'id', p, `${key}.id`) : null;
}

function optionalChannelId(ev: JsonObject, key: string, p: FieldProblems): string | null {
  const c = optionalObject(ev, key, p);
  return c ? requireString(c, 'id', p, `${key}.id`) : null;
}

/** Event types of events.json this adapter has no use for (seen on 22.11 or documented). */
const IGNORED_EVENTS: ReadonlySet<string> = new Set([
  'ApplicationMoveFailed',
  'ApplicationRegistered',
  'ApplicationReplaced',
  'ApplicationUnregistered',
  'BridgeVideoSourceChanged',
  'ChannelCallerId',
  'ChannelConnectedLine',
  'ChannelCreated',
  'ChannelDialplan',
  'ChannelDtmfReceived',
  'ChannelHangupRequest',
  'ChannelStateChange',
  'ChannelTalkingFinished',
  'ChannelTalkingStarted',
  'ChannelToneDetected',
  'ChannelTransfer',
  'ChannelUserevent',
  'ContactStatusChange',
  'DeviceStateChanged',
  'Dial',
  'EndpointStateChange',
  'MissingParams',
  'PeerStatusChange',
  'PlaybackContinuing',
  'PlaybackFinished',
  'PlaybackStarted',
  'RESTResponse',
  'RecordingFailed',
  'RecordingFinished',
  'RecordingStarted',
  'StasisEnd',
  'StasisStart',
  'TextMessageReceived',
]);

/** Translates one parsed WebSocket frame. */
export function translateAriEvent(frame: unknown): AriTranslation {
  if (!isObject(frame)) return { kind: 'malformed', eventType: '', problems: ['frame is not a JSON object'] };
  const type = frame['type'];
  if (typeof type !== 'string' || type === '') {
    return { kind: 'malformed', eventType: '', problems: ['missing type'] };
  }
  const handler = Object.hasOwn(handlers, type) ? handlers[type] : undefined;
  if (!handler)
    return IGNORED_EVENTS.has(type)
      ? { kind: 'ignored', eventType: type }
      : { kind: 'unknown', eventType: type };
  const problems = new FieldProblems();
  const event = handler(frame, problems);
  if (!problems.ok) return { kind: 'malformed', eventType: type, problems: problems.list };
  if (event === null) return { kind: 'ignored', eventType: type };
  return { kind: 'event', event };
}

/** Parses and translates one text frame as Asterisk sends it. */
export function translateAriFrame(text: string): AriTranslation {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { kind: 'malformed', eventType: '', problems: [`not JSON: ${(err as Error).message}`] };
  }
  return translateAriEvent(parsed);
}

/** Event types this translator turns into PbxEvents. */
export const TRANSLATED_ARI_EVENTS: readonly string[] = Object.keys(handlers);
