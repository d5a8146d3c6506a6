import { execFile } from 'node:child_process';
import { NetError, type NetErrorCode, type NetErrorReason } from './errors.js';

/** What running a program produced; failures are values so the caller can name them. */
export type RunOutcome =
  | { readonly ok: true; readonly stdout: string }
  | {
      readonly ok: false;
      readonly failure: 'exit' | 'timeout' | 'spawn';
      readonly exitCode: number | null;
      readonly stderr: string;
      /** What was printed before the failure (a `-force -batch` run prints the commands that worked). */
      readonly stdout?: string;
    };

/** Runs a program without a shell. Injected so parsers and the cache can be tested without `ip`. */
export type CommandRunner = (
  file: string,
  args: readonly string[],
  timeoutMs: number,
  input?: string,
) => Promise<RunOutcome>;

export const execFileRunner: CommandRunner = (file, args, timeoutMs, input) =>
  new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) {
          resolve({ ok: true, stdout });
          return;
        }
        // A string code (ENOENT, EACCES) means the program never ran; `killed` means our timeout.
        const spawnFailed = typeof err.code === 'string';
        resolve({
          ok: false,
          failure: spawnFailed ? 'spawn' : err.killed ? 'timeout' : 'exit',
          exitCode: typeof err.code === 'number' ? err.code : null,
          stderr: spawnFailed ? err.message : stderr,
          stdout,
        });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });

export interface IpCommandOptions {
  /** Run every command in this network namespace (`ip -n <netns> …`). */
  readonly netns?: string;
  /** @default 'ip' */
  readonly ipPath?: string;
  /** Per command. @default 3000 */
  readonly timeoutMs?: number;
  /** @default execFileRunner */
  readonly runner?: CommandRunner;
}

/**
 * Maps stderr of a failed command to a reason. Texts are iproute2's and the kernel's
 * (`RTNETLINK answers: <strerror>`), which have been stable for many years.
 */
export function classifyIpFailure(code: NetErrorCode, stderr: string): NetErrorReason {
  if (/Cannot find device|does not exist/.test(stderr)) return 'no-device';
  // `route get` answers ENETUNREACH with no route at all, and EHOSTUNREACH, EACCES and EINVAL
  // for `unreachable`, `prohibit` and `blackhole` routes respectively.
  if (
    code === 'NET_ROUTE_GET' &&
    /Network is unreachable|No route to host|Permission denied|Invalid argument/.test(stderr)
  ) {
    return 'no-route';
  }
  return 'failed';
}

/** iproute2 with the namespace, timeout and error mapping every `net/` command shares. */
export class IpCommand {
  readonly netns: string | undefined;
  private readonly ipPath: string;
  private readonly timeoutMs: number;
  private readonly runner: CommandRunner;

  constructor(options: IpCommandOptions = {}) {
    this.netns = options.netns;
    this.ipPath = options.ipPath ?? 'ip';
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.runner = options.runner ?? execFileRunner;
  }

  /** Full argv after the program name, namespace first (`-n` must precede the object). */
  argv(args: readonly string[]): string[] {
    return this.netns === undefined ? [...args] : ['-n', this.netns, ...args];
  }

  commandLine(args: readonly string[]): string {
    return [this.ipPath, ...this.argv(args)].join(' ');
  }

  /**
   * Runs `ip -j -force -batch -` with one command per line and returns the JSON of each command
   * that worked, in order (a failed one prints nothing on stdout: callers match answers by
   * content, never by position). Rejects only when nothing could be read at all.
   */
  async batchJson(code: NetErrorCode, lines: readonly string[]): Promise<unknown[]> {
    const full = ['-j', '-force', '-batch', '-'];
    const outcome = await this.runner(this.ipPath, this.argv(full), this.timeoutMs, lines.join('\n') + '\n');
    const stdout = outcome.ok ? outcome.stdout : outcome.failure === 'exit' ? (outcome.stdout ?? '') : '';
    if (!outcome.ok && stdout === '') {
      const command = this.commandLine(full);
      throw new NetError(code, outcome.failure === 'exit' ? 'failed' : outcome.failure, `${command} failed`, {
        command,
        exitCode: outcome.exitCode,
        stderr: outcome.stderr,
      });
    }
    const out: unknown[] = [];
    for (const line of stdout.split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as unknown);
      } catch {
        // A line cut short by a timeout: its command is read again on its own.
      }
    }
    return out;
  }

  /** Runs `ip -j <args>` and returns the parsed JSON, or rejects with a `NetError` of `code`. */
  async json(code: NetErrorCode, args: readonly string[]): Promise<unknown> {
    const full = ['-j', ...args];
    const command = this.commandLine(full);
    const outcome = await this.runner(this.ipPath, this.argv(full), this.timeoutMs);
    if (!outcome.ok) {
      const reason: NetErrorReason =
        outcome.failure === 'exit' ? classifyIpFailure(code, outcome.stderr) : outcome.failure;
      const what = outcome.failure === 'timeout' ? `timed out after ${this.timeoutMs} ms` : 'failed';
      throw new NetError(code, reason, `${command} ${what}: ${outcome.stderr.trim() || '(no output)'}`, {
        command,
        exitCode: outcome.exitCode,
        stderr: outcome.stderr,
      });
    }
    // Some commands print nothing at all for an empty result instead of `[]`.
    if (outcome.stdout.trim() === '') return [];
    try {
      return JSON.parse(outcome.stdout) as unknown;
    } catch (err) {
      throw new NetError(
        code,
        'bad-output',
        `${command} printed something that is not JSON`,
        { command },
        {
          cause: err,
        },
      );
    }
  }
}
