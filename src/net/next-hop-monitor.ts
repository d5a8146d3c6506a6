/**
 * The resolver's neighbour monitor wiring: one `ip monitor neigh` child, its lines and status
 * passed on, and a resync a moment after each (re)start of the child, since changes while no
 * child ran were missed.
 */

import type { Clock, TimerHandle } from '../time/clock.js';
import type { NetError } from './errors.js';
import { NeighMonitor, type NeighMonitorOptions, type NeighMonitorStatus } from './neigh-monitor.js';
import type { NeighMonitorEvent } from './parse-monitor.js';

export interface NeighbourFollowerHandlers {
  readonly neighbour: (event: NeighMonitorEvent) => void;
  readonly warning: (error: NetError) => void;
  readonly status: (status: NeighMonitorStatus) => void;
  /** Runs `resyncDelayMs` after each (re)start, unless stopped meanwhile. */
  readonly resync: () => void;
}

export class NeighbourFollower {
  #monitor: NeighMonitor | null = null;
  #resyncTimer: TimerHandle | null = null;

  constructor(
    private readonly options: NeighMonitorOptions,
    private readonly clock: Clock,
    private readonly resyncDelayMs: number,
  ) {}

  /** Starts the child; a no-op while one runs. */
  start(handlers: NeighbourFollowerHandlers): void {
    if (this.#monitor !== null) return;
    const monitor = new NeighMonitor(this.options);
    monitor.on('neighbour', handlers.neighbour);
    monitor.on('exited', handlers.warning);
    monitor.on('status', handlers.status);
    monitor.on('started', () => {
      this.#resyncTimer?.cancel();
      this.#resyncTimer = this.clock.setTimeout(() => {
        this.#resyncTimer = null;
        if (this.#monitor === monitor) handlers.resync();
      }, this.resyncDelayMs);
    });
    this.#monitor = monitor;
    monitor.start();
  }

  async stop(): Promise<void> {
    const monitor = this.#monitor;
    this.#monitor = null;
    this.#resyncTimer?.cancel();
    this.#resyncTimer = null;
    if (monitor !== null) await monitor.stop();
  }

  get status(): NeighMonitorStatus {
    return this.#monitor?.status ?? 'stopped';
  }

  get pid(): number | null {
    return this.#monitor?.pid ?? null;
  }
}
