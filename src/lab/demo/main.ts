#!/usr/bin/env node
/**
 * The demo (scripts/demo.sh): bridged calls through the simulated PBX, then offloaded to
 * Open vSwitch by the agent, with the PBX's, the switch's and the machine's CPU before and
 * after, and one call reverted by a hold.
 *
 *   node dist/src/lab/demo/main.js [--calls N] [--seconds S] [--json]
 *
 * With --json the story goes to stderr and one JSON object (DemoResult) to stdout.
 */
import type { OffloadLab } from '../offload-lab.js';
import { formatReport } from './report.js';
import { runDemo } from './run.js';

const USAGE = 'usage: demo [--calls N (1-500, default 100)] [--seconds S (1-600, default 10)] [--json]';

interface Args {
  readonly calls: number;
  readonly seconds: number;
  readonly json: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args {
  let calls = 100;
  let seconds = 10;
  let json = false;
  const int = (flag: string, v: string | undefined, max: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 1 || n > max)
      throw new UsageError(`${flag} needs an integer from 1 to ${max}, got ${JSON.stringify(v ?? '')}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === '--calls') calls = int(flag, value(), 500);
    else if (flag === '--seconds') seconds = int(flag, value(), 600);
    else if (flag === '--json') json = true;
    else if (flag === '--help' || flag === '-h') throw new UsageError('');
    else throw new UsageError(`unknown argument ${JSON.stringify(argv[i])}`);
  }
  return { calls, seconds, json };
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message ? `demo: ${e.message}\n` : ''}${USAGE}\n`);
    return e.message ? 2 : 0;
  }
  const story = args.json ? process.stderr : process.stdout;
  const say = (line: string): void => void story.write(`${line}\n`);

  // The testbed removes its namespaces and switch synchronously on a signal and raises it
  // again; staying subscribed keeps this process alive long enough to stop the agent and
  // the PBX and remove the lab's control directory too.
  let lab: OffloadLab | null = null;
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\ndemo: ${sig}, tearing the lab down\n`);
    void (lab?.destroy() ?? Promise.resolve()).catch(() => undefined).finally(() => process.exit(130));
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);

  try {
    const result = await runDemo({
      calls: args.calls,
      seconds: args.seconds,
      say,
      onLab: (l) => {
        lab = l;
      },
    });
    if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else say(formatReport(result));
    return 0;
  } catch (e) {
    if (interrupted) return new Promise<number>(() => undefined);
    process.stderr.write(`demo failed: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`demo failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
