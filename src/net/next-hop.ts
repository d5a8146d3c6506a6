import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from '../time/clock.js';
import { NetError } from './errors.js';
import { canonicalAddress } from './ip-address.js';
import { IpCommand, type IpCommandOptions } from './ip-command.js';
import { IpReads } from './ip-reads.js';
import type { NeighMonitorOptions, NeighMonitorStatus } from './neigh-monitor.js';
import { usableNeighbour } from './neigh-state.js';
import { mergeHop, NextHopCache, sameHop } from './next-hop-cache.js';
import { NeighbourFollower } from './next-hop-monitor.js';
import { SolicitThrottle } from './next-hop-solicit.js';
import type { NextHop, Observation, Solicitor } from './next-hop-types.js';
import type { NeighMonitorEvent } from './parse-monitor.js';
import { neighbourTarget, type NeighbourTarget } from './parse-route.js';

export type { NextHop, NextHopState, Solicitor } from './next-hop-types.js';

export interface NextHopResolverOptions extends IpCommandOptions {
  readonly clock?: Clock;
  /** How long a known next hop is returned without re-reading the kernel. @default 60_000 */
  readonly ttlMs?: number;
  /** How long "not yet" is returned before the kernel is asked again. @default 1_000 */
  readonly unknownTtlMs?: number;
  /** Nudge for addresses without a neighbour entry. Off unless given. */
  readonly solicit?: Solicitor;
  /** At most one nudge per address in this time. @default 1_000 */
  readonly solicitIntervalMs?: number;
  /** Addresses kept; past it the least recently looked up is forgotten. @default 4096 */
  readonly maxEntries?: number;
  /** An address not looked up for this long is forgotten at the next refresh. @default 600_000 */
  readonly idleMs?: number;
  /** Reads `refresh()` runs at once. @default 4 */
  readonly refreshConcurrency?: number;
  /**
   * Wait after each monitor (re)start before re-reading the cache: `ip` subscribes to netlink a
   * moment after it is spawned, and a change in between would otherwise be missed. @default 250
   */
  readonly resyncDelayMs?: number;
  /** The neighbour monitor `start()` runs, minus what is shared (netns, ipPath, clock). */
  readonly monitor?: Omit<NeighMonitorOptions, 'netns' | 'ipPath' | 'clock'>;
}

export interface NextHopResolverEvents {
  /**
   * The MAC (or device, or gateway) of a cached address changed. `null` only when its route now
   * points at a neighbour whose MAC is not known yet: the old MAC must not be used any more.
   */
  changed: [address: string, nextHop: NextHop | null];
  /** Something went wrong in the background (monitor death, a failed re-read); nothing to rethrow. */
  warning: [error: NetError];
  monitor: [status: NeighMonitorStatus];
}

export interface RefreshResult {
  readonly refreshed: number;
  readonly failed: readonly { readonly address: string; readonly error: NetError }[];
}

const neighbourKey = (device: string, address: string): string => `${device} ${address}`;

/**
 * Next-hop MAC per remote address from the kernel's route and neighbour tables: `ip route get`,
 * then the neighbour entry of the gateway or the address itself. Unknown is `null` ("not yet"),
 * never a guess. Results are cached per address; concurrent lookups of one address share one
 * read; a neighbour monitor (`start()`) keeps cached entries current.
 *
 * A MAC once known outlives the kernel's entry (state `stale-kept`, see `NextHopState`): with
 * the media on the switch the host stops talking to the remote, so the entry ages out although
 * nothing moved. Callers `forget()` an address when no flow needs it any more.
 */
export class NextHopResolver extends EventEmitter<NextHopResolverEvents> {
  private readonly reads: IpReads;
  private readonly cache: NextHopCache;
  private readonly solicitor: SolicitThrottle;
  private readonly follower: NeighbourFollower;
  private readonly inflight = new Map<string, Promise<NextHop | null>>();
  /**
   * Monitor lines seen while reads were in flight, by neighbour, so a read that started before a
   * line arrived does not overwrite what the line said. Kept only while reads are in flight.
   */
  private readonly recent = new Map<string, { seq: number; observation: Observation }>();
  private seq = 0;

  constructor(private readonly options: NextHopResolverOptions = {}) {
    super();
    this.reads = new IpReads(new IpCommand(options));
    const clock = options.clock ?? systemClock;
    this.solicitor = new SolicitThrottle(options.solicit, clock, options.solicitIntervalMs ?? 1_000);
    this.cache = new NextHopCache(
      {
        clock,
        ttlMs: options.ttlMs ?? 60_000,
        unknownTtlMs: options.unknownTtlMs ?? 1_000,
        maxEntries: options.maxEntries ?? 4096,
        idleMs: options.idleMs ?? 600_000,
      },
      (key) => {
        this.inflight.delete(key);
        this.solicitor.forget(key);
      },
    );
    this.follower = new NeighbourFollower(
      { ...options.monitor, netns: options.netns, ipPath: options.ipPath, clock },
      clock,
      options.resyncDelayMs ?? 250,
    );
  }

