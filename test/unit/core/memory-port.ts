import { decodeFlowMod, flowModLength, writeFlowMod } from '../../../src/openflow/codec/flow-mod.js';
import { flowKey, type FlowSpec } from '../../../src/plan/flow-spec.js';
import type {
  ApplyFailure,
  FlowPort,
  FlowRef,
  FlowRemoved,
  InstalledFlow,
} from '../../../src/switch/flow-port.js';
import { fromStats, toFlowMod } from '../../../src/switch/openflow-port.js';

/**
 * What Open vSwitch would report for a flow the agent wrote: the FLOW_MOD as bytes, decoded,
 * and read back the way the agent reads FLOW stats. A key the agent builds from text the switch
 * would not echo (an address in another spelling) then differs here as it would on a switch.
 */
function readBack(spec: FlowSpec, packets: number): InstalledFlow {
  const fields = toFlowMod(spec);
  const buf = Buffer.alloc(flowModLength(fields));
  writeFlowMod(buf, 0, 1, fields);
  const m = decodeFlowMod(buf);
  return fromStats({
    tableId: m.tableId,
    durationSec: 1,
    durationNsec: 0,
    priority: m.priority,
    idleTimeout: m.idleTimeout,
    hardTimeout: m.hardTimeout,
    flags: m.flags,
    cookie: m.cookie,
    packetCount: BigInt(packets),
    byteCount: BigInt(packets * 200),
    match: m.match,
    instructions: m.instructions,
  });
}

/** An in-memory switch table for unit tests of the diff: records every operation. */
export class MemoryPort implements FlowPort {
  readonly table = new Map<string, { spec: FlowSpec; packets: number; addedAt: number }>();
  readonly ops: string[] = [];
  failAdds = new Set<string>();
  /** Like Open vSwitch with OFPFF_SEND_FLOW_REM: a deleted forwarding flow reports its final counters. */
  sendsFlowRemoved = false;
  /** Like Open vSwitch on a busy machine: the FLOW_REMOVED comes after the delete's barrier reply. */
  flowRemovedLate = false;
  /** FLOW_REMOVED held back by `flowRemovedLate`, sent by `deliverLateRemovals`. */
  readonly lateRemovals: FlowRemoved[] = [];
  flowRemovedGraceMs?: number;
  dumps = 0;
  private removed: ((r: FlowRemoved) => void)[] = [];
  private ready: (() => void)[] = [];

  async dump(cookie: bigint, mask: bigint): Promise<InstalledFlow[]> {
    this.dumps++;
    return [...this.table.entries()]
      .filter(([, v]) => (v.spec.cookie & mask) === (cookie & mask))
      .map(([, v]) => readBack(v.spec, v.packets));
  }

  async apply(adds: readonly FlowSpec[], deletes: readonly FlowRef[]): Promise<ApplyFailure[]> {
    const failures: ApplyFailure[] = [];
    for (const d of deletes) {
      const key = flowKey(d);
      this.ops.push(`del ${key}`);
      const gone = this.table.get(key);
      this.table.delete(key);
      if (gone && this.sendsFlowRemoved && gone.spec.owner.role === 'rtp-forward') {
        const r: FlowRemoved = {
          key,
          cookie: gone.spec.cookie,
          reason: 'delete',
          packets: gone.packets,
          bytes: gone.packets * 200,
        };
        if (this.flowRemovedLate) this.lateRemovals.push(r);
        else for (const l of this.removed) l(r);
      }
    }
    for (const a of adds) {
      const key = flowKey(a);
      if (this.failAdds.has(key)) {
        failures.push({ key, op: 'add', error: 'FLOW_MOD_FAILED/TABLE_FULL' });
        continue;
      }
      this.ops.push(`add ${key}`);
      const prev = this.table.get(key);
      this.table.set(key, {
        spec: a,
        packets: prev?.packets ?? 0,
        addedAt: prev?.addedAt ?? this.ops.length,
      });
    }
    return failures;
  }

  async deleteByCookie(cookie: bigint, mask: bigint): Promise<void> {
    for (const [k, v] of this.table) if ((v.spec.cookie & mask) === (cookie & mask)) this.table.delete(k);
  }

  deliverLateRemovals(): void {
    for (const r of this.lateRemovals.splice(0)) for (const l of this.removed) l(r);
  }

  onFlowRemoved(l: (r: FlowRemoved) => void): void {
    this.removed.push(l);
  }
  onReady(l: () => void): void {
    this.ready.push(l);
  }
  fireReady(): void {
    for (const l of this.ready) l();
  }
  expire(key: string): void {
    const v = this.table.get(key);
    if (!v) return;
    this.table.delete(key);
    for (const l of this.removed)
      l({ key, cookie: v.spec.cookie, reason: 'idle', packets: v.packets, bytes: 0 });
  }
}
