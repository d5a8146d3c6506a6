import type { FlowSpec } from '../plan/flow-spec.js';
import { flowKey } from '../plan/flow-spec.js';
import type {
  ApplyFailure,
  ApplyOptions,
  FlowPort,
  FlowRef,
  FlowRemoved,
  InstalledFlow,
} from './flow-port.js';

export interface PacingOptions {
  /** At most this many flow mods between two barriers. */
  readonly flowModsPerBatch: number;
  /**
   * Pause between two batches of one burst, in percent of the last batch's barrier round
   * trip: a switch busy with what it was just sent answers late, and gets a longer rest.
   */
  readonly pausePercent: number;
  /** Bounds of that pause in milliseconds. */
  readonly minPauseMs: number;
  readonly maxPauseMs: number;
}

export const DEFAULT_PACING: PacingOptions = {
  flowModsPerBatch: 32,
  pausePercent: 100,
  minPauseMs: 1,
  maxPauseMs: 20,
};

export interface PacingStats {
  /** Requests `apply` was called with, and the barrier-ended batches they went out in. */
  readonly requests: number;
  readonly batches: number;
  readonly pauses: number;
  /** Time spent pausing between batches (the pacing's cost), in milliseconds. */
  readonly pausedMs: number;
}

interface Pending {
  readonly adds: readonly FlowSpec[];
  readonly deletes: readonly FlowRef[];
  readonly resolve: (failures: ApplyFailure[]) => void;
  readonly reject: (err: unknown) => void;
}

interface Part {
  readonly owner: Pending;
  readonly op: 'add' | 'delete';
  readonly ref: FlowRef | FlowSpec;
}

/**
 * The switch write path shared by every evaluation. Requests that arrive while a batch is on
 * its way join the next one (group commit): a hundred hangups go out as a few batches with
 * one barrier each, not a hundred round trips. Urgent requests (a member left) are not
 * paced and wait for no batch (`sendUrgent`). A paced burst is cut into batches of at most
 * `flowModsPerBatch` mods with a pause after each, because a userspace (netdev) switch
 * polls its ports on the thread that applies flow mods: a long run of mods (and the upcalls
 * the changed table causes) overflows its receive sockets and drops media.
 *
 * Deletes go before adds within a batch, as in `FlowPort.apply`; across requests that is
 * safe because every delete is strict by cookie, and cookies are per bridge.
 */
export class PacedFlowPort implements FlowPort {
  private queue: Pending[] = [];
  private urgent: Pending[] = [];
  private draining = false;
  private lastRoundTripMs = 0;
  private counts = { requests: 0, batches: 0, pauses: 0, pausedMs: 0 };

