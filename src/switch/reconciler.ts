import { flowBody, flowKey, isForwarding, type FlowSpec } from '../plan/flow-spec.js';
import type { ApplyOptions, FlowPort, FlowRef, InstalledFlow } from './flow-port.js';

const ALL_ONES = 0xffff_ffff_ffff_ffffn;

export interface ReconcileStats {
  readonly added: number;
  readonly deleted: number;
  readonly failed: number;
  readonly unchanged: number;
}

/**
 * One installed flow. With 20,000 calls there are 80,000: no strings of its own (its key is
 * the one string the desired map and the owner index share; its body is computed from `ref`
 * when compared), so the mirror costs little beyond the specs the planner made anyway.
 */
interface MirrorEntry {
  /** Forwarding flow or pass-through (probe, watch). */
  readonly role: 'rtp-forward' | 'pass-through';
  /** The spec written (by `sync`) or read back (by `refresh`): what `body` is compared from. */
  readonly ref: FlowRef & Pick<FlowSpec, 'idleTimeout' | 'actions'>;
  packets: number;
  bytes: number;
  durationSec: number;
  /** `writeMark` once this entry was written (by `sync`) or read back (by `refresh`). */
  readonly mark: number;
}

/**
 * Desired flows (from the planner) against installed flows (a mirror of the switch). One
 * diff serves start-up, reconnects, audits and every call change: what is installed and
 * still desired is never touched (no media blip when the agent restarts), what differs in
 * body is re-added over the same match (OpenFlow ADD replaces actions and keeps counters),
 * what nobody desires is deleted.
 */
export class Reconciler {
  private readonly desired = new Map<string, Map<string, FlowSpec>>();
  /** key → bridge id, for every desired flow. */
  private readonly owners = new Map<string, string>();
  private readonly mirror = new Map<string, MirrorEntry>();
  /** Counts mirror writes: a dump asked for at mark m may predate any entry marked above m. */
  private writes = 0;

  constructor(
    /** Public for the lab and the bench, which read the write path's pacing statistics. */
    readonly port: FlowPort,
    private readonly cookieTag: bigint,
    private readonly cookieMask: bigint,
  ) {}

  /** Replaces the desired flows of one bridge. Nothing is sent until `sync`. */
  setDesired(bridgeId: string, flows: readonly FlowSpec[]): void {
    const old = this.desired.get(bridgeId);
    if (old) for (const key of old.keys()) if (this.owners.get(key) === bridgeId) this.owners.delete(key);
    if (flows.length === 0) {
      this.desired.delete(bridgeId);
      return;
    }
    const next = new Map<string, FlowSpec>();
    for (const f of flows) {
      const key = flowKey(f);
      next.set(key, f);
      this.owners.set(key, bridgeId);
    }
    this.desired.set(bridgeId, next);
  }

  desiredOf(bridgeId: string): readonly FlowSpec[] {
    return [...(this.desired.get(bridgeId)?.values() ?? [])];
  }

  installed(key: string): MirrorEntry | undefined {
    return this.mirror.get(key);
  }

  /** Take before asking the switch for a dump; see `installedAfter`. */
  get writeMark(): number {
    return this.writes;
  }

  /**
   * Whether the mirror entry was written (by `sync`, or read back by `refresh`) after
   * `writeMark` gave `mark`: a dump asked for at that mark may predate it, so the flow's
   * absence from that dump says nothing.
   */
  installedAfter(key: string, mark: number): boolean {
    return (this.mirror.get(key)?.mark ?? 0) > mark;
  }

