import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type { CommandRunner, RunOutcome } from '../../../src/net/ip-command.js';
import type { MonitorProcess, MonitorSpawner } from '../../../src/net/neigh-monitor.js';

const FIXTURES = new URL('../../fixtures/net/', import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

export function fixtureJson(name: string): unknown {
  return JSON.parse(fixtureText(name)) as unknown;
}

interface FakeRoute {
  dev: string;
  gateway?: string;
  type?: string;
}

interface FakeNeigh {
  lladdr?: string;
  state: string;
}

/**
 * A kernel's route and neighbour tables answering `ip -j route get` and `ip -j neigh show` in
 * the shape iproute2 6.1 prints (see the fixtures). Records every argv it was run with.
 */
export class FakeIp {
  readonly calls: string[][] = [];
  readonly routes = new Map<string, FakeRoute>();
  readonly neigh = new Map<string, FakeNeigh>();
  /** argv joined by spaces → a failure to return instead. */
  readonly failures = new Map<string, RunOutcome>();
  /** Holds every answer until `release()`, to test overlapping calls. */
  private gate: Promise<void> | null = null;
  private open: () => void = () => undefined;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.gate = null;
    this.open();
  }

  setNeigh(dev: string, address: string, value: FakeNeigh | null): void {
    if (value === null) this.neigh.delete(`${dev} ${address}`);
    else this.neigh.set(`${dev} ${address}`, value);
  }

  /** Batch inputs (`ip -batch -`), one per batch run. */
  readonly batches: string[][] = [];

  private routeJson(dst: string): string | null {
    const route = this.routes.get(dst);
    if (route === undefined) return null;
    const json = [
      {
        ...(route.type === undefined ? {} : { type: route.type }),
        dst,
        ...(route.gateway === undefined ? {} : { gateway: route.gateway }),
        dev: route.dev,
        prefsrc: '198.51.100.1',
        flags: [],
        uid: 0,
        cache: [],
      },
    ];
    return JSON.stringify(json) + '\n';
  }

  /** `ip -j -force -batch -` of `route get`s: a failed line prints nothing and the exit is 1. */
  private batch(input: string): RunOutcome {
    const lines = input.split('\n').filter((l) => l !== '');
    this.batches.push(lines);
    let stdout = '';
    let failed = false;
    for (const line of lines) {
      const [object, verb, dst] = line.split(' ');
      const json = object === 'route' && verb === 'get' ? this.routeJson(dst!) : null;
      if (json === null) failed = true;
      else stdout += json;
    }
    if (!failed) return { ok: true, stdout };
    return {
      ok: false,
      failure: 'exit',
      exitCode: 1,
      stderr: 'RTNETLINK answers: Network is unreachable\n',
      stdout,
    };
  }

  readonly runner: CommandRunner = async (_file, args, _timeout, input) => {
    this.calls.push([...args]);
    const gate = this.gate;
    if (gate !== null) await gate;
    const argv = args[0] === '-n' ? args.slice(2) : [...args];
    const failure = this.failures.get(argv.join(' '));
    if (failure !== undefined) return failure;
    if (argv.join(' ') === '-j -force -batch -') return this.batch(input ?? '');
    const [, object, verb, ...rest] = argv; // '-j', object, verb, …
    if (object === 'route' && verb === 'get') {
      const json = this.routeJson(rest[0]!);
      if (json === null) {
        return {
          ok: false,
          failure: 'exit',
          exitCode: 2,
          stderr: 'RTNETLINK answers: Network is unreachable\n',
        };
      }
      return { ok: true, stdout: json };
    }
    if (object === 'neigh' && verb === 'show' && !rest.includes('to')) {
      const table = [...this.neigh].map(([key, entry]) => {
        const [dev, dst] = key.split(' ');
        return {
          dst,
          dev,
          ...(entry.lladdr === undefined ? {} : { lladdr: entry.lladdr }),
          state: [entry.state],
        };
      });
      return { ok: true, stdout: JSON.stringify(table) + '\n' };
    }
    if (object === 'neigh' && verb === 'show') {
      const to = rest[rest.indexOf('to') + 1]!;
      const dev = rest[rest.indexOf('dev') + 1]!;
      const entry = this.neigh.get(`${dev} ${to}`);
      const json =
        entry === undefined
          ? []
          : [
              {
                dst: to,
                ...(entry.lladdr === undefined ? {} : { lladdr: entry.lladdr }),
                state: [entry.state],
              },
            ];
      return { ok: true, stdout: JSON.stringify(json) + '\n' };
    }
    return { ok: false, failure: 'exit', exitCode: 255, stderr: `unexpected ${argv.join(' ')}` };
  };
}

/** A child process whose stdout and death the test controls. */
export class FakeChild extends EventEmitter implements MonitorProcess {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly signals: NodeJS.Signals[] = [];
  /** Whether SIGTERM makes it exit (else only SIGKILL does). */
  obeysTerm = true;
  exited = false;

  write(text: string): void {
    this.stdout.write(text);
  }

  die(code: number | null = 1, signal: NodeJS.Signals | null = null): void {
    if (this.exited) return;
    this.exited = true;
    this.emit('exit', code, signal);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.signals.push(signal);
    if (signal === 'SIGKILL' || this.obeysTerm) queueMicrotask(() => this.die(null, signal));
    return true;
  }
}

export class FakeSpawner {
  readonly children: FakeChild[] = [];
  readonly argvs: string[][] = [];
  failNext = false;

  readonly spawn: MonitorSpawner = (_file, args) => {
    this.argvs.push([...args]);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('spawn ip ENOENT');
    }
    const child = new FakeChild();
    this.children.push(child);
    return child;
  };

  get last(): FakeChild {
    const child = this.children.at(-1);
    if (child === undefined) throw new Error('nothing spawned');
    return child;
  }
}

/** Lets stream 'data' handlers and promise chains run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
