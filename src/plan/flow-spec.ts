import type { IpFamily } from '../model/pbx.js';

/**
 * A flow the agent wants in the switch, in the core's own terms (the switch adapter turns
 * it into an OpenFlow FLOW_MOD). Only the fields the agent ever uses exist; every match is
 * exact, never masked, so no flow can ever cover more than one stream.
 */
export interface FlowMatch {
  readonly inPort: PortRef;
  readonly family: IpFamily;
  /** 802.1Q VLAN id when the uplink is tagged; `null` for untagged. */
  readonly vlan: number | null;
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstPort: number;
  /**
   * Which datagrams the flow takes: `'no'` (also when absent) only unfragmented ones, as
   * Open vSwitch's `ip_frag=no`. Only the first fragment carries the UDP ports, so a flow
   * keyed on ports would forward it while the later fragments go to Asterisk: every flow the
   * agent writes leaves all fragments to Asterisk. `'any'` is read back from flows written
   * without that field (by an earlier version); it is a different flow to the switch.
   */
  readonly ipFrag?: 'no' | 'any';
}

/** A port by OpenFlow number, or a reserved port the switch understands. */
export type PortRef = { readonly port: number } | { readonly reserved: 'LOCAL' | 'IN_PORT' | 'NORMAL' };

export type FlowAction =
  | { readonly type: 'set-eth-src'; readonly mac: string }
  | { readonly type: 'set-eth-dst'; readonly mac: string }
  | { readonly type: 'set-ip-src'; readonly ip: string }
  | { readonly type: 'set-ip-dst'; readonly ip: string }
  | { readonly type: 'set-udp-src'; readonly port: number }
  | { readonly type: 'set-udp-dst'; readonly port: number }
  | { readonly type: 'set-ip-dscp'; readonly dscp: number }
  | { readonly type: 'set-ttl'; readonly ttl: number }
  | { readonly type: 'output'; readonly to: PortRef };

/** What a flow is for: rewrite (the offload itself), confirm a remote, or watch Asterisk's egress. */
export type FlowRole = 'rtp-forward' | 'ingress-probe' | 'egress-watch';

export interface FlowSpec {
  /** Agent tag (top 16 bits) + pair id (low 48 bits). */
  readonly cookie: bigint;
  readonly table: number;
  readonly priority: number;
  readonly idleTimeout: number;
  readonly match: FlowMatch;
  readonly actions: readonly FlowAction[];
  /** Bridge and leg (channel id) the flow serves; not sent to the switch. */
  readonly owner: { readonly bridgeId: string; readonly channelId: string; readonly role: FlowRole };
}

function portKey(p: PortRef): string {
  return 'port' in p ? String(p.port) : p.reserved;
}

/** Identity of a flow in the switch: OpenFlow treats table + priority + match as one flow. */
export function flowKey(f: Pick<FlowSpec, 'table' | 'priority' | 'match'>): string {
  const m = f.match;
  const frag = m.ipFrag === 'any' ? '/frag:any' : '';
  return `${f.table}/${f.priority}/${portKey(m.inPort)}/${m.vlan ?? '-'}/${m.srcIp}:${m.srcPort}>${m.dstIp}:${m.dstPort}${frag}`;
}

/** Everything that, if different, needs the flow rewritten (ADD over the same key). */
export function flowBody(f: Pick<FlowSpec, 'cookie' | 'idleTimeout' | 'actions'>): string {
  const acts = f.actions.map((a) => {
    switch (a.type) {
      case 'output':
        return `out:${portKey(a.to)}`;
      case 'set-eth-src':
      case 'set-eth-dst':
        return `${a.type}:${a.mac}`;
      case 'set-ip-src':
      case 'set-ip-dst':
        return `${a.type}:${a.ip}`;
      case 'set-udp-src':
      case 'set-udp-dst':
        return `${a.type}:${a.port}`;
      case 'set-ip-dscp':
        return `dscp:${a.dscp}`;
      case 'set-ttl':
        return `ttl:${a.ttl}`;
    }
  });
  return `${f.cookie.toString(16)}|${f.idleTimeout}|${acts.join(',')}`;
}

/** A flow that rewrites and forwards (as opposed to a pass-through probe or watch). */
export function isForwarding(f: Pick<FlowSpec, 'actions'>): boolean {
  return f.actions.some((a) => a.type === 'set-ip-dst');
}
