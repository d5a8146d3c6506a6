/**
 * Turns readings of values that can fall (a flow's counters end with the flow, a re-added flow
 * starts from zero) into increases that Prometheus `_total` counters can add up. Pure.
 */
export class MonotonicTotals {
  readonly #last = new Map<string, number>();

  /**
   * The increase of `key` since its last reading. A key never read before counts whole (its
   * packets were never added); a reading below the last one means the value restarted from
   * zero, so all of it is new.
   */
  increase(key: string, value: number): number {
    const prev = this.#last.get(key);
    this.#last.set(key, value);
    if (prev === undefined) return value;
    return value >= prev ? value - prev : value;
  }

  /** Drops keys not in `keep`: their last increase was already taken. */
  retain(keep: ReadonlySet<string>): void {
    for (const k of this.#last.keys()) if (!keep.has(k)) this.#last.delete(k);
  }

  forget(key: string): void {
    this.#last.delete(key);
  }

  get size(): number {
    return this.#last.size;
  }
}
