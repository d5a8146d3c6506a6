import {
  ETH_TYPE_IPV4,
  ETH_TYPE_IPV6,
  IP_FRAG_MASK,
  IP_FRAG_NO,
  IP_PROTO_UDP,
  OFPFC_ADD,
  OFPFC_DELETE_STRICT,
  OFPFF_SEND_FLOW_REM,
  OFPP_IN_PORT,
  OFPP_LOCAL,
  OFPP_NORMAL,
  OFPRR_DELETE,
  OFPRR_HARD_TIMEOUT,
  OFPRR_IDLE_TIMEOUT,
  type Action,
  type FlowModFields,
  type FlowStatsEntry,
  type Match,
  type OpenFlowConnection,
  type OxmField,
} from '../openflow/index.js';
import {
  flowBody,
  flowKey,
  type FlowAction,
  type FlowMatch,
  type FlowSpec,
  type PortRef,
} from '../plan/flow-spec.js';
import type { ApplyFailure, FlowPort, FlowRef, FlowRemoved, InstalledFlow } from './flow-port.js';

const ALL_ONES = 0xffff_ffff_ffff_ffffn;
/** Flow stats entries `dump` decodes (a few ms) before letting the event loop run. */
const DECODE_SLICE = 1000;
/** OXM VLAN_VID carries OFPVID_PRESENT (0x1000) for a tagged packet (1.3.5 §7.2.3.8). */
const OFPVID_PRESENT = 0x1000;

function portNumber(p: PortRef): number {
  if ('port' in p) return p.port;
  return p.reserved === 'LOCAL' ? OFPP_LOCAL : p.reserved === 'IN_PORT' ? OFPP_IN_PORT : OFPP_NORMAL;
}

function portRef(n: number): PortRef {
  if (n === OFPP_LOCAL) return { reserved: 'LOCAL' };
  if (n === OFPP_IN_PORT) return { reserved: 'IN_PORT' };
  if (n === OFPP_NORMAL) return { reserved: 'NORMAL' };
  return { port: n };
}

/**
 * Prerequisites first (IN_PORT, ETH_TYPE, IP_PROTO), as OVS checks them in order. `ip_frag=no`
 * goes where OVS puts it in a flow dump (after the addresses), as the unmasked 0 OVS writes.
 */
export function toMatch(m: FlowMatch): Match {
  const v6 = m.family === 6;
  const fields: OxmField[] = [{ type: 'IN_PORT', value: portNumber(m.inPort) }];
  if (m.vlan !== null) fields.push({ type: 'VLAN_VID', value: m.vlan | OFPVID_PRESENT });
  fields.push(
    { type: 'ETH_TYPE', value: v6 ? ETH_TYPE_IPV6 : ETH_TYPE_IPV4 },
    { type: 'IP_PROTO', value: IP_PROTO_UDP },
    v6 ? { type: 'IPV6_SRC', value: m.srcIp } : { type: 'IPV4_SRC', value: m.srcIp },
    v6 ? { type: 'IPV6_DST', value: m.dstIp } : { type: 'IPV4_DST', value: m.dstIp },
  );
  if (m.ipFrag !== 'any') fields.push({ type: 'IP_FRAG', value: IP_FRAG_NO });
  fields.push({ type: 'UDP_SRC', value: m.srcPort }, { type: 'UDP_DST', value: m.dstPort });
  return fields;
}

export function toActions(actions: readonly FlowAction[], family: 4 | 6): Action[] {
  return actions.map((a): Action => {
    switch (a.type) {
      case 'set-eth-src':
        return { type: 'SET_FIELD', field: { type: 'ETH_SRC', value: a.mac } };
      case 'set-eth-dst':
        return { type: 'SET_FIELD', field: { type: 'ETH_DST', value: a.mac } };
      case 'set-ip-src':
        return {
          type: 'SET_FIELD',
          field: family === 6 ? { type: 'IPV6_SRC', value: a.ip } : { type: 'IPV4_SRC', value: a.ip },
        };
      case 'set-ip-dst':
        return {
          type: 'SET_FIELD',
          field: family === 6 ? { type: 'IPV6_DST', value: a.ip } : { type: 'IPV4_DST', value: a.ip },
        };
      case 'set-udp-src':
        return { type: 'SET_FIELD', field: { type: 'UDP_SRC', value: a.port } };
      case 'set-udp-dst':
        return { type: 'SET_FIELD', field: { type: 'UDP_DST', value: a.port } };
      case 'set-ip-dscp':
        return { type: 'SET_FIELD', field: { type: 'IP_DSCP', value: a.dscp } };
      case 'set-ttl':
        return { type: 'SET_NW_TTL', ttl: a.ttl };
      case 'output':
        return { type: 'OUTPUT', port: portNumber(a.to) };
    }
  });
}

