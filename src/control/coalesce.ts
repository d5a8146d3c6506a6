/**
 * Shares one expensive read among concurrent callers and spaces reads at least
 * `minIntervalMs` apart: a flow dump per HTTP request would let any loop of `rtp-offload
 * list` drive the switch (and the egress watch, which judges counter movement per dump).
 * Within the interval callers get the cheap answer, which reflects the last read.
 */
export class Coalesced<T> {
  private inFlight: Promise<T> | null = null;
  private lastDoneAt = -Infinity;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly cached: () => Promise<T>,
    private readonly minIntervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(): Promise<T> {
    if (this.inFlight) return this.inFlight;
    if (this.now() - this.lastDoneAt < this.minIntervalMs) return this.cached();
    const p = this.read().finally(() => {
      this.inFlight = null;
      this.lastDoneAt = this.now();
    });
    this.inFlight = p;
    return p;
  }
}
