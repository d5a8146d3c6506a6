/**
 * Reconnect policy as a plain function: capped exponential backoff with jitter, so that many
 * agents losing the same switch do not all knock at the same instant when it comes back.
 */

export interface BackoffPolicy {
  /** Delay before the first retry. @default 100 */
  readonly initialDelayMs: number;
  /** Upper bound of any delay, jitter included. @default 5000 */
  readonly maxDelayMs: number;
  /** Growth per attempt. @default 2 */
  readonly multiplier: number;
  /** Fraction of the delay randomly added or taken away (0–1). @default 0.2 */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({
  initialDelayMs: 100,
  maxDelayMs: 5000,
  multiplier: 2,
  jitter: 0.2,
});

/** Delay before reconnect attempt `attempt` (1 = the first retry). `random` returns [0, 1). */
export function reconnectDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** exponent);
  const spread = base * policy.jitter;
  const delay = base - spread + random() * 2 * spread;
  return Math.max(0, Math.min(policy.maxDelayMs, Math.round(delay)));
}
