import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface AsteriskLaunch {
  /** Network namespace to run in. */
  readonly ns: string;
  /** The `asterisk` executable of a separate installation. */
  readonly binary: string;
  /** Its asterisk.conf (directories, options). */
  readonly config: string;
  /** File that receives Asterisk's console output. */
  readonly consoleLog: string;
}

/** A real Asterisk running in the foreground inside a namespace; stopped by its own pid. */
export class AsteriskProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly exited: Promise<number | null>,
  ) {}

  static start(l: AsteriskLaunch): AsteriskProcess {
    const out = createWriteStream(l.consoleLog);
    // `ip netns exec` execs the program, so the child pid is Asterisk's own.
    const child = spawn('ip', ['netns', 'exec', l.ns, l.binary, '-f', '-C', l.config, '-vvvv'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return new AsteriskProcess(child, exited);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (Asterisk shuts down gracefully), SIGKILL after the grace period. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const done = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done && this.running) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
