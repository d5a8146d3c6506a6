/**
 * Current bridge technology over AMI. No event reports a technology change (the AMI bridge
 * monitors emit only Create/Destroy/VideoSourceUpdate) and BridgeEnter's value precedes the
 * choice, so the technology must be polled, two ways:
 *
 * - `BridgeInfo` per bridge: one round trip and ~1.05 kB per two-party bridge (ack, a
 *   BridgeInfoChannel per member with its full channel block, the completion with the
 *   bridge block).
 * - One `BridgeList` with `BridgeType: native_rtp`: send_bridge_list_item_cb compares that
 *   filter with the *technology*, so only native_rtp bridges are sent (~250 B each plus
 *   ~170 B), in one round trip; bridges absent from it are not native_rtp (or gone) and are
 *   asked with BridgeInfo. Asterisk still walks every bridge to filter.
 *
 * Measured against the simulated PBX (test/integration/ami-measure.test.ts), 1000 bridges:
 * BridgeInfo for all 1.05 MB / 826 ms at 8 in flight, the filtered list 248 kB / 37 ms; one
 * bridge: BridgeInfo 1.0 kB / 0.5 ms.
 *
 * Which is cheaper depends on how many bridges are asked about versus how many native_rtp
 * bridges exist in total, so the choice is made per query from byte costs measured on this
 * connection. Concurrent queries are coalesced into one run, and runs are spaced by a
 * minimum interval.
 */

import type { BridgeTechnology } from '../../model/pbx.js';
import type { AmiLogger } from './logger.js';

export interface TechnologyCosts {
  /** Bytes of one BridgeInfo reply. */
  infoBytes: number;
  /** Bytes per BridgeListItem. */
  listItemBytes: number;
  /** Bytes of an empty BridgeList reply (ack + completion). */
  listOverheadBytes: number;
  /** What one extra round trip is worth, in bytes (Asterisk and agent work per action). */
  requestCostBytes: number;
}

/** Priors measured against the simulated PBX, refined by every reply. */
export const DEFAULT_TECHNOLOGY_COSTS: Readonly<TechnologyCosts> = Object.freeze({
  infoBytes: 1050,
  listItemBytes: 250,
  listOverheadBytes: 170,
  requestCostBytes: 300,
});

export interface TechnologyPlanInput {
  /** Bridges asked about. */
  readonly requested: number;
  /** Expected native_rtp bridges in total (the filtered list's length). */
  readonly nativeEstimate: number;
  /** Expected share of the asked bridges that the filtered list will not contain. */
  readonly missRatio: number;
  readonly costs: Readonly<TechnologyCosts>;
}

export interface TechnologyPlan {
  readonly method: 'info' | 'list';
  readonly infoCost: number;
  readonly listCost: number;
}

export function planTechnologyQuery(input: TechnologyPlanInput): TechnologyPlan {
  const c = input.costs;
  const perInfo = c.infoBytes + c.requestCostBytes;
  const infoCost = input.requested * perInfo;
  const listCost =
    c.requestCostBytes +
    c.listOverheadBytes +
    input.nativeEstimate * c.listItemBytes +
    input.requested * Math.min(1, Math.max(0, input.missRatio)) * perInfo;
  return { method: listCost < infoCost ? 'list' : 'info', infoCost, listCost };
}

export interface TechnologyBackend {
  /** BridgeInfo: the technology, or null when Asterisk says the bridge is not found. */
  bridgeInfo(bridgeId: string): Promise<{ technology: BridgeTechnology | null; bytes: number }>;
  /** BridgeList filtered to native_rtp. */
  nativeBridges(): Promise<{ ids: ReadonlySet<string>; bytes: number }>;
  /** Bridges currently known to exist (from events and resyncs). */
  knownBridgeCount(): number;
}

export interface TechnologyQueryStats {
  readonly runs: number;
  readonly infoRuns: number;
  readonly listRuns: number;
  readonly bridgeInfoRequests: number;
  readonly bridgeListRequests: number;
  readonly bytes: number;
}

interface Waiter {
  readonly promise: Promise<BridgeTechnology | null>;
  readonly resolve: (t: BridgeTechnology | null) => void;
  readonly reject: (e: unknown) => void;
}

/** Exponentially weighted average, so costs follow the PBX as it changes. */
function ewma(prev: number, sample: number, weight = 0.3): number {
  return prev + weight * (sample - prev);
}

export class TechnologyQuery {
  readonly #backend: TechnologyBackend;
  readonly #minIntervalMs: number;
  readonly #now: () => number;
  readonly #logger: AmiLogger;
  readonly #costs: TechnologyCosts = { ...DEFAULT_TECHNOLOGY_COSTS };
  readonly #waiting = new Map<string, Waiter>();
  #inFlight = new Map<string, Waiter>();
  #running = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastRunAt = -Infinity;
  /** Share of all known bridges that the last filtered list returned. */
  #nativeShare = 1;
  #missRatio = 0.1;
  #stats = { runs: 0, infoRuns: 0, listRuns: 0, bridgeInfoRequests: 0, bridgeListRequests: 0, bytes: 0 };

