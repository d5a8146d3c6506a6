/** When to try again after a lost connection, and how long the outage lasted once back. */

import { reconnectDelay, type BackoffPolicy } from './backoff.js';
import type { Clock, Timer } from './clock.js';

export class RetryPlan {
  /** Consecutive attempts since the last ready connection. */
  private attempts = 0;
  private lostReadyAt: number | undefined;
  private timer: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly policy: BackoffPolicy,
    private readonly random: () => number,
  ) {}

  /** The ready connection was lost now (the outage starts). */
  lostReady(): void {
    this.lostReadyAt = this.clock.now();
  }

  /** Schedules the next attempt; returns its delay and number. */
  schedule(attempt: () => void): { delay: number; attempt: number } {
    this.attempts++;
    const delay = reconnectDelay(this.attempts, this.policy, this.random);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      attempt();
    }, delay);
    return { delay, attempt: this.attempts };
  }

  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Ready again: the attempts it took and, after an outage, how long it lasted. */
  ready(): { attempts: number; downtimeMs: number | undefined } {
    const attempts = this.attempts;
    this.attempts = 0;
    const downtimeMs = this.lostReadyAt === undefined ? undefined : this.clock.now() - this.lostReadyAt;
    this.lostReadyAt = undefined;
    return { attempts, downtimeMs };
  }
}
