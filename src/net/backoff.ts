export interface BackoffOptions {
  /** First delay. @default 250 */
  readonly baseMs?: number;
  /** Upper bound. @default 30_000 */
  readonly capMs?: number;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/**
 * Delay before restart number `attempt` (0-based): capped exponential with jitter in
 * [half, full], so several agents on one host do not restart in step.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 250;
  const cap = options.capMs ?? 30_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