  /** The next hop toward `address`, `null` while the kernel has no usable MAC for it. */
  lookup(address: string): Promise<NextHop | null> {
    const key = canonicalAddress(address).address;
    this.cache.touch(key);
    const entry = this.cache.fresh(key);
    if (entry !== undefined) return Promise.resolve(entry.hop);
    return this.read(key);
  }

  /** The cached value without asking the kernel: `undefined` if never looked up (or forgotten). */
  peek(address: string): NextHop | null | undefined {
    return this.cache.get(canonicalAddress(address).address)?.hop;
  }

  /** Drops an address no flow needs any more, including a kept MAC. */
  forget(address: string): void {
    this.cache.forget(canonicalAddress(address).address);
  }

  /** Addresses currently cached. */
  addresses(): string[] {
    return this.cache.keys();
  }

  /**
   * Re-reads every cached address (after a monitor restart, or periodically as an audit), a few
   * at a time so a large cache does not fork hundreds of `ip` processes at once.
   */
  async refresh(): Promise<RefreshResult> {
    // Only addresses still in use are re-read: the rest are forgotten first.
    this.cache.dropIdle();
    const addresses = this.cache.inUse();
    const failed: { address: string; error: NetError }[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < addresses.length) {
        const address = addresses[next++]!;
        try {
          await this.read(address, true);
        } catch (err) {
          failed.push({ address, error: asNetError(err) });
        }
      }
    };
    const workers = Math.min(this.options.refreshConcurrency ?? 4, addresses.length);
    await Promise.all(Array.from({ length: workers }, worker));
    return { refreshed: addresses.length - failed.length, failed };
  }

  /**
   * Starts following `ip monitor neigh`. Each (re)start of the child is followed by a refresh,
   * since changes while no child ran were missed.
   */
  start(): void {
    this.follower.start({
      neighbour: (event) => this.onNeighbour(event),
      warning: (error) => this.emit('warning', error),
      status: (status) => this.emit('monitor', status),
      resync: () => {
        void this.refresh().then(({ failed }) => {
          for (const { error } of failed) this.emit('warning', error);
        });
      },
    });
  }

  /** Stops the monitor child. The cache stays usable. */
  stop(): Promise<void> {
    return this.follower.stop();
  }

  get monitorStatus(): NeighMonitorStatus {
    return this.follower.status;
  }

  get monitorPid(): number | null {
    return this.follower.pid;
  }

  /** One read per address at a time; `fresh` forces a new one if the running one is reused. */
  private read(address: string, fresh = false): Promise<NextHop | null> {
    const running = this.inflight.get(address);
    if (running !== undefined && !fresh) return running;
    const isCurrent = (): boolean => this.inflight.get(address) === promise;
    const promise: Promise<NextHop | null> = (running ?? Promise.resolve(null))
      .catch(() => null)
      .then(() => this.readNow(address, isCurrent))
      .finally(() => {
        if (this.inflight.get(address) === promise) this.inflight.delete(address);
        if (this.inflight.size === 0) this.recent.clear();
      });
    this.inflight.set(address, promise);
    return promise;
  }

  /** `isCurrent` is false once the read was superseded or its address forgotten. */
  private async readNow(address: string, isCurrent: () => boolean): Promise<NextHop | null> {
    const startSeq = this.seq;
    const target = neighbourTarget(await this.reads.route(address));
    const found = await this.reads.neighbour(target);
    let observation: Observation = found ? usableNeighbour(found.lladdr, found.states) : null;
    const later = this.recent.get(neighbourKey(target.device, target.address));
    if (later !== undefined && later.seq > startSeq) observation = later.observation;

    const hop = this.store(address, target, observation, isCurrent());
    if (observation === null) this.solicitor.nudge(address, target);
    return hop;
  }

  /**
   * Merges an observation into the cache and reports a change. A superseded read, or one for an
   * address forgotten meanwhile (`keep` false), answers its caller but leaves the cache alone.
   */
  private store(
    address: string,
    target: NeighbourTarget,
    observation: Observation,
    keep = true,
  ): NextHop | null {
    const hop = mergeHop(this.cache.get(address), target, observation);
    if (!keep) return hop;
    const previous = this.cache.set(address, target, hop);
    if (previous !== undefined && !sameHop(previous.hop, hop)) this.emit('changed', address, hop);
    return hop;
  }

  private onNeighbour(event: NeighMonitorEvent): void {
    if (event.kind === 'miss') return;
    const observation: Observation =
      event.kind === 'deleted' ? null : usableNeighbour(event.lladdr, event.states);
    if (this.inflight.size > 0 && event.device !== null) {
      this.recent.set(neighbourKey(event.device, event.address), { seq: ++this.seq, observation });
    }
    for (const [address, entry] of [...this.cache.entries()]) {
      const { target } = entry;
      if (target.address !== event.address) continue;
      if (event.device !== null && event.device !== target.device) continue;
      this.store(address, target, observation);
    }
  }
}

function asNetError(err: unknown): NetError {
  if (err instanceof NetError) return err;
  return new NetError('NET_ROUTE_GET', 'failed', String(err), {}, { cause: err });
}
