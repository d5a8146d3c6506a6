import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentControl, BridgeView } from '../../../src/control/provider.js';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const CLI = join(REPO, 'dist/src/cli/main.js');

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

/** The tests run the built program, as operators do: build when src/ is newer than dist/. */
export function ensureBuilt(): void {
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newest(join(REPO, 'src'))) return;
  execFileSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
    cwd: REPO,
    stdio: 'inherit',
  });
}

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Spawns the CLI (asynchronously: the agent answering is this very process). */
export function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return finished(spawnCli(args, env));
}

export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const clean = { PATH: process.env.PATH, ...env };
  return spawn(process.execPath, [CLI, ...args], { env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function finished(p: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  p.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

export function bridge(id: string, over: Partial<BridgeView> = {}): BridgeView {
  return {
    bridgeId: id,
    state: 'offloaded',
    reason: null,
    detail: null,
    since: Date.now() - 90_000,
    cookie: '0x5250000000000001',
    technology: 'native_rtp',
    members: 2,
    legs: [
      {
        channelId: `${id}.1`,
        channel: `PJSIP/alice-${id}`,
        local: { address: '192.0.2.10', port: 10000, family: 4 },
        remote: { address: '198.51.100.7', port: 4000, family: 4 },
        packets: 500,
        bytes: 86_000,
        asteriskEgressPackets: 0,
      },
    ],
    ...over,
  };
}

/** A fake agent behind the real control server; counts every request it is asked. */
export function fakeAgent(bridges: () => BridgeView[]): AgentControl & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    status: () => {
      calls.push('status');
      return {
        version: '9.9.9',
        startedAt: new Date(Date.now() - 3_600_000).toISOString(),
        dryRun: false,
        killSwitch: false,
        pbx: { source: 'ami', status: 'ready', requests: 3, events: 7, malformed: 0 },
        switch: { target: 'unix:/x.mgmt', status: 'ready', installedFlows: 4 },
        bridges: 1,
        offloaded: 1,
        probing: 0,
        counters: {},
      };
    },
    bridges: async (refresh) => (calls.push(`bridges ${refresh}`), bridges()),
    explain: async (id) => (calls.push(`explain ${id}`), bridges().find((b) => b.bridgeId === id) ?? null),
    offload: async (id) => (calls.push(`offload ${id}`), []),
    revert: async (id) => (calls.push(`revert ${id}`), []),
    unpin: async (id) => (calls.push(`unpin ${id}`), []),
    setKillSwitch: async (on) => void calls.push(`kill ${on}`),
    metrics: () => (
      calls.push('metrics'),
      '# HELP rtpo_bridges Bridges by state.\n# TYPE rtpo_bridges gauge\nrtpo_bridges{state="offloaded"} 1\nrtpo_up 1\n'
    ),
  };
}
