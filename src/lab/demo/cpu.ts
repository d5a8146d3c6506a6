import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc CPU times; 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time a process has used so far (user + system, every thread), from
 * `/proc/<pid>/stat`. Null when the process is gone.
 */
export function processCpuMs(pid: number | 'self'): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name is parenthesised and may contain spaces; fields resume after ") ".
  // utime and stime are fields 14 and 15, i.e. 12th and 13th after the name.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : null;
}

/** The machine's aggregate CPU counters (first line of /proc/stat), in milliseconds. */
export interface HostCpu {
  /** Everything but idle and iowait. */
  readonly busyMs: number;
  /** Of which softirq: where a kernel datapath (and the veth pairs) do their forwarding. */
  readonly softirqMs: number;
  readonly totalMs: number;
}

export function hostCpu(): HostCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is
  // already counted in user, so only the first eight fields make up the total.
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const ms = (v: number | undefined): number => ((v ?? 0) * 1000) / TICKS_PER_SECOND;
  const total = f.reduce((a, b) => a + ms(b), 0);
  const idle = ms(f[3]) + ms(f[4]);
  return { busyMs: total - idle, softirqMs: ms(f[6]), totalMs: total };
}
