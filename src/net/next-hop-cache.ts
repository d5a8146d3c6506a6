/**
 * The next-hop cache: one entry per remote address with its time to live, the order of last
 * lookups, and eviction of the least recently and the long unused. Also the merge rule that
 * lets a known MAC outlive the kernel's entry (see `NextHopState`).
 */

import type { Clock } from '../time/clock.js';
import type { NeighbourTarget } from './parse-route.js';
import type { NextHop, Observation } from './next-hop-types.js';

export interface NextHopCacheEntry {
  readonly target: NeighbourTarget;
  readonly hop: NextHop | null;
  readonly readAt: number;
}

export interface NextHopCacheOptions {
  readonly clock: Clock;
  /** How long a known next hop stays fresh. */
  readonly ttlMs: number;
  /** How long "not yet" stays fresh. */
  readonly unknownTtlMs: number;
  /** Addresses kept; past it the least recently looked up is forgotten. */
  readonly maxEntries: number;
  /** An address not looked up for this long is forgotten by `dropIdle()`. */
  readonly idleMs: number;
}

export class NextHopCache {
  readonly #options: NextHopCacheOptions;
  readonly #entries = new Map<string, NextHopCacheEntry>();
  /**
   * Last lookup per address, oldest first. Addresses come from calls the remote parties
   * chose, and nothing upstream calls forget(), so without this the cache (and every
   * monitor restart's re-read) would grow with every address ever seen.
   */
  readonly #used = new Map<string, number>();
  readonly #onForget: (key: string) => void;

  /** `onForget` runs for every address dropped, by `forget()` or by eviction. */
  constructor(options: NextHopCacheOptions, onForget: (key: string) => void = () => undefined) {
    this.#options = options;
    this.#onForget = onForget;
  }

  /** Records a lookup of `key`; evicts the least recently looked up past `maxEntries`. */
  touch(key: string): void {
    this.#used.delete(key);
    this.#used.set(key, this.#options.clock.now());
    for (const oldest of this.#used.keys()) {
      if (this.#used.size <= this.#options.maxEntries) break;
      this.forget(oldest);
    }
  }

  get(key: string): NextHopCacheEntry | undefined {
    return this.#entries.get(key);
  }

  /** The entry while within its time to live, else `undefined`. */
  fresh(key: string): NextHopCacheEntry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    const ttl = entry.hop === null ? this.#options.unknownTtlMs : this.#options.ttlMs;
    return this.#options.clock.now() - entry.readAt >= ttl ? undefined : entry;
  }

  /** Stores what was just read for `key`; returns the entry it replaced. */
  set(key: string, target: NeighbourTarget, hop: NextHop | null): NextHopCacheEntry | undefined {
    const previous = this.#entries.get(key);
    this.#entries.set(key, { target, hop, readAt: this.#options.clock.now() });
    return previous;
  }

  forget(key: string): void {
    this.#entries.delete(key);
    this.#used.delete(key);
    this.#onForget(key);
  }

  /** Forgets every address not looked up within `idleMs`. */
  dropIdle(): void {
    const now = this.#options.clock.now();
    for (const [key, at] of this.#used) if (now - at > this.#options.idleMs) this.forget(key);
  }

  /** Cached addresses that are still being looked up. */
  inUse(): string[] {
    return [...this.#entries.keys()].filter((k) => this.#used.has(k));
  }

  keys(): string[] {
    return [...this.#entries.keys()];
  }

  entries(): IterableIterator<[string, NextHopCacheEntry]> {
    return this.#entries.entries();
  }
}

/** The cache rule in one place: see `NextHopState` for why a known MAC outlives its entry. */
export function mergeHop(
  previous: NextHopCacheEntry | undefined,
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

export function sameHop(a: NextHop | null, b: NextHop | null): boolean {
  if (a === null || b === null) return a === b;
  return a.mac === b.mac && a.device === b.device && a.via === b.via;
}
