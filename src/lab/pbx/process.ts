import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LegName, PartySpec, PlaceCallSpec } from './call.js';
import type { CallView, ControlEnvelope, ControlReply, ControlRequest, ControlResult } from './control.js';
import { PbxError } from './errors.js';
import type { SimulatedPbxOptions } from './options.js';
import type { RelayStats } from './pbx.js';
import type { HostPort } from './rtp/address.js';

export interface PbxProcessOptions {
  /** Run inside this network namespace (`ip netns exec`). */
  readonly namespace?: string;
  /** Node flags for the child, e.g. a TypeScript loader when running from sources. */
  readonly execArgv?: readonly string[];
  /** The entry script. @default main.js beside this module (main.ts when run from sources) */
  readonly entry?: string;
  readonly startTimeoutMs?: number;
}

export interface ProcessCpu {
  /** utime + stime of the process, from /proc/<pid>/stat, in milliseconds. */
  readonly cpuMs: number;
  readonly atMs: number;
}

/**
 * A SimulatedPbx in a child process (optionally in a namespace), driven over IPC with the
 * same operations as the in-process scenario API; its CPU can be read from /proc.
 */
export class PbxProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (r: ControlReply) => void>();
  private readonly notices = new Set<(message: Record<string, unknown>) => void>();

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly ami: { host: string; port: number },
  ) {
    child.on('message', (m: ControlReply | Record<string, unknown>) => {
      if (isReply(m)) {
        const done = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        done?.(m);
      } else {
        for (const l of this.notices) l(m);
      }
    });
    child.on('exit', () => {
      for (const done of this.waiting.values())
        done({ id: 0, ok: false, code: 'PBX_STOPPED', message: 'PBX process exited' });
      this.waiting.clear();
    });
  }

  static async spawn(
    options: Omit<SimulatedPbxOptions, 'openRtpSocket'>,
    p: PbxProcessOptions = {},
  ): Promise<PbxProcess> {
    const here = fileURLToPath(import.meta.url);
    const entry = p.entry ?? here.replace(/process\.(ts|js)$/, 'main.$1');
    const nodeArgs = [...(p.execArgv ?? []), entry, '--json', JSON.stringify(options)];
    const [cmd, args] = p.namespace
      ? ['ip', ['netns', 'exec', p.namespace, process.execPath, ...nodeArgs]]
      : [process.execPath, nodeArgs];
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const ready = await new Promise<{ pid: number; ami: { host: string; port: number } }>(
      (resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => {
          child.kill();
          reject(new PbxError('PBX_STOPPED', `PBX process not ready in time: ${stderr.trim()}`));
        }, p.startTimeoutMs ?? 20_000);
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n').find((l) => l.startsWith('{"ready"'));
          if (line) {
            clearTimeout(timer);
            resolve(JSON.parse(line) as { pid: number; ami: { host: string; port: number } });
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new PbxError('PBX_STOPPED', `PBX process exited with ${code}: ${stderr.trim()}`));
        });
      },
    );
    return new PbxProcess(child, ready.pid, ready.ami);
  }

  /**
   * Messages the entry sends on its own rather than in reply to a request (`Notify` in
   * serve.ts), e.g. a benchmark entry's timestamps. Returns the unsubscribe function.
   */
  onNotice(listener: (message: Record<string, unknown>) => void): () => void {
    this.notices.add(listener);
    return () => this.notices.delete(listener);
  }

  private request<T extends ControlResult>(request: ControlRequest): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.child.connected) {
        reject(new PbxError('PBX_STOPPED', 'PBX process is not running'));
        return;
      }
      this.waiting.set(id, (r) => {
        if (r.ok) resolve(r.result as T);
        else reject(Object.assign(new Error(r.message), { code: r.code }));
      });
      this.child.send({ id, request } satisfies ControlEnvelope);
    });
  }

  placeCall(spec: PlaceCallSpec): Promise<CallView> {
    return this.request({ op: 'placeCall', spec });
  }
  hangup(callId: string, leg?: LegName): Promise<null> {
    return this.request({ op: 'hangup', callId, leg });
  }
  hold(callId: string, leg: LegName): Promise<null> {
    return this.request({ op: 'hold', callId, leg });
  }
  unhold(callId: string, leg: LegName): Promise<null> {
    return this.request({ op: 'unhold', callId, leg });
  }
  startMixMonitor(callId: string, leg: LegName): Promise<null> {
    return this.request({ op: 'startMixMonitor', callId, leg });
  }
  stopMixMonitor(callId: string, leg: LegName): Promise<null> {
    return this.request({ op: 'stopMixMonitor', callId, leg });
  }
  reinvite(callId: string, leg: LegName, remote: HostPort): Promise<null> {
    return this.request({ op: 'reinvite', callId, leg, remote });
  }
  setDirectMedia(callId: string, on: boolean): Promise<null> {
    return this.request({ op: 'setDirectMedia', callId, on });
  }
  blindTransfer(callId: string, transferer: LegName, target: PartySpec): Promise<CallView> {
    return this.request({ op: 'blindTransfer', callId, transferer, target });
  }
  attendedTransfer(
    held: { callId: string; transferer: LegName },
    consult: { callId: string; transferer: LegName },
    mode: 'swap' | 'merge' = 'swap',
  ): Promise<CallView> {
    return this.request({ op: 'attendedTransfer', held, consult, mode });
  }
  calls(): Promise<CallView[]> {
    return this.request({ op: 'calls' });
  }
  relayStats(): Promise<RelayStats> {
    return this.request({ op: 'relayStats' });
  }
  restart(): Promise<null> {
    return this.request({ op: 'restart' });
  }
  /** Fault injection: the next hangup of that leg is never published (see core/faults.ts). */
  dropNextHangup(callId: string, leg: LegName, scope?: 'channel' | 'call'): Promise<null> {
    return this.request({ op: 'dropNextHangup', callId, leg, scope });
  }
  /** `module load|unload` of res_rtp_offload.so; false when it already was (not) loaded. */
  moduleLoad(module?: string): Promise<boolean> {
    return this.request({ op: 'moduleLoad', module });
  }
  moduleUnload(module?: string): Promise<boolean> {
    return this.request({ op: 'moduleUnload', module });
  }
  moduleReload(module?: string): Promise<null> {
    return this.request({ op: 'moduleReload', module });
  }

  /** CPU time of the PBX process so far (user + system), as /proc/<pid>/stat counts it. */
  cpu(): ProcessCpu {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    return { cpuMs: (ticks * 1000) / CLOCK_TICKS, atMs: Date.now() };
  }

  /** Stops the PBX and waits for the process to exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  }
}

function isReply(m: ControlReply | Record<string, unknown>): m is ControlReply {
  return typeof m.id === 'number' && typeof m.ok === 'boolean';
}

/** USER_HZ; 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;
