import type { ChannelState } from '../model/call-model.js';
import type { SocketAddr } from '../model/pbx.js';
import { pairCookie } from '../plan/cookie.js';
import { flowKey } from '../plan/flow-spec.js';
import type { BridgeView, LegView, Pin } from '../policy/view.js';
import type { EngineContext } from './context.js';
import type { EngineConfig, LocalAddressLookup, NextHopLookup } from './types.js';

/**
 * Builds the view policy judges: the model's bridge and legs plus what only I/O knows (local
 * address of a wildcard socket, next-hop MAC, what the switch has counted for each leg).
 */
export class ViewBuilder {
  constructor(
    private readonly ctx: Pick<EngineContext, 'model' | 'reconciler' | 'tracked' | 'pins' | 'flags' | 'cfg'>,
    private readonly nextHop: NextHopLookup,
    private readonly localAddrs: LocalAddressLookup,
  ) {}

  async build(bridgeId: string): Promise<BridgeView | null> {
    const { model, tracked, cfg } = this.ctx;
    const b = model.bridges.get(bridgeId);
    if (!b) return null;
    const members = model.membersOf(bridgeId);
    const t = tracked.get(bridgeId);
    const cookie =
      members.length === 2
        ? pairCookie(cfg.plan.cookieTag, bridgeId, [members[0]!.info.id, members[1]!.info.id])
        : null;
    const legs: LegView[] = [];
    for (const ch of members) legs.push(await this.legView(ch, cookie, t?.confirmed));
    return {
      id: bridgeId,
      technology: b.technology,
      members: legs,
      twoPartySince: b.twoPartySince,
      pin: pinOf(this.ctx.pins, bridgeId, members),
      backoffUntil: t?.backoffUntil ?? null,
      offloaded: t?.state === 'offloaded' || (legs.length === 2 && legs.every((l) => l.forwardingInstalled)),
    };
  }

  private async legView(
    ch: ChannelState,
    cookie: bigint | null,
    confirmed?: Map<string, string>,
  ): Promise<LegView> {
    const leg = ch.leg;
    const localResolved = leg?.local
      ? await resolveLocal(leg.local, this.ctx.cfg.localAddresses, this.localAddrs)
      : null;
    const remote = leg?.remote ?? null;
    const nextHopMac = remote ? await this.nextHop.lookup(remote.address).catch(() => null) : null;
    let probed: number | null = null;
    let forwardingInstalled = false;
    const key =
      cookie !== null && remote && localResolved && localResolved !== 'ambiguous'
        ? this.ingressKey(remote, localResolved)
        : null;
    if (key !== null && remote) {
      const m = this.ctx.reconciler.installed(key);
      probed = m ? m.packets : null;
      forwardingInstalled = m?.role === 'rtp-forward';
      if (confirmed?.get(ch.info.id) === `${remote.address}:${remote.port}`)
        probed = Math.max(probed ?? 0, 1);
    }
    return {
      channel: ch.info,
      leg,
      facts: ch.facts,
      heldByEvent: ch.holding || ch.hearingMoh,
      audiohooks: ch.audiohooks,
      rtcpFromRemote: ch.rtcpFromRemoteAt !== null,
      localResolved,
      probedIngressPackets: probed,
      nextHopMac,
      forwardingInstalled,
    };
  }

  /** Key of the flow matching a leg's RTP arriving from its remote on the uplink. */
  private ingressKey(remote: SocketAddr, local: SocketAddr): string | null {
    const sf = this.ctx.flags.switchFacts;
    if (!sf) return null;
    const plan = this.ctx.cfg.plan;
    return flowKey({
      table: plan.table,
      priority: plan.priority,
      match: {
        inPort: { port: sf.uplinkPort },
        family: remote.family,
        vlan: plan.vlan,
        srcIp: remote.address,
        srcPort: remote.port,
        dstIp: local.address,
        dstPort: local.port,
      },
    });
  }
}

/** A pin on the bridge, overridden by `revert` on any member, or by `offload` if the bridge has none. */
export function pinOf(
  pins: ReadonlyMap<string, Pin>,
  bridgeId: string,
  members: readonly ChannelState[],
): Pin | null {
  let pin: Pin | null = pins.get(bridgeId) ?? null;
  for (const ch of members) {
    const p = pins.get(ch.info.id);
    if (p === 'revert' || (p === 'offload' && pin === null)) pin = p;
  }
  return pin;
}

/** The concrete local address of a socket Asterisk bound to a wildcard, from config or the interface. */
export async function resolveLocal(
  local: SocketAddr,
  configured: EngineConfig['localAddresses'],
  lookup: LocalAddressLookup,
): Promise<SocketAddr | 'ambiguous' | null> {
  const wildcard = local.address === '0.0.0.0' || local.address === '::';
  if (!wildcard) return local;
  const address =
    (local.family === 4 ? configured.ipv4 : configured.ipv6) ??
    (await lookup.single(local.family).catch(() => null));
  if (address === null || address === 'ambiguous') return address;
  return { address, port: local.port, family: local.family };
}
