import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether a pid is alive *and* still runs the program we started (pids get reused). */
export function isOurProcess(pid: number, comm: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm;
  } catch {
    return false;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readPidFile(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; only if the pid still runs `comm`. */
export async function stopProcess(pid: number, comm: string, graceMs = 3000): Promise<void> {
  if (!isOurProcess(pid, comm)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurProcess(pid, comm)) return;
    await sleep(20);
  }
  if (isOurProcess(pid, comm)) process.kill(pid, 'SIGKILL');
  while (isOurProcess(pid, comm)) await sleep(10);
}

/**
 * Synchronous variant for exit handlers, where no promise will run: SIGKILL, then wait (up
 * to 2 s) until the process is gone, so that what follows (deleting its namespace and run
 * directory) does not race with it.
 */
export function killNow(pid: number, comm: string): void {
  if (!isOurProcess(pid, comm)) return;
  process.kill(pid, 'SIGKILL');
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 200 && isOurProcess(pid, comm); i++) Atomics.wait(nap, 0, 0, 10);
}
