import { flowBody, flowKey, type FlowSpec } from '../../../src/plan/flow-spec.js';
import type {
  ApplyFailure,
  FlowPort,
  FlowRef,
  FlowRemoved,
  InstalledFlow,
} from '../../../src/switch/flow-port.js';

/** An in-memory switch table for unit tests of the diff: records every operation. */
export class MemoryPort implements FlowPort {
  readonly table = new Map<string, { spec: FlowSpec; packets: number; addedAt: number }>();
  readonly ops: string[] = [];
  failAdds = new Set<string>();
  /** Like Open vSwitch with OFPFF_SEND_FLOW_REM: a deleted forwarding flow reports its final counters. */
  sendsFlowRemoved = false;
  dumps = 0;
  private removed: ((r: FlowRemoved) => void)[] = [];
  private ready: (() => void)[] = [];

  async dump(cookie: bigint, mask: bigint): Promise<InstalledFlow[]> {
    this.dumps++;
    return [...this.table.entries()]
      .filter(([, v]) => (v.spec.cookie & mask) === (cookie & mask))
      .map(([key, v]) => ({
        key,
        body: flowBody(v.spec),
        cookie: v.spec.cookie,
        packets: v.packets,
        bytes: v.packets * 200,
        durationSec: 1,
        spec: v.spec,
      }));
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
        for (const l of this.removed) l(r);
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
