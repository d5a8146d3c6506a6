import { execFile, type ExecFileOptions } from 'node:child_process';

/** A command that exited non-zero, with what it printed, so failures name their cause. */
export class CommandError extends Error {
  readonly code = 'LAB_COMMAND_FAILED';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${command} failed (exit ${exitCode ?? 'signal'}): ${stderr.trim() || '(no output)'}`);
    this.name = 'CommandError';
  }
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program without a shell (arguments are never re-parsed) and resolves with its output. */
export function run(cmd: string, args: readonly string[], opts: ExecFileOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, ...opts, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const exit = typeof err.code === 'number' ? err.code : null;
        reject(new CommandError([cmd, ...args].join(' '), exit, String(stderr || err.message)));
      } else {
        resolve({ stdout: String(stdout), stderr: String(stderr) });
      }
    });
  });
}

/** Like `run`, but failure is an expected outcome (teardown of something maybe already gone). */
export async function tryRun(cmd: string, args: readonly string[]): Promise<boolean> {
  try {
    await run(cmd, args);
    return true;
  } catch {
    return false;
  }
}
