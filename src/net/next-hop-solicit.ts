/** At most one solicitation per address per interval, best effort. */

import type { Clock } from '../time/clock.js';
import type { NeighbourTarget } from './parse-route.js';
import type { Solicitor } from './next-hop-types.js';

export class SolicitThrottle {
  readonly #last = new Map<string, number>();

  constructor(
    private readonly solicit: Solicitor | undefined,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  /** Nudges the kernel toward `address` unless it was nudged within the interval. */
  nudge(address: string, target: NeighbourTarget): void {
    const solicit = this.solicit;
    if (solicit === undefined) return;
    const now = this.clock.now();
    const last = this.#last.get(address);
    if (last !== undefined && now - last < this.intervalMs) return;
    this.#last.set(address, now);
    try {
      void Promise.resolve(solicit(address, target)).catch(() => undefined);
    } catch {
      // A nudge is best effort: the next lookup reads the table again either way.
    }
  }

  forget(address: string): void {
    this.#last.delete(address);
  }
}
