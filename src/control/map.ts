import type { BridgeDto } from './api.js';
import type { BridgeView } from './provider.js';

/** The engine's view of a bridge as the API serves it: epoch ms become ISO 8601. */
export function toBridgeDto(b: BridgeView): BridgeDto {
  return {
    bridgeId: b.bridgeId,
    state: b.state,
    reason: b.reason,
    detail: b.detail,
    since: b.since > 0 && Number.isFinite(b.since) ? new Date(b.since).toISOString() : null,
    cookie: b.cookie,
    technology: b.technology,
    members: b.members,
    legs: b.legs.map((l) => ({
      channelId: l.channelId,
      channel: l.channel,
      local: l.local && { address: l.local.address, port: l.local.port, family: l.local.family },
      remote: l.remote && { address: l.remote.address, port: l.remote.port, family: l.remote.family },
      packets: l.packets,
      bytes: l.bytes,
      asteriskEgressPackets: l.asteriskEgressPackets,
    })),
  };
}
