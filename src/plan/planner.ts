import type { SocketAddr } from '../model/pbx.js';
import { pairCookie } from './cookie.js';
import type { FlowAction, FlowMatch, FlowSpec, PortRef } from './flow-spec.js';

export interface PlanOptions {
  /** Agent tag, the top 16 bits of every cookie. */
  readonly cookieTag: number;
  readonly table: number;
  readonly priority: number;
  /** Seconds without a packet before the switch removes a forwarding flow by itself. */
  readonly idleTimeout: number;
  /** Longer: egress and probe flows see no packets while a call is offloaded. */
  readonly watchIdleTimeout: number;
  /** TTL (hop limit) of rewritten packets: fresh, as if Asterisk had sent them. */
  readonly ttl: number;
  /** MAC of the interface that owns the PBX addresses: peers know the PBX by it. */
  readonly bridgeMac: string;
  /** OpenFlow port toward the remotes (the uplink). */
  readonly uplinkPort: number;
  readonly vlan: number | null;
}

export interface PlanLeg {
  readonly channelId: string;
  readonly local: SocketAddr;
  readonly remote: SocketAddr;
  /** Required to forward; probe flows need none. */
  readonly nextHopMac: string | null;
  readonly dscp: number;
}

/**
 * `forward`: the switch carries RTP both ways. `probe`: pass-through counting flows that
 * confirm each remote really sends from its address before anything is rewritten.
 */
export type PlanMode = 'forward' | 'probe';

const IN_PORT: PortRef = { reserved: 'IN_PORT' };
const LOCAL: PortRef = { reserved: 'LOCAL' };
const NORMAL: PortRef = { reserved: 'NORMAL' };

/**
 * The flows of one bridged stream pair. RTP only: RTCP (port + 1) matches none of them and
 * stays with Asterisk (policy refuses rtcp-mux, where no L4 match could tell RTCP from
 * RTP). Every match takes only unfragmented datagrams (`ipFrag: 'no'`): a fragment has no
 * ports to tell streams apart, so all of them stay with Asterisk. Every action list ends in an output, so no flow
 * ever drops a packet, and every match names one remote address and port toward one
 * local port, so the switch never relays for anyone else.
 */
export function planPair(
  bridgeId: string,
  mode: PlanMode,
  legs: readonly [PlanLeg, PlanLeg],
  o: PlanOptions,
): FlowSpec[] {
  const cookie = pairCookie(o.cookieTag, bridgeId, [legs[0].channelId, legs[1].channelId]);
  const flows: FlowSpec[] = [];
  for (const [from, to] of [
    [legs[0], legs[1]],
    [legs[1], legs[0]],
  ] as const) {
    const ingress: FlowMatch = {
      inPort: { port: o.uplinkPort },
      family: from.remote.family,
      vlan: o.vlan,
      srcIp: from.remote.address,
      srcPort: from.remote.port,
      dstIp: from.local.address,
      dstPort: from.local.port,
      ipFrag: 'no',
    };
    if (mode === 'forward') {
      if (to.nextHopMac === null) throw new Error(`planPair: no next hop for ${to.channelId}`);
      const actions: FlowAction[] = [
        { type: 'set-eth-src', mac: o.bridgeMac },
        { type: 'set-eth-dst', mac: to.nextHopMac },
        { type: 'set-ip-src', ip: to.local.address },
        { type: 'set-ip-dst', ip: to.remote.address },
        { type: 'set-udp-src', port: to.local.port },
        { type: 'set-udp-dst', port: to.remote.port },
        { type: 'set-ip-dscp', dscp: to.dscp },
        { type: 'set-ttl', ttl: o.ttl },
        // Both remotes sit behind the uplink: a switch never sends a packet back out the
        // port it came in on unless told OFPP_IN_PORT (OpenFlow 1.3.5 §4.5).
        { type: 'output', to: IN_PORT },
      ];
      flows.push({
        cookie,
        table: o.table,
        priority: o.priority,
        idleTimeout: o.idleTimeout,
        match: ingress,
        actions,
        owner: { bridgeId, channelId: from.channelId, role: 'rtp-forward' },
      });
    } else {
      flows.push({
        cookie,
        table: o.table,
        priority: o.priority,
        idleTimeout: o.watchIdleTimeout,
        match: ingress,
        actions: [{ type: 'output', to: NORMAL }],
        owner: { bridgeId, channelId: from.channelId, role: 'ingress-probe' },
      });
    }
    // Asterisk's own sending on this leg: still while the switch forwards; if it moves,
    // Asterisk is relaying something the switch missed.
    flows.push({
      cookie,
      table: o.table,
      priority: o.priority,
      idleTimeout: o.watchIdleTimeout,
      match: {
        inPort: LOCAL,
        family: from.local.family,
        vlan: null,
        srcIp: from.local.address,
        srcPort: from.local.port,
        dstIp: from.remote.address,
        dstPort: from.remote.port,
        ipFrag: 'no',
      },
      actions: [{ type: 'output', to: NORMAL }],
      owner: { bridgeId, channelId: from.channelId, role: 'egress-watch' },
    });
  }
  return flows;
}