export function toFlowMod(f: FlowSpec): FlowModFields {
  return {
    command: OFPFC_ADD,
    cookie: f.cookie,
    tableId: f.table,
    priority: f.priority,
    idleTimeout: f.idleTimeout,
    // FLOW_REMOVED carries the final counters of a forwarding flow (accounting on revert).
    flags: f.owner.role === 'rtp-forward' ? OFPFF_SEND_FLOW_REM : 0,
    match: toMatch(f.match),
    instructions: [{ type: 'APPLY_ACTIONS', actions: toActions(f.actions, f.match.family) }],
  };
}

function toDelete(f: FlowRef): FlowModFields {
  return {
    command: OFPFC_DELETE_STRICT,
    cookie: f.cookie,
    cookieMask: ALL_ONES,
    tableId: f.table,
    priority: f.priority,
    match: toMatch(f.match),
  };
}

/** Reads a switch match back into ours; `null` if it is not of a shape the agent writes. */
export function fromMatch(match: Match): FlowMatch | null {
  const get = (t: OxmField['type']): OxmField | undefined => match.find((f) => f.type === t);
  const num = (t: OxmField['type']): number | null => {
    const f = get(t);
    return f && f.type !== 'RAW' && typeof f.value === 'number' && f.mask === undefined ? f.value : null;
  };
  const str = (t: OxmField['type']): string | null => {
    const f = get(t);
    return f && f.type !== 'RAW' && typeof f.value === 'string' && f.mask === undefined ? f.value : null;
  };
  const inPort = num('IN_PORT');
  const ethType = num('ETH_TYPE');
  const srcPort = num('UDP_SRC');
  const dstPort = num('UDP_DST');
  if (inPort === null || num('IP_PROTO') !== IP_PROTO_UDP || srcPort === null || dstPort === null)
    return null;
  const family = ethType === ETH_TYPE_IPV4 ? 4 : ethType === ETH_TYPE_IPV6 ? 6 : null;
  if (family === null) return null;
  const srcIp = str(family === 4 ? 'IPV4_SRC' : 'IPV6_SRC');
  const dstIp = str(family === 4 ? 'IPV4_DST' : 'IPV6_DST');
  if (srcIp === null || dstIp === null) return null;
  const vid = num('VLAN_VID');
  const frag = get('IP_FRAG');
  if (frag !== undefined && !isIpFragNo(frag)) return null;
  const expected = 5 + 2 + (vid === null ? 0 : 1) + (frag === undefined ? 0 : 1);
  if (match.length !== expected) return null;
  return {
    inPort: portRef(inPort),
    family,
    vlan: vid === null ? null : vid & 0xfff,
    srcIp,
    srcPort,
    dstIp,
    dstPort,
    ipFrag: frag === undefined ? 'any' : 'no',
  };
}

/** `ip_frag=no` as OVS dumps it (unmasked 0) or as written with both bits masked. */
function isIpFragNo(f: OxmField): boolean {
  if (f.type !== 'IP_FRAG' || f.value !== IP_FRAG_NO) return false;
  return f.mask === undefined || (f.mask & IP_FRAG_MASK) === IP_FRAG_MASK;
}

export function fromActions(actions: readonly Action[]): FlowAction[] | null {
  const out: FlowAction[] = [];
  for (const a of actions) {
    if (a.type === 'OUTPUT') out.push({ type: 'output', to: portRef(a.port) });
    else if (a.type === 'SET_NW_TTL') out.push({ type: 'set-ttl', ttl: a.ttl });
    else if (a.type === 'SET_FIELD') {
      const f = a.field;
      if (f.type === 'ETH_SRC' || f.type === 'ETH_DST')
        out.push({ type: f.type === 'ETH_SRC' ? 'set-eth-src' : 'set-eth-dst', mac: f.value });
      else if (f.type === 'IPV4_SRC' || f.type === 'IPV6_SRC') out.push({ type: 'set-ip-src', ip: f.value });
      else if (f.type === 'IPV4_DST' || f.type === 'IPV6_DST') out.push({ type: 'set-ip-dst', ip: f.value });
      else if (f.type === 'UDP_SRC') out.push({ type: 'set-udp-src', port: f.value });
      else if (f.type === 'UDP_DST') out.push({ type: 'set-udp-dst', port: f.value });
      else if (f.type === 'IP_DSCP') out.push({ type: 'set-ip-dscp', dscp: f.value });
      else return null;
    } else return null;
  }
  return out;
}

