/** What the engine bench and its PBX process (engine-pbx.ts) agree on. */

/** The notice the PBX process sends for every bridge's second BridgeEnter. */
export interface SecondEnterNotice {
  readonly secondBridgeEnter: string;
  /** `wallClockMs()` in the PBX process when it raised the event. */
  readonly at: number;
}

export function isSecondEnterNotice(
  m: Record<string, unknown>,
): m is Record<string, unknown> & SecondEnterNotice {
  return typeof m.secondBridgeEnter === 'string' && typeof m.at === 'number';
}

/**
 * Wall-clock milliseconds with sub-millisecond resolution: the machine's clock, so the same
 * in every process on it (`timeOrigin` is when this process started, on that clock).
 */
export const wallClockMs = (): number => performance.timeOrigin + performance.now();

/** Open files the PBX process must have: passed in its environment by the bench. */
export const FILES_ENV = 'RTPO_BENCH_PBX_FILES';
