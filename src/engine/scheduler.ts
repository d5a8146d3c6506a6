import PQueue from 'p-queue';
import type { Logger } from '../log.js';
import type { Clock, TimerHandle } from '../time/clock.js';

/**
 * When bridges are evaluated. One evaluation per bridge at a time: a trigger that arrives
 * while the bridge is being evaluated folds into one rerun after it. Bridges proceed
 * concurrently up to a limit. A bridge can also be woken at a (monotonic) instant.
 */
export class BridgeScheduler {
  private readonly running = new Map<string, { again: boolean }>();
  private readonly timers = new Map<string, TimerHandle>();
  private readonly queue: PQueue;
  private stoppedFlag = false;

  constructor(
    private readonly evaluate: (bridgeId: string) => Promise<void>,
    concurrency: number,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.queue = new PQueue({ concurrency });
  }

  get stopped(): boolean {
    return this.stoppedFlag;
  }

  schedule(bridgeId: string): void {
    if (this.stoppedFlag) return;
    const r = this.running.get(bridgeId);
    if (r) {
      r.again = true;
      return;
    }
    const slot = { again: false };
    this.running.set(bridgeId, slot);
    void this.queue.add(async () => {
      try {
        do {
          slot.again = false;
          await this.evaluate(bridgeId);
        } while (slot.again && !this.stoppedFlag);
      } catch (err) {
        this.log.error('bridge evaluation failed', { bridgeId, error: (err as Error).message });
      } finally {
        this.running.delete(bridgeId);
      }
    });
  }

  /** Evaluates the bridge again at `at` (monotonic ms); replaces an earlier wake-up of it. */
  scheduleAt(bridgeId: string, at: number): void {
    this.timers.get(bridgeId)?.cancel();
    const delay = Math.max(0, at - this.clock.now());
    this.timers.set(
      bridgeId,
      this.clock.setTimeout(() => {
        this.timers.delete(bridgeId);
        this.schedule(bridgeId);
      }, delay),
    );
  }

  /** Drops the pending wake-up of a bridge that is gone. */
  forget(bridgeId: string): void {
    this.timers.get(bridgeId)?.cancel();
    this.timers.delete(bridgeId);
  }

  /** Waits until every scheduled evaluation has finished. */
  async idle(): Promise<void> {
    while (this.queue.size > 0 || this.queue.pending > 0 || this.running.size > 0) await this.queue.onIdle();
  }

  stop(): void {
    this.stoppedFlag = true;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    this.queue.clear();
  }
}

/**
 * Runs `task` `intervalMs` after the previous run ended (never two at once), until cancelled
 * or `stopped()`; an interval of 0 or less never runs it.
 */
export function repeatAfter(
  clock: Clock,
  intervalMs: number,
  task: () => Promise<void>,
  stopped: () => boolean,
): TimerHandle {
  let timer: TimerHandle | null = null;
  let cancelled = false;
  const arm = (): void => {
    if (cancelled || stopped() || intervalMs <= 0) return;
    timer = clock.setTimeout(() => void task().finally(arm), intervalMs);
  };
  arm();
  return {
    cancel: () => {
      cancelled = true;
      timer?.cancel();
    },
  };
}
