import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Resident set size of a process in MB, from /proc (`VmRSS`); `null` if it is gone. */
export function rssMb(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** User + system CPU seconds a process has used, from /proc/<pid>/stat; `null` if it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100;
  } catch {
    return null;
  }
}

/** The open-file limits of this process (`Infinity` for unlimited). */
function fileLimits(): { soft: number; hard: number } {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(
    readFileSync('/proc/self/limits', 'utf8'),
  );
  const n = (v: string | undefined): number => (v === undefined || v === 'unlimited' ? Infinity : Number(v));
  return { soft: n(m?.[1]), hard: n(m?.[2]) };
}

/**
 * Raises this process's open-file soft limit to at least `wanted` (Node has no setrlimit, so
 * `prlimit` does it from outside), and the hard limit with it when it is lower and we may.
 * Resolves with the soft limit in force afterwards.
 */
export async function raiseFileLimit(wanted: number): Promise<number> {
  const before = fileLimits();
  if (before.soft >= wanted) return before.soft;
  const limit = before.hard >= wanted ? `${wanted}:` : `${wanted}:${wanted}`;
  await new Promise<void>((resolve) =>
    execFile('prlimit', ['--pid', String(process.pid), `--nofile=${limit}`], () => resolve()),
  );
  return fileLimits().soft;
}