export function fromStats(e: FlowStatsEntry): InstalledFlow {
  const match = fromMatch(e.match);
  const apply =
    e.instructions.length === 1 && e.instructions[0]!.type === 'APPLY_ACTIONS'
      ? e.instructions[0]!.actions
      : null;
  const actions = apply ? fromActions(apply) : null;
  const packets = Number(e.packetCount);
  const bytes = Number(e.byteCount);
  if (!match || !actions) {
    return {
      cookie: e.cookie,
      packets,
      bytes,
      durationSec: e.durationSec,
      key: `unparsed/${e.tableId}/${e.priority}/${e.cookie.toString(16)}`,
      body: null,
      spec: null,
    };
  }
  const spec = {
    cookie: e.cookie,
    table: e.tableId,
    priority: e.priority,
    idleTimeout: e.idleTimeout,
    match,
    actions,
  };
  // The body string is built when first read: audits, every 2 s over every flow, read only
  // keys and counters; start-up and reconnects read it to diff.
  let body: string | undefined;
  return {
    cookie: e.cookie,
    packets,
    bytes,
    durationSec: e.durationSec,
    key: flowKey(spec),
    get body(): string {
      return (body ??= flowBody(spec));
    },
    spec,
  };
}

/**
 * The reconciler's switch, over the project's OpenFlow client. Deletes go before adds in
 * one pipelined batch with a single barrier, so a moved remote never has two flows.
 */
export class OpenFlowPort implements FlowPort {
  /** Seen: FLOW_REMOVED of a deleted flow 10 ms after the delete's barrier reply. */
  readonly flowRemovedGraceMs = 250;
  private removed: ((r: FlowRemoved) => void)[] = [];
  private ready: (() => void)[] = [];
  /** Dumps in flight by cookie/mask. */
  private readonly dumping = new Map<string, Promise<InstalledFlow[]>>();

  constructor(private readonly conn: OpenFlowConnection) {
    conn.on('flowRemoved', (m) => {
      const match = fromMatch(m.match);
      const key = match ? flowKey({ table: m.tableId, priority: m.priority, match }) : null;
      const reason =
        m.reason === OFPRR_IDLE_TIMEOUT
          ? 'idle'
          : m.reason === OFPRR_HARD_TIMEOUT
            ? 'hard'
            : m.reason === OFPRR_DELETE
              ? 'delete'
              : 'other';
      const r: FlowRemoved = {
        key,
        cookie: m.cookie,
        reason,
        packets: Number(m.packetCount),
        bytes: Number(m.byteCount),
      };
      for (const l of this.removed) l(r);
    });
    conn.on('status', (to) => {
      if (to === 'ready') for (const l of this.ready) l();
    });
  }

  /**
   * Flows under a cookie mask. A dump asked for while the same one is in flight shares it
   * (each caller gets its own array): one FLOW stats walk of the table, not one per caller.
   */
  dump(cookie: bigint, mask: bigint): Promise<InstalledFlow[]> {
    const key = `${cookie.toString(16)}/${mask.toString(16)}`;
    let shared = this.dumping.get(key);
    if (shared === undefined) {
      shared = this.dumpOnce(cookie, mask).finally(() => this.dumping.delete(key));
      this.dumping.set(key, shared);
    }
    return shared.then((flows) => flows.slice());
  }

  /** Decodes in slices: an audit's 20,000 flows take over 100 ms, too long to block for. */
  private async dumpOnce(cookie: bigint, mask: bigint): Promise<InstalledFlow[]> {
    const entries = await this.conn.flowStats({ cookie, cookieMask: mask });
    const out: InstalledFlow[] = [];
    for (let i = 0; i < entries.length; i += DECODE_SLICE) {
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      for (let j = i; j < Math.min(i + DECODE_SLICE, entries.length); j++) out.push(fromStats(entries[j]!));
    }
    return out;
  }

  async apply(adds: readonly FlowSpec[], deletes: readonly FlowRef[]): Promise<ApplyFailure[]> {
    const mods = [...deletes.map(toDelete), ...adds.map(toFlowMod)];
    if (mods.length === 0) return [];
    const outcomes = await this.conn.flowMods(mods);
    const failures: ApplyFailure[] = [];
    outcomes.forEach((o, i) => {
      if (o.ok) return;
      const isDelete = i < deletes.length;
      const ref = isDelete ? deletes[i]! : adds[i - deletes.length]!;
      failures.push({
        key: flowKey(ref),
        op: isDelete ? 'delete' : 'add',
        error: `${o.error.typeName}/${o.error.codeName}`,
      });
    });
    return failures;
  }

  async deleteByCookie(cookie: bigint, mask: bigint): Promise<void> {
    await this.conn.deleteFlows({ cookie, cookieMask: mask });
  }

  onFlowRemoved(listener: (r: FlowRemoved) => void): void {
    this.removed.push(listener);
  }

  onReady(listener: () => void): void {
    this.ready.push(listener);
  }
}
