import { formatCookie } from '../plan/cookie.js';
import { flowKey, type FlowSpec } from '../plan/flow-spec.js';
import { wallTimeOf } from '../time/clock.js';
import type { EngineContext } from './context.js';
import type { BridgeStatus, LegStatus } from './types.js';

/** A flow's counters as the switch last reported them. */
export interface FlowCounts {
  readonly packets: number;
  readonly bytes: number;
}

type StatusContext = Pick<EngineContext, 'model' | 'reconciler' | 'tracked'>;

/**
 * What the switch forwarded for each leg of a bridge since it was offloaded, and what
 * Asterisk still sent itself (egress watch), from the reconciler's counter mirror.
 */
export function legCounters(
  ctx: StatusContext,
  bridgeId: string,
  flows: readonly FlowSpec[] = ctx.reconciler.desiredOf(bridgeId),
  read: (key: string) => FlowCounts | undefined = (key) => ctx.reconciler.installed(key),
): LegStatus[] {
  const t = ctx.tracked.get(bridgeId);
  const ids = new Set([...(t?.legs.keys() ?? []), ...flows.map((f) => f.owner.channelId)]);
  const out: LegStatus[] = [];
  for (const channelId of ids) {
    let packets = 0;
    let bytes = 0;
    let egress = 0;
    for (const f of flows) {
      if (f.owner.channelId !== channelId) continue;
      const key = flowKey(f);
      const m = read(key);
      if (!m) continue;
      const base = t?.baseline.get(key) ?? { packets: 0, bytes: 0 };
      // A flow re-added (switch restart, idle expiry) starts again from zero.
      const p = m.packets >= base.packets ? m.packets - base.packets : m.packets;
      const b = m.bytes >= base.bytes ? m.bytes - base.bytes : m.bytes;
      if (f.owner.role === 'rtp-forward') {
        packets += p;
        bytes += b;
      } else if (f.owner.role === 'egress-watch') egress += p;
    }
    const leg = t?.legs.get(channelId);
    out.push({
      channelId,
      channel: leg?.channel ?? ctx.model.channels.get(channelId)?.info.name ?? channelId,
      local: leg?.local ?? null,
      remote: leg?.remote ?? null,
      packets,
      bytes,
      asteriskEgressPackets: egress,
    });
  }
  return out;
}

/** The control API's view of one bridge; `since` turned from a monotonic instant into wall time. */
export function bridgeStatus(
  ctx: StatusContext & Pick<EngineContext, 'clock'>,
  bridgeId: string,
): BridgeStatus | null {
  const b = ctx.model.bridges.get(bridgeId);
  const t = ctx.tracked.get(bridgeId);
  if (!b && !t) return null;
  return {
    bridgeId,
    state: t?.state ?? 'not-offloaded',
    reason: t?.reason ?? null,
    detail: t?.detail ?? null,
    since: t ? wallTimeOf(t.since, ctx.clock) : 0,
    cookie: t?.cookie !== null && t?.cookie !== undefined ? formatCookie(t.cookie) : null,
    technology: b?.technology ?? null,
    members: b?.members.length ?? 0,
    legs: legCounters(ctx, bridgeId),
  };
}
