/** One finding of `rtp-offload doctor`: what was checked, how it went, and how to fix it. */
export interface CheckResult {
  /** Stable id, e.g. `switch.reachable`. */
  readonly id: string;
  readonly status: 'ok' | 'warn' | 'fail' | 'skip';
  readonly message: string;
  /** What to do about a warn or fail. */
  readonly fix?: string;
}

export const ok = (id: string, message: string): CheckResult => ({ id, status: 'ok', message });
export const warn = (id: string, message: string, fix: string): CheckResult => ({
  id,
  status: 'warn',
  message,
  fix,
});
export const fail = (id: string, message: string, fix: string): CheckResult => ({
  id,
  status: 'fail',
  message,
  fix,
});
export const skip = (id: string, message: string): CheckResult => ({ id, status: 'skip', message });

/** 0 when nothing failed (warnings allowed), 1 otherwise. */
export function doctorExitCode(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}

export function formatResults(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.status.toUpperCase().padEnd(4)}  ${r.id.padEnd(20)} ${r.message}`);
    if (r.fix) lines.push(`${' '.repeat(27)}fix: ${r.fix}`);
  }
  const n = (s: CheckResult['status']): number => results.filter((r) => r.status === s).length;
  lines.push('', `${n('ok')} ok, ${n('warn')} warn, ${n('fail')} fail, ${n('skip')} skipped`);
  return lines.join('\n');
}

/** Rejects after `ms` unless `p` settles first, so one dead dependency cannot hang the doctor. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
