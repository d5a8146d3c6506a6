import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../testbed/run.js';

/**
 * A program run inside a network namespace as the leader of its own process group, so
 * that teardown kills it with everything it started (`ip netns exec` execs the program:
 * the child's pid is the program's own). Output goes to a file.
 */
export class GroupProcess {
  readonly exited: Promise<number | null>;
  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static start(
    ns: string,
    argv: readonly string[],
    logFile: string,
    env: Record<string, string> = {},
  ): GroupProcess {
    const out = createWriteStream(logFile, { flags: 'a' });
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    const p = new GroupProcess(child);
    live.add(p);
    void p.exited.then(() => live.delete(p));
    return p;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      // already gone
    }
  }

  /** SIGTERM to the group, SIGKILL after the grace period. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.signal('SIGTERM');
    const done = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) {
      this.signal('SIGKILL');
      await this.exited;
    }
  }

  kill9(): Promise<number | null> {
    this.signal('SIGKILL');
    return this.exited;
  }

  killSync(): void {
    if (this.running) this.signal('SIGKILL');
  }
}

const live = new Set<GroupProcess>();
process.on('exit', () => {
  for (const p of live) p.killSync();
});

/**
 * Builds res_rtp_offload.so from the project's asterisk-module/ with its own Makefile
 * against the Asterisk at `prefix`, in a scratch copy (nothing is written in the tree).
 */
export async function buildOffloadModule(moduleSrc: string, prefix: string, outDir: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  for (const f of ['Makefile', 'res_rtp_offload.c']) copyFileSync(join(moduleSrc, f), join(outDir, f));
  await run('make', ['-C', outDir, `ASTERISK_PREFIX=${prefix}`]);
  return join(outDir, 'res_rtp_offload.so');
}

export interface AgentLaunch {
  readonly ns: string;
  readonly entry: string;
  readonly config: Record<string, unknown>;
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly name: string;
}

/** The agent as its own process (`rtp-offload run --config`), in the PBX namespace. */
export function startAgentProcess(a: AgentLaunch): { proc: GroupProcess; log: string } {
  const cfg = join(a.dir, `${a.name}.json`);
  writeFileSync(cfg, JSON.stringify(a.config, null, 2));
  const log = join(a.dir, `${a.name}.log`);
  const proc = GroupProcess.start(a.ns, [process.execPath, a.entry, 'run', '--config', cfg], log, a.env);
  return { proc, log };
}
