import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type TimerHandle } from '../time/clock.js';
import { NetError } from './errors.js';
import { canonicalAddress } from './ip-address.js';
import { IpCommand, type IpCommandOptions } from './ip-command.js';
import { NeighMonitor, type NeighMonitorOptions, type NeighMonitorStatus } from './neigh-monitor.js';
import { usableNeighbour, type UsableNeighState } from './neigh-state.js';
import type { NeighMonitorEvent } from './parse-monitor.js';
import { parseNeighShow } from './parse-neigh.js';
import { neighbourTarget, parseRouteGet, type NeighbourTarget } from './parse-route.js';

/**
 * `stale-kept`: the kernel no longer has an entry (or has a FAILED one) but this MAC was known.
 * Once the switch forwards a call's media, the host stops talking to the remote and the kernel
 * lets the entry age out; that says nothing about the remote having moved. So a known MAC is
 * only ever replaced by a different MAC the kernel learns, or dropped by `forget()`.
 */
export type NextHopState = UsableNeighState | 'stale-kept';

/** Where to send an Ethernet frame for a remote address. */
export interface NextHop {
  readonly mac: string;
  readonly device: string;
  /** The gateway, `null` when the remote is on-link. */
  readonly via: string | null;
  readonly state: NextHopState;
}

/**
 * Asks the kernel to resolve a neighbour it has no entry for. `ip neigh` cannot make the kernel
 * solicit, but any packet toward the address does (see `DiscardPortSolicitor`).
 */
export type Solicitor = (address: string, target: NeighbourTarget) => void | Promise<void>;

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

interface Entry {
  readonly target: NeighbourTarget;
  readonly hop: NextHop | null;
  readonly readAt: number;
}

