import { backoffDelay, type BackoffOptions } from '../time/backoff.js';
import { systemClock, type Clock, type TimerHandle } from '../time/clock.js';

/** `starting`: never up yet; `up`: usable; `down`: was up, or a start attempt failed. */
export type DependencyStatus = 'starting' | 'up' | 'down';

export interface DependencyReport {
  readonly status: DependencyStatus;
  /** Wall-clock ISO time of the last change of `status`. */
  readonly since: string;
  /** Why it is not up, when known. */
  readonly detail?: string;
}

/**
 * One dependency's state for `status`: what it is and since when. The time is wall-clock
 * because people read it; nothing computes with it.
 */
export class DependencyState {
  private current: DependencyReport;
  private reached: () => void = () => undefined;
  /** Resolves the first time the dependency is up. */
  readonly firstUp: Promise<void>;

  constructor(private readonly wallNow: () => Date = () => new Date()) {
    this.current = { status: 'starting', since: wallNow().toISOString() };
    this.firstUp = new Promise((resolve) => (this.reached = resolve));
  }

  get status(): DependencyStatus {
    return this.current.status;
  }

  /** Records a change; the same status again only refreshes `detail`, not `since`. */
  set(status: DependencyStatus, detail?: string): void {
    const since = status === this.current.status ? this.current.since : this.wallNow().toISOString();
    this.current = detail === undefined ? { status, since } : { status, since, detail };
    if (status === 'up') this.reached();
  }

  report(): DependencyReport {
    return this.current;
  }
}

export interface RetryHandle {
  cancel(): void;
}

/**
 * Calls `attempt` until it resolves, waiting a backoff delay after each failure, for ever
 * (until cancelled). Used for a dependency whose start gives up after a while on its own
 * (an Asterisk source's start timeout or refused login): nothing else waits for it.
 */
export function retryForever(
  attempt: () => Promise<void>,
  onFailure: (err: Error, retryInMs: number) => void,
  backoff: BackoffOptions,
  clock: Clock = systemClock,
): RetryHandle {
  let cancelled = false;
  let timer: TimerHandle | null = null;
  let failures = 0;
  const run = (): void => {
    if (cancelled) return;
    attempt().then(
      () => undefined,
      (err: unknown) => {
        if (cancelled) return;
        const delay = backoffDelay(failures++, backoff);
        onFailure(err instanceof Error ? err : new Error(String(err)), delay);
        timer = clock.setTimeout(run, delay);
      },
    );
  };
  run();
  return {
    cancel: () => {
      cancelled = true;
      timer?.cancel();
    },
  };
}
