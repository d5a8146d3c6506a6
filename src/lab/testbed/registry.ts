import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { isAlive, killNow, readPidFile } from './processes.js';

/**
 * Every live testbed instance leaves a record naming exactly what it created, so that a
 * run killed before its teardown can be cleaned up later by name and pid (never by a
 * broad pattern that could catch something that is not ours).
 */
export interface InstanceRecord {
  readonly prefix: string;
  /** The process that created the instance; when it is gone, the instance is stale. */
  readonly ownerPid: number;
  readonly namespaces: readonly string[];
  readonly runDir: string;
  /** Pid files with the program name each must still be running to be killed. */
  readonly pidFiles: readonly { readonly path: string; readonly comm: string }[];
}

export const LAB_STATE_DIR = join(tmpdir(), 'rtpo-lab');

function recordPath(prefix: string): string {
  return join(LAB_STATE_DIR, `${prefix}.json`);
}

export function writeRecord(record: InstanceRecord): void {
  mkdirSync(LAB_STATE_DIR, { recursive: true, mode: 0o700 });
  writeFileSync(recordPath(record.prefix), JSON.stringify(record));
}

export function removeRecord(prefix: string): void {
  rmSync(recordPath(prefix), { force: true });
}

export function readRecords(): InstanceRecord[] {
  let names: string[];
  try {
    names = readdirSync(LAB_STATE_DIR);
  } catch {
    return [];
  }
  const out: InstanceRecord[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(readFileSync(join(LAB_STATE_DIR, name), 'utf8')) as InstanceRecord);
    } catch {
      // A half-written record names nothing we could safely remove.
    }
  }
  return out;
}

/** Tears down what one record names, synchronously (also usable from an exit handler). */
export function teardownRecordSync(record: InstanceRecord): void {
  for (const { path, comm } of record.pidFiles) {
    const pid = readPidFile(path);
    if (pid !== null) killNow(pid, comm);
  }
  for (const ns of record.namespaces) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
  rmSync(record.runDir, { recursive: true, force: true });
  removeRecord(record.prefix);
}

/** Removes instances whose creating process has died; returns the prefixes swept. */
export function sweepStaleInstances(): string[] {
  const swept: string[] = [];
  for (const record of readRecords()) {
    if (record.ownerPid !== process.pid && !isAlive(record.ownerPid)) {
      teardownRecordSync(record);
      swept.push(record.prefix);
    }
  }
  return swept;
}
