import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from '../time/backoff.js';
import { systemClock, type Clock, type TimerHandle } from '../time/clock.js';
import { NetError } from './errors.js';
import { withParentDeathSignal } from './parent-death.js';
import { parseMonitorLine, type NeighMonitorEvent } from './parse-monitor.js';

/** The part of a child process the monitor uses; injected in unit tests. */
export interface MonitorProcess {
  readonly pid?: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr?: NodeJS.ReadableStream | null;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  kill(signal?: NodeJS.Signals): boolean;
}

export type MonitorSpawner = (file: string, args: readonly string[]) => MonitorProcess;

/** The child dies with the agent, even a SIGKILLed one (see parent-death.ts). */
const spawnProcess: MonitorSpawner = (file, args) => {
  const cmd = withParentDeathSignal(file, args);
  return spawn(cmd.file, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'] });
};

export type NeighMonitorStatus = 'stopped' | 'running' | 'backoff';

export interface NeighMonitorOptions {
  readonly netns?: string;
  /** @default 'ip' */
  readonly ipPath?: string;
  readonly spawner?: MonitorSpawner;
  readonly clock?: Clock;
  /** Restart delays. @default { initialDelayMs: 250, maxDelayMs: 30000, factor: 2, jitter: 0.5 } */
  readonly backoff?: Partial<BackoffOptions>;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** A child that ran this long before dying restarts without accumulated backoff. @default 30_000 */
  readonly stableAfterMs?: number;
  /** How long `stop()` waits for the child to exit after SIGTERM before SIGKILL. @default 2_000 */
  readonly killAfterMs?: number;
}

export interface NeighMonitorEvents {
  neighbour: [event: NeighMonitorEvent];
  /** A child was spawned: events between the previous child's death and now were missed. */
  started: [];
  /** The child died unexpectedly; it is respawned after `restartInMs`. */
  exited: [error: NetError, restartInMs: number];
  status: [status: NeighMonitorStatus];
}

/**
 * Follows the kernel's neighbour table through `ip monitor neigh` (text: `ip -j monitor` is not
 * JSON on every iproute2 version). The child is restarted with backoff when it dies, and
 * stopped (SIGTERM, then SIGKILL) by `stop()`.
 */
export class NeighMonitor extends EventEmitter<NeighMonitorEvents> {
  private statusValue: NeighMonitorStatus = 'stopped';
  /** Between `start()` and `stop()`: a dead child is to be replaced. */
  private wanted = false;
  private child: MonitorProcess | null = null;
  private childExited: Promise<void> = Promise.resolve();
  private restartTimer: TimerHandle | null = null;
  private attempt = 0;
  private startedAt = 0;
  private readonly clock: Clock;
  private readonly backoff: BackoffOptions;
  private readonly spawner: MonitorSpawner;
  private readonly argv: string[];
  private readonly ipPath: string;

  constructor(private readonly options: NeighMonitorOptions = {}) {
    super();
    this.clock = options.clock ?? systemClock;
    this.backoff = { ...DEFAULT_BACKOFF, initialDelayMs: 250, ...options.backoff };
    this.spawner = options.spawner ?? spawnProcess;
    this.ipPath = options.ipPath ?? 'ip';
    this.argv = [...(options.netns === undefined ? [] : ['-n', options.netns]), 'monitor', 'neigh'];
  }

  get status(): NeighMonitorStatus {
    return this.statusValue;
  }

  /** Process id of the running child, for operators and tests that check nothing is left behind. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  start(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.attempt = 0;
    this.spawnChild();
  }

  async stop(): Promise<void> {
    this.wanted = false;
    this.restartTimer?.cancel();
    this.restartTimer = null;
    const child = this.child;
    this.child = null;
    this.setStatus('stopped');
    if (child === null) return;
    const exited = this.childExited;
    child.kill('SIGTERM');
    let forcedDone = (): void => undefined;
    const forced = new Promise<void>((resolve) => (forcedDone = resolve));
    const killTimer = this.clock.setTimeout(() => {
      child.kill('SIGKILL');
      forcedDone();
    }, this.options.killAfterMs ?? 2_000);
    await Promise.race([exited, forced]);
    killTimer.cancel();
  }

  private spawnChild(): void {
    this.restartTimer = null;
    this.startedAt = this.clock.now();
    let child: MonitorProcess;
    try {
      child = this.spawner(this.ipPath, this.argv);
    } catch (err) {
      this.scheduleRestart(this.failure('spawn', `cannot start: ${(err as Error).message}`));
      return;
    }
    this.child = child;
    let settle: () => void = () => undefined;
    this.childExited = new Promise<void>((resolve) => (settle = resolve));
    let done = false;
    // `error` (spawn failure) and `exit` may both fire; only the first counts, and only while
    // this child is still the current one (a stopped or replaced child's death is expected).
    const ended = (error: NetError): void => {
      if (done) return;
      done = true;
      settle();
      if (this.child !== child) return;
      this.child = null;
      this.scheduleRestart(error);
    };
    // The tail of stderr says why `ip` gave up (e.g. a namespace that is gone).
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-1024)));
    child.on('error', (err) => ended(this.failure('spawn', err.message)));
    child.on('exit', (code, signal) =>
      ended(this.failure('failed', `exited (${signal ?? `code ${code ?? '?'}`})`, stderr)),
    );
    this.followLines(child);
    this.setStatus('running');
    this.emit('started');
  }

  private followLines(child: MonitorProcess): void {
    const out = child.stdout;
    if (out === null) return;
    out.setEncoding('utf8');
    let partial = '';
    out.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (this.child !== child) return;
        const event = parseMonitorLine(line);
        if (event !== null) this.emit('neighbour', event);
      }
    });
  }

  private scheduleRestart(error: NetError): void {
    if (!this.wanted) return;
    if (this.clock.now() - this.startedAt >= (this.options.stableAfterMs ?? 30_000)) this.attempt = 0;
    const delay = backoffDelay(this.attempt++, this.backoff, this.options.random);
    this.setStatus('backoff');
    this.emit('exited', error, delay);
    this.restartTimer = this.clock.setTimeout(() => this.spawnChild(), delay);
  }

  private failure(reason: 'spawn' | 'failed', detail: string, stderr = ''): NetError {
    const command = [this.ipPath, ...this.argv].join(' ');
    const said = stderr.trim() === '' ? '' : `: ${stderr.trim()}`;
    return new NetError('NET_MONITOR', reason, `${command} ${detail}${said}`, { command, stderr });
  }

  private setStatus(status: NeighMonitorStatus): void {
    if (status === this.statusValue) return;
    this.statusValue = status;
    this.emit('status', status);
  }
}
