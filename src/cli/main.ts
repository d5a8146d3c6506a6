#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AgentStatus, BridgeDto, KillSwitchResult, PinResult } from '../control/api.js';
import { ControlClient, ControlClientError } from '../control/client.js';
import { VERSION } from '../control/version.js';
import { parseArgs, UsageError, wantsJson, type Invocation } from './args.js';
import { commandHelp, commandSpec, usage } from './commands.js';
import { formatBridges, formatExplain, formatStatus, formatStreams } from './format.js';
import { parsePrometheus } from './prom.js';
import { watch } from './watch.js';

/** Documented in docs/operation.md; scripts may rely on them. */
export const EXIT = { ok: 0, failure: 1, usage: 2, unreachable: 3 } as const;

export interface MainIo {
  /** Whether stdout is a terminal (watch redraws in place). @default false */
  readonly tty?: boolean;
  /** Aborted on Ctrl-C: ends `watch`. */
  readonly signal?: AbortSignal;
}

async function execute(inv: Invocation, out: (s: string) => void, io: MainIo): Promise<number> {
  const { command: cmd, json } = inv;
  if (cmd.name === 'help') {
    const spec = cmd.topic === null ? undefined : commandSpec(cmd.topic);
    out(spec ? commandHelp(spec) : usage());
    return EXIT.ok;
  }
  if (cmd.name === 'version') {
    out(json ? JSON.stringify({ version: VERSION }) : `rtp-offload ${VERSION}`);
    return EXIT.ok;
  }
  if (cmd.name === 'run') {
    const { run } = await import('../run.js');
    await run(cmd.config);
    return EXIT.ok;
  }
  if (cmd.name === 'doctor') {
    const d = await import('../doctor/index.js');
    const results = await d.doctor(cmd.config);
    out(json ? JSON.stringify({ checks: results }, null, 2) : d.formatResults(results));
    return d.doctorExitCode(results);
  }
  const c = new ControlClient(inv.socket);
  const now = Date.now();
  const table = { wide: inv.output === 'wide', headers: inv.headers, now };
  const show = <T>(v: T, human: (v: T) => string): void => {
    const text = json ? JSON.stringify(v, null, 2) : human(v);
    if (text !== '') out(text);
  };
  switch (cmd.name) {
    case 'status':
      show(await c.get<AgentStatus>('/v1/status'), (s) => formatStatus(s, now));
      break;
    case 'list':
      show(await c.get<BridgeDto[]>('/v1/streams'), (b) => formatStreams(b, table));
      break;
    case 'bridges':
      show(await c.get<BridgeDto[]>('/v1/bridges'), (b) => formatBridges(b, table));
      break;
    case 'watch':
      await watch({
        fetch: () => c.get<BridgeDto[]>('/v1/streams'),
        write: (s) => out(s.endsWith('\n') ? s.slice(0, -1) : s),
        tty: io.tty ?? false,
        json,
        headers: inv.headers,
        intervalMs: cmd.intervalMs,
        signal: io.signal ?? new AbortController().signal,
      });
      break;
    case 'explain':
      show(await c.get<BridgeDto>(`/v1/bridges/${encodeURIComponent(cmd.id)}`), (b) => formatExplain(b, now));
      break;
    case 'offload':
    case 'unpin':
      show(
        await c.post<PinResult>(`/v1/${cmd.name}`, { id: cmd.id }),
        (r) => `${cmd.name}: ${r.bridges.join(', ')}`,
      );
      break;
    case 'revert':
      if (cmd.all)
        show(
          await c.post<KillSwitchResult>('/v1/kill-switch', { on: true }),
          () => 'kill switch on: every call reverted to Asterisk',
        );
      else
        show(
          await c.post<PinResult>('/v1/revert', { id: cmd.id }),
          (r) => `reverted: ${r.bridges.join(', ')}`,
        );
      break;
    case 'kill-switch':
      show(
        await c.post<KillSwitchResult>('/v1/kill-switch', { on: cmd.on }),
        (r) => `kill switch ${r.killSwitch ? 'on' : 'off'}`,
      );
      break;
    case 'metrics': {
      const text = await c.text('/metrics');
      out(json ? JSON.stringify(parsePrometheus(text), null, 2) : text.replace(/\n$/, ''));
      break;
    }
  }
  return EXIT.ok;
}

function report(err: (s: string) => void, json: boolean, code: string, message: string, hint = ''): void {
  err(json ? JSON.stringify({ error: { code, message } }) : `rtp-offload: ${message}${hint}`);
}

export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (s: string) => void,
  err: (s: string) => void,
  io: MainIo = {},
): Promise<number> {
  let inv: Invocation;
  try {
    inv = parseArgs(argv, env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    report(err, wantsJson(argv), e.code, e.message, "\nsee 'rtp-offload help'");
    return EXIT.usage;
  }
  try {
    return await execute(inv, out, io);
  } catch (e) {
    if (e instanceof ControlClientError) {
      const unreachable = e.code === 'UNREACHABLE' || e.code === 'TIMEOUT';
      report(err, inv.json, e.code, e.message, unreachable ? '' : ` (${e.code})`);
      return unreachable ? EXIT.unreachable : EXIT.failure;
    }
    report(err, inv.json, (e as { code?: string }).code ?? 'FAILED', (e as Error).message);
    return EXIT.failure;
  }
}

/**
 * The process around `main`: a reader that went away (`… | head -1`) ends output quietly
 * with exit 0, as for any Unix filter; Ctrl-C ends `watch` cleanly.
 */
function runAsProgram(): void {
  const quietOnClosedPipe = (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE') process.exit(EXIT.ok);
    throw e;
  };
  process.stdout.on('error', quietOnClosedPipe);
  process.stderr.on('error', quietOnClosedPipe);
  const interrupted = new AbortController();
  const argv = process.argv.slice(2);
  // Only a command that runs until interrupted owns SIGINT; `run` installs its own handlers.
  const isWatch = ((): boolean => {
    try {
      return parseArgs(argv, process.env).command.name === 'watch';
    } catch {
      return false;
    }
  })();
  if (isWatch) process.once('SIGINT', () => interrupted.abort());
  main(
    argv,
    process.env,
    (s) => process.stdout.write(s + '\n'),
    (s) => process.stderr.write(s + '\n'),
    { tty: process.stdout.isTTY === true, signal: interrupted.signal },
  ).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`rtp-offload: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}

// Through npm's bin symlink argv[1] is the link, so compare real paths.
const isEntry =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) runAsProgram();