  constructor(
    backend: TechnologyBackend,
    options: { minIntervalMs: number; now: () => number; logger: AmiLogger },
  ) {
    this.#backend = backend;
    this.#minIntervalMs = options.minIntervalMs;
    this.#now = options.now;
    this.#logger = options.logger;
  }

  get costs(): Readonly<TechnologyCosts> {
    return { ...this.#costs };
  }

  stats(): TechnologyQueryStats {
    return { ...this.#stats };
  }

  /** Current technology of each bridge; a bridge Asterisk does not know is left out. */
  async query(bridgeIds: readonly string[]): Promise<Map<string, BridgeTechnology>> {
    const unique = [...new Set(bridgeIds)];
    // Never join a run already in flight: it may have read the bridge before the event
    // that prompted this query (a MixMonitor stop, a re-INVITE), so its answer can be stale.
    const promises = unique.map((id) => this.#waiter(id).promise);
    this.#kick();
    const results = await Promise.all(promises);
    const out = new Map<string, BridgeTechnology>();
    unique.forEach((id, i) => {
      const t = results[i];
      if (t !== null && t !== undefined) out.set(id, t);
    });
    return out;
  }

  /** Rejects everything waiting (the connection went away). */
  cancel(reason: unknown): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const w of this.#waiting.values()) w.reject(reason);
    this.#waiting.clear();
  }

  #waiter(id: string): Waiter {
    const existing = this.#waiting.get(id);
    if (existing) return existing;
    let resolve!: (t: BridgeTechnology | null) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<BridgeTechnology | null>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A rejection nobody awaits (the caller already failed on another id) is not unhandled.
    promise.catch(() => undefined);
    const w = { promise, resolve, reject };
    this.#waiting.set(id, w);
    return w;
  }

  #kick(): void {
    if (this.#running || this.#timer || this.#waiting.size === 0) return;
    const wait = Math.max(0, this.#lastRunAt + this.#minIntervalMs - this.#now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#run();
    }, wait);
  }

  async #run(): Promise<void> {
    if (this.#running || this.#waiting.size === 0) return;
    this.#running = true;
    this.#lastRunAt = this.#now();
    this.#inFlight = new Map(this.#waiting);
    this.#waiting.clear();
    const batch = this.#inFlight;
    const ids = [...batch.keys()];
    try {
      const results = await this.#resolve(ids);
      for (const [id, w] of batch) w.resolve(results.get(id) ?? null);
    } catch (err) {
      for (const w of batch.values()) w.reject(err);
    } finally {
      this.#inFlight = new Map();
      this.#running = false;
      this.#kick();
    }
  }

  async #resolve(ids: readonly string[]): Promise<Map<string, BridgeTechnology | null>> {
    const known = Math.max(this.#backend.knownBridgeCount(), ids.length);
    const plan = planTechnologyQuery({
      requested: ids.length,
      nativeEstimate: known * this.#nativeShare,
      missRatio: this.#missRatio,
      costs: this.#costs,
    });
    this.#stats.runs++;
    this.#logger.debug('bridge technology query', {
      bridges: ids.length,
      known,
      method: plan.method,
      infoCost: Math.round(plan.infoCost),
      listCost: Math.round(plan.listCost),
    });
    const out = new Map<string, BridgeTechnology | null>();
    let toInfo: readonly string[] = ids;
    if (plan.method === 'list') {
      this.#stats.listRuns++;
      this.#stats.bridgeListRequests++;
      const list = await this.#backend.nativeBridges();
      this.#stats.bytes += list.bytes;
      const n = list.ids.size;
      if (n === 0) this.#costs.listOverheadBytes = ewma(this.#costs.listOverheadBytes, list.bytes);
      else
        this.#costs.listItemBytes = ewma(
          this.#costs.listItemBytes,
          Math.max(1, (list.bytes - this.#costs.listOverheadBytes) / n),
        );
      this.#nativeShare = Math.min(1, n / Math.max(1, known));
      const misses = ids.filter((id) => !list.ids.has(id));
      this.#missRatio = ewma(this.#missRatio, misses.length / ids.length);
      for (const id of ids) if (list.ids.has(id)) out.set(id, 'native_rtp');
      toInfo = misses;
    } else {
      this.#stats.infoRuns++;
    }
    const infos = await Promise.all(
      toInfo.map(async (id) => {
        this.#stats.bridgeInfoRequests++;
        const r = await this.#backend.bridgeInfo(id);
        this.#stats.bytes += r.bytes;
        if (r.technology !== null) this.#costs.infoBytes = ewma(this.#costs.infoBytes, r.bytes);
        return [id, r.technology] as const;
      }),
    );
    for (const [id, t] of infos) out.set(id, t);
    if (plan.method === 'info' && infos.length > 0) {
      // Keep the miss estimate honest while listing is not used.
      const notNative = infos.filter(([, t]) => t !== 'native_rtp').length;
      this.#missRatio = ewma(this.#missRatio, notNative / infos.length);
    }
    return out;
  }
}