  constructor(
    private readonly inner: FlowPort,
    private pacing: PacingOptions = DEFAULT_PACING,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Takes effect from the next batch (tests compare paced and unpaced in one run). */
  setPacing(pacing: PacingOptions): void {
    this.pacing = pacing;
  }

  stats(): PacingStats {
    return { ...this.counts };
  }

  apply(
    adds: readonly FlowSpec[],
    deletes: readonly FlowRef[],
    o: ApplyOptions = {},
  ): Promise<ApplyFailure[]> {
    if (adds.length === 0 && deletes.length === 0) return Promise.resolve([]);
    this.counts.requests++;
    return new Promise((resolve, reject) => {
      const p: Pending = { adds, deletes, resolve, reject };
      if (o.urgent === true) return this.sendUrgent(p);
      this.queue.push(p);
      if (!this.draining) {
        this.draining = true;
        // Evaluations woken by the same burst of events (one AMI read) join the first batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  /**
   * Urgent work (a member left: deletes only) waits for no batch on its way: requests of one
   * turn of the event loop go out together at once, pipelined behind whatever is in flight
   * on the same connection, which the switch takes in order. One evaluation per bridge at a
   * time means no earlier request of the same bridge still waits in the paced queue, so
   * going ahead cannot reorder one bridge's mods.
   */
  private sendUrgent(p: Pending): void {
    this.urgent.push(p);
    if (this.urgent.length > 1) return;
    setImmediate(() => {
      const parts = this.take(this.urgent);
      this.urgent = [];
      void this.send(parts, []); // settles its own requests, and rejects them on a switch error
    });
  }

  /** Sends batches until nothing waits; a request arriving meanwhile joins the next batch. */
  private async drain(): Promise<void> {
    let parts: Part[] = [];
    let first = true;
    let sent = 0;
    try {
      for (;;) {
        parts = parts.concat(this.take(this.queue));
        this.queue = [];
        if (parts.length === 0) break;
        if (!first) await this.pause(sent);
        first = false;
        const batch = parts.slice(0, this.pacing.flowModsPerBatch);
        parts = parts.slice(batch.length);
        sent = batch.length;
        await this.send(batch, parts);
      }
    } finally {
      this.draining = false;
      // A request queued after the last `take` (a rejection path) must still go out.
      if (this.queue.length > 0) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    }
  }

  private take(taken: readonly Pending[]): Part[] {
    const parts: Part[] = [];
    for (const p of taken) {
      for (const ref of p.deletes) parts.push({ owner: p, op: 'delete', ref });
      for (const ref of p.adds) parts.push({ owner: p, op: 'add', ref });
    }
    return parts;
  }

  /**
   * After a batch of `sent` mods. Scaled by how full that batch was: requests trickling in one
   * at a time must not each wait out a full pause (that would serialise them), while a burst
   * of full batches gets the whole rest between them.
   */
  private async pause(sent: number): Promise<void> {
    const { pausePercent, minPauseMs, maxPauseMs, flowModsPerBatch } = this.pacing;
    const full = Math.min(maxPauseMs, Math.max(minPauseMs, (this.lastRoundTripMs * pausePercent) / 100));
    const ms = (full * Math.min(sent, flowModsPerBatch)) / flowModsPerBatch;
    if (ms <= 0) return;
    const t0 = performance.now();
    await this.sleep(ms);
    this.counts.pauses++;
    this.counts.pausedMs += performance.now() - t0;
  }

  /**
   * One batch and its barrier. Each request settles with the batch that carries its last
   * mod; a switch error rejects every request still waiting for this batch or a later one.
   */
  private async send(batch: readonly Part[], rest: Part[]): Promise<void> {
    const adds = batch.filter((p) => p.op === 'add').map((p) => p.ref as FlowSpec);
    const deletes = batch.filter((p) => p.op === 'delete').map((p) => p.ref);
    const t0 = performance.now();
    let failures: ApplyFailure[];
    try {
      failures = await this.inner.apply(adds, deletes);
    } catch (err) {
      const owners = new Set([...batch, ...rest].map((p) => p.owner));
      rest.length = 0;
      for (const o of owners) o.reject(err);
      return;
    } finally {
      this.counts.batches++;
      this.lastRoundTripMs = performance.now() - t0;
    }
    const failed = new Map(failures.map((f) => [`${f.op}:${f.key}`, f]));
    const done = new Set(batch.map((p) => p.owner));
    for (const p of rest) done.delete(p.owner);
    const byOwner = new Map<Pending, ApplyFailure[]>();
    for (const p of batch) {
      const f = failed.get(`${p.op}:${flowKey(p.ref)}`);
      if (!f) continue;
      const list = byOwner.get(p.owner) ?? [];
      list.push(f);
      byOwner.set(p.owner, list);
    }
    for (const [owner, list] of byOwner) carried(owner).push(...list);
    for (const o of done) o.resolve(carried(o));
  }

  dump(cookie: bigint, mask: bigint): Promise<InstalledFlow[]> {
    return this.inner.dump(cookie, mask);
  }

  deleteByCookie(cookie: bigint, mask: bigint): Promise<void> {
    return this.inner.deleteByCookie(cookie, mask);
  }

  get flowRemovedGraceMs(): number {
    return this.inner.flowRemovedGraceMs ?? 0;
  }

  onFlowRemoved(listener: (removed: FlowRemoved) => void): void {
    this.inner.onFlowRemoved(listener);
  }

  onReady(listener: () => void): void {
    this.inner.onReady(listener);
  }
}

/** Failures a request collected over the batches its mods went out in. */
const carriedFailures = new WeakMap<Pending, ApplyFailure[]>();
function carried(p: Pending): ApplyFailure[] {
  let list = carriedFailures.get(p);
  if (!list) carriedFailures.set(p, (list = []));
  return list;
}
