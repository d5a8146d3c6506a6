/**
 * The one reconnect/restart delay outside `openflow/`: capped exponential backoff with jitter
 * (the shape of ioredis' retryStrategy), so several agents on a host, or every agent after an
 * Asterisk restart, do not come back in step.
 */

export interface BackoffOptions {
  /** First delay. @default 500 */
  readonly initialDelayMs: number;
  /** Cap. @default 30000 */
  readonly maxDelayMs: number;
  /** Growth per attempt. @default 2 */
  readonly factor: number;
  /** Fraction of the delay that is random (0 = none, 1 = full jitter). @default 0.5 */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.5,
});

/**
 * Delay before attempt `attempt` (0-based): min(cap, initial × factor^attempt), of which the
 * `jitter` fraction is scaled by `random()` in [0, 1).
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const base = Math.min(
    options.maxDelayMs,
    options.initialDelayMs * Math.pow(options.factor, Math.max(0, attempt)),
  );
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.round(base * (1 - jitter) + base * jitter * random());
}