  /** Brings the given bridges (or all, when omitted) to their desired state in one batch. */
  async sync(
    bridgeIds?: Iterable<string>,
    previousKeys?: Iterable<string>,
    o: ApplyOptions = {},
  ): Promise<ReconcileStats & { failures: string[] }> {
    const adds: FlowSpec[] = [];
    const addKeys: string[] = [];
    const deletes: FlowRef[] = [];
    let unchanged = 0;
    const scope = bridgeIds ? [...bridgeIds] : [...this.desired.keys()];
    for (const id of scope) {
      for (const [key, spec] of this.desired.get(id) ?? []) {
        const have = this.mirror.get(key);
        if (have && (have.ref === spec || flowBody(have.ref) === flowBody(spec))) unchanged++;
        else {
          adds.push(spec);
          addKeys.push(key);
        }
      }
    }
    // Deletion candidates: flows the scope used to own, or (full sync) everything mirrored.
    const candidates = previousKeys ? [...previousKeys] : bridgeIds ? [] : [...this.mirror.keys()];
    for (const key of candidates) {
      if (this.owners.has(key)) continue;
      const have = this.mirror.get(key);
      if (have) deletes.push(have.ref);
    }
    if (adds.length === 0 && deletes.length === 0)
      return { added: 0, deleted: 0, failed: 0, unchanged, failures: [] };

    const failures = await this.port.apply(adds, deletes, o);
    const failed = new Set(failures.map((f) => `${f.op}:${f.key}`));
    for (const ref of deletes) {
      const key = flowKey(ref);
      // During a transfer two bridges can want the same match; a DELETE_STRICT carries the
      // old cookie, so it leaves the new owner's flow alone, and so must the mirror.
      if (!failed.has(`delete:${key}`) && this.mirror.get(key)?.ref.cookie === ref.cookie)
        this.mirror.delete(key);
    }
    adds.forEach((spec, i) => {
      const key = addKeys[i]!;
      if (failed.has(`add:${key}`)) return;
      const prev = this.mirror.get(key);
      this.mirror.set(key, {
        role: isForwarding(spec) ? 'rtp-forward' : 'pass-through',
        ref: spec,
        packets: prev?.packets ?? 0,
        bytes: prev?.bytes ?? 0,
        durationSec: prev?.durationSec ?? 0,
        mark: ++this.writes,
      });
    });
    return {
      added: adds.length - failures.filter((f) => f.op === 'add').length,
      deleted: deletes.length - failures.filter((f) => f.op === 'delete').length,
      failed: failures.length,
      unchanged,
      failures: failures.map((f) => `${f.op} ${f.key}: ${f.error}`),
    };
  }

  /** Keys a bridge's desired flows had; pass them to `sync` after `setDesired` to delete leftovers. */
  keysOf(bridgeId: string): string[] {
    return [...(this.desired.get(bridgeId)?.keys() ?? [])];
  }

  /**
   * Re-reads every flow carrying our tag from the switch (start-up, reconnect). A flow with
   * our tag but a shape we never write (another controller misusing the tag, a hand-made
   * flow) cannot be diffed: it is deleted by its exact cookie, and its pair, if still
   * wanted, is added again.
   */
  async refresh(): Promise<InstalledFlow[]> {
    const flows = await this.port.dump(this.cookieTag, this.cookieMask);
    this.mirror.clear();
    const mark = ++this.writes;
    const strays = new Set<bigint>();
    for (const f of flows) {
      if (!f.spec) {
        strays.add(f.cookie);
        continue;
      }
      // The desired map's own key string when there is one: one copy per flow, not two.
      const key = this.owners.has(f.key) ? this.keyOf(f.key) : f.key;
      this.mirror.set(key, {
        role: isForwarding(f.spec) ? 'rtp-forward' : 'pass-through',
        ref: f.spec,
        packets: f.packets,
        bytes: f.bytes,
        durationSec: f.durationSec,
        mark,
      });
    }
    for (const cookie of strays) {
      await this.port.deleteByCookie(cookie, ALL_ONES);
      for (const [key, m] of this.mirror) if (m.ref.cookie === cookie) this.mirror.delete(key);
    }
    return flows;
  }

  /** The desired map's instance of an equal key string (found through the owner index). */
  private keyOf(key: string): string {
    const owner = this.owners.get(key);
    const desired = owner === undefined ? undefined : this.desired.get(owner);
    if (desired) for (const k of desired.keys()) if (k === key) return k;
    return key;
  }

  /** Updates counters from a dump without re-deciding anything. */
  updateCounters(flows: readonly InstalledFlow[]): void {
    for (const f of flows) {
      const m = this.mirror.get(f.key);
      if (m) {
        m.packets = f.packets;
        m.bytes = f.bytes;
        m.durationSec = f.durationSec;
      }
    }
  }

  /** The switch dropped a flow by itself (idle timeout) or another controller deleted it. */
  forget(key: string): string | undefined {
    this.mirror.delete(key);
    return this.owners.get(key);
  }

  get installedCount(): number {
    return this.mirror.size;
  }

  /** Bridge owning a desired flow. */
  ownerOf(key: string): string | undefined {
    return this.owners.get(key);
  }
}