/** What one look at the neighbour table (a read or a monitor line) says about a neighbour. */
type Observation = { mac: string; state: UsableNeighState } | null;

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
  private readonly ip: IpCommand;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly unknownTtlMs: number;
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<NextHop | null>>();
  private readonly lastSolicit = new Map<string, number>();
  /**
   * Last lookup per address, oldest first. Addresses come from calls the remote parties
   * chose, and nothing upstream calls forget(), so without this the cache (and every
   * monitor restart's re-read) would grow with every address ever seen.
   */
  private readonly used = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly idleMs: number;
  private monitor: NeighMonitor | null = null;
  private resyncTimer: TimerHandle | null = null;
  /**
   * Monitor lines seen while reads were in flight, by neighbour, so a read that started before a
   * line arrived does not overwrite what the line said. Kept only while reads are in flight.
   */
  private readonly recent = new Map<string, { seq: number; observation: Observation }>();
  private seq = 0;

  constructor(private readonly options: NextHopResolverOptions = {}) {
    super();
    this.ip = new IpCommand(options);
    this.clock = options.clock ?? systemClock;
    this.ttlMs = options.ttlMs ?? 60_000;
    this.unknownTtlMs = options.unknownTtlMs ?? 1_000;
    this.maxEntries = options.maxEntries ?? 4096;
    this.idleMs = options.idleMs ?? 600_000;
  }

  private touch(key: string): void {
    this.used.delete(key);
    this.used.set(key, this.clock.now());
    for (const oldest of this.used.keys()) {
      if (this.used.size <= this.maxEntries) break;
      this.forgetKey(oldest);
    }
  }

  private forgetKey(key: string): void {
    this.cache.delete(key);
    this.inflight.delete(key);
    this.lastSolicit.delete(key);
    this.used.delete(key);
  }

  /** The next hop toward `address`, `null` while the kernel has no usable MAC for it. */
  lookup(address: string): Promise<NextHop | null> {
    const key = canonicalAddress(address).address;
    this.touch(key);
    const entry = this.cache.get(key);
    if (entry !== undefined && !this.expired(entry)) return Promise.resolve(entry.hop);
    return this.read(key);
  }

  /** The cached value without asking the kernel: `undefined` if never looked up (or forgotten). */
  peek(address: string): NextHop | null | undefined {
    return this.cache.get(canonicalAddress(address).address)?.hop;
  }

  /** Drops an address no flow needs any more, including a kept MAC. */
  forget(address: string): void {
    this.forgetKey(canonicalAddress(address).address);
  }

  /** Addresses currently cached. */
  addresses(): string[] {
    return [...this.cache.keys()];
  }

  /**
   * Re-reads every cached address (after a monitor restart, or periodically as an audit), a few
   * at a time so a large cache does not fork hundreds of `ip` processes at once.
   */
  async refresh(): Promise<RefreshResult> {
    // Only addresses still in use are re-read: the rest are forgotten first.
    const now = this.clock.now();
    for (const [key, at] of this.used) if (now - at > this.idleMs) this.forgetKey(key);
    const addresses = [...this.cache.keys()].filter((k) => this.used.has(k));
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
    if (this.monitor !== null) return;
    const monitor = new NeighMonitor({
      ...this.options.monitor,
      netns: this.options.netns,
      ipPath: this.options.ipPath,
      clock: this.clock,
    });
    monitor.on('neighbour', (event) => this.onNeighbour(event));
    monitor.on('exited', (error) => this.emit('warning', error));
    monitor.on('status', (status) => this.emit('monitor', status));
    monitor.on('started', () => {
      this.resyncTimer?.cancel();
      this.resyncTimer = this.clock.setTimeout(() => {
        this.resyncTimer = null;
        if (this.monitor !== monitor) return;
        void this.refresh().then(({ failed }) => {
          for (const { error } of failed) this.emit('warning', error);
        });
      }, this.options.resyncDelayMs ?? 250);
    });
    this.monitor = monitor;
    monitor.start();
  }

  /** Stops the monitor child. The cache stays usable. */
  async stop(): Promise<void> {
    const monitor = this.monitor;
    this.monitor = null;
    this.resyncTimer?.cancel();
    this.resyncTimer = null;
    if (monitor !== null) await monitor.stop();
  }

  get monitorStatus(): NeighMonitorStatus {
    return this.monitor?.status ?? 'stopped';
  }

  get monitorPid(): number | null {
    return this.monitor?.pid ?? null;
  }

  private expired(entry: Entry): boolean {
    const ttl = entry.hop === null ? this.unknownTtlMs : this.ttlMs;
    return this.clock.now() - entry.readAt >= ttl;
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
    const route = parseRouteGet(await this.ip.json('NET_ROUTE_GET', ['route', 'get', address]));
    const target = neighbourTarget(route);
    const entries = parseNeighShow(
      await this.ip.json('NET_NEIGH_SHOW', [
        'neigh',
        'show',
        'to',
        target.address,
        'dev',
        target.device,
        // Without `nud all`, iproute2 hides NOARP entries.
        'nud',
        'all',
      ]),
    );
    const found = entries.find((e) => e.address === target.address);
    let observation: Observation = found ? usableNeighbour(found.lladdr, found.states) : null;
    const later = this.recent.get(neighbourKey(target.device, target.address));
    if (later !== undefined && later.seq > startSeq) observation = later.observation;

    const hop = this.store(address, target, observation, isCurrent());
    if (observation === null) this.nudge(address, target);
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
    const previous = this.cache.get(address);
    const hop = merge(previous, target, observation);
    if (!keep) return hop;
    this.cache.set(address, { target, hop, readAt: this.clock.now() });
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
    for (const [address, entry] of this.cache) {
      const { target } = entry;
      if (target.address !== event.address) continue;
      if (event.device !== null && event.device !== target.device) continue;
      this.store(address, target, observation);
    }
  }

  private nudge(address: string, target: NeighbourTarget): void {
    const solicit = this.options.solicit;
    if (solicit === undefined) return;
    const now = this.clock.now();
    const last = this.lastSolicit.get(address);
    if (last !== undefined && now - last < (this.options.solicitIntervalMs ?? 1_000)) return;
    this.lastSolicit.set(address, now);
    try {
      void Promise.resolve(solicit(address, target)).catch(() => undefined);
    } catch {
      // A nudge is best effort: the next lookup reads the table again either way.
    }
  }
}

/** The cache rule in one place: see `NextHopState` for why a known MAC outlives its entry. */
function merge(
  previous: Entry | undefined,
  target: NeighbourTarget,
  observation: Observation,
): NextHop | null {
  if (observation !== null) {
    return { mac: observation.mac, device: target.device, via: target.via, state: observation.state };
  }
  const known = previous?.hop;
  const sameNeighbour =
    previous !== undefined &&
    previous.target.device === target.device &&
    previous.target.address === target.address;
  if (known != null && sameNeighbour) return { ...known, via: target.via, state: 'stale-kept' };
  return null;
}

function sameHop(a: NextHop | null, b: NextHop | null): boolean {
  if (a === null || b === null) return a === b;
  return a.mac === b.mac && a.device === b.device && a.via === b.via;
}

function asNetError(err: unknown): NetError {
  if (err instanceof NetError) return err;
  return new NetError('NET_ROUTE_GET', 'failed', String(err), {}, { cause: err });
}
