interface CacheEntry<T> {
  readonly value: Promise<T>;
  readonly expiresAt: number;
}

/**
 * Facts read from Asterisk and reused for a while (endpoint configuration). The in-flight
 * promise is what is stored, so concurrent callers share one request; a failed load is
 * forgotten so that the next caller asks again.
 */
export class TtlCache<T> {
  readonly #entries = new Map<string, CacheEntry<T>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get(key: string, load: (key: string) => Promise<T>): Promise<T> {
    const now = this.now();
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = load(key);
    this.#entries.set(key, { value, expiresAt: now + this.ttlMs });
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    return value;
  }

  clear(): void {
    this.#entries.clear();
  }
}
