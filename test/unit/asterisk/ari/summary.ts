/** Compact, id-free lines for comparing translated event sequences. */

import type { PbxEvent } from '../../../../src/model/pbx.js';
import { translateAriFrame } from '../../../../src/asterisk/ari/event-translator.js';

/** Names channels and bridges by first appearance (`alice`, `B1`) so lines read as the call. */
export function summarize(frames: readonly string[]): string[] {
  const channels = new Map<string, string>();
  const bridges = new Map<string, string>();
  const ch = (id: string | null): string => (id === null ? '-' : (channels.get(id) ?? `?${id}`));
  const br = (id: string | null): string => {
    if (id === null) return '-';
    if (!bridges.has(id)) bridges.set(id, `B${bridges.size + 1}`);
    return bridges.get(id) ?? '';
  };
  const out: string[] = [];
  let lastHint: string | null = null;
  for (const f of frames) {
    const raw = JSON.parse(f) as { channel?: { id?: string; name?: string } };
    if (raw.channel?.id && raw.channel.name && !channels.has(raw.channel.id)) {
      channels.set(
        raw.channel.id,
        raw.channel.name.replace(/^[^/]*\//, '').replace(/-[0-9a-f]{8}(;\d)?$/, '$1'),
      );
    }
    const t = translateAriFrame(f);
    if (t.kind !== 'event') continue;
    const e: PbxEvent = t.event;
    if (e.kind === 'media-path-hint') {
      if (lastHint === e.channelId) continue; // as AriSource does
      lastHint = e.channelId;
    } else lastHint = null;
    out.push(line(e, ch, br));
  }
  return out;
}

function line(e: PbxEvent, ch: (id: string | null) => string, br: (id: string | null) => string): string {
  switch (e.kind) {
    case 'bridge-created':
      return `bridge-created ${br(e.bridgeId)} ${e.technology} ${e.bridgeClass}`;
    case 'bridge-destroyed':
      return `bridge-destroyed ${br(e.bridgeId)}`;
    case 'bridge-merged':
      return `bridge-merged ${br(e.fromBridgeId)}->${br(e.toBridgeId)}`;
    case 'channel-entered':
      return `entered ${br(e.bridgeId)} ${ch(e.channel.id)} n=${e.memberCount} ${e.technology}`;
    case 'channel-left':
      return `left ${br(e.bridgeId)} ${ch(e.channel.id)} n=${e.memberCount}`;
    case 'channel-hold':
    case 'channel-unhold':
    case 'media-path-hint':
    case 'recording-suspected':
      return `${e.kind} ${ch(e.channelId)}`;
    case 'hangup':
      return `hangup ${ch(e.channelId)} ${e.cause} ${e.causeText}`;
    case 'blind-transfer':
      return `blind-transfer ${e.result} ${br(e.bridgeId)} ${ch(e.transfererId)}->${ch(e.transfereeId)}`;
    case 'attended-transfer':
      return `attended-transfer ${e.result} ${br(e.origBridgeId)} ${br(e.secondBridgeId)} ${e.destType}:${br(e.destBridgeId)}`;
    default:
      return e.kind;
  }
}
