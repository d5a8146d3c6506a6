import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../src/control/api.js';
import { ControlClient } from '../../src/control/client.js';
import { SimulatedPbx } from '../../src/lab/pbx/index.js';

/**
 * Start-up as a state machine (issue 11 item 4), with the real agent process
 * (`node dist/src/cli/main.js run`): the control socket answers while the switch or
 * Asterisk is down, each dependency is retried on its own, signals during start-up clean
 * up, and the `ip monitor` child dies with the agent even when the agent is SIGKILLed.
 */
const MAIN = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const SECRET_ENV = 'RTPO_STARTUP_AMI_SECRET';
const dir = mkdtempSync(join(tmpdir(), 'rtpo-startup-'));
const agents: ChildProcess[] = [];
const pbxes: SimulatedPbx[] = [];

afterEach(async () => {
  for (const a of agents.splice(0)) if (a.exitCode === null && a.signalCode === null) a.kill('SIGKILL');
  for (const p of pbxes.splice(0)) await p.stop().catch(() => undefined);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  probe: () => Promise<T | null> | T | null,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve(probe()).catch(() => null);
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let n = 0;
function startAgent(amiPort: number, extra: Record<string, unknown> = {}) {
  const id = n++;
  const socket = join(dir, `ctl-${id}.sock`);
  const config = join(dir, `agent-${id}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      asterisk: { ami: { host: '127.0.0.1', port: amiPort, username: 'offload', secretEnv: SECRET_ENV } },
      // Nobody listens here: the switch is unreachable for the whole test.
      switch: { target: `unix:${join(dir, `no-switch-${id}.mgmt`)}`, uplinkPort: 'uplink0' },
      engine: { auditIntervalMs: 200, probeIntervalMs: 100 },
      control: { socket },
      logLevel: 'info',
      ...extra,
    }),
  );
  const child = spawn(process.execPath, [MAIN, 'run', '--config', config], {
    env: { ...process.env, [SECRET_ENV]: 'startup-secret' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  agents.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, socket, client: new ControlClient(socket, 2000), exited, output: () => output };
}

async function startPbx(port: number): Promise<SimulatedPbx> {
  const pbx = await SimulatedPbx.start({
    version: 22,
    driver: 'pjsip',
    ami: {
      host: '127.0.0.1',
      port,
      users: [{ username: 'offload', secret: 'startup-secret', read: 'all', write: 'all' }],
    },
    endpoints: { alice: {}, bob: {} },
  });
  pbxes.push(pbx);
  return pbx;
}

/** Child processes of `pid` (every thread's), with their command lines. */
function childrenOf(pid: number): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    for (const c of text.split(/\s+/).filter(Boolean)) {
      const cpid = Number(c);
      const cmdline = readFileSync(`/proc/${cpid}/cmdline`, 'utf8').split('\0').join(' ');
      out.push({ pid: cpid, cmdline });
    }
  }
  return out;
}

/** Gone, or a zombie waiting for a reaper: either way, not running. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const ipMonitorOf = (pid: number) =>
  until(
    'the ip monitor child',
    () => childrenOf(pid).find((c) => c.cmdline.includes('monitor neigh')) ?? null,
    10_000,
  );

describe('the agent starting while its dependencies are down', () => {
  it('answers status with the switch unreachable, connects to Asterisk, and does not audit a switch it has not got', async () => {
    const amiPort = await freePort();
    await startPbx(amiPort);
    const a = startAgent(amiPort);
    const t0 = Date.now();
    const first = await until('a status answer', () => a.client.get<AgentStatus>('/v1/status'), 10_000);
    console.log(`control socket answered ${Date.now() - t0} ms after spawn`);
    expect(first.dependencies?.switch.status).not.toBe('up');
    const up = await until(
      'Asterisk up',
      async () => {
        const s = await a.client.get<AgentStatus>('/v1/status');
        return s.dependencies?.asterisk.status === 'up' ? s : null;
      },
      15_000,
    );
    expect(up.pbx.status).toBe('ready');
    expect(up.dependencies?.switch.status).toBe('starting');
    expect(Number.isNaN(Date.parse(up.dependencies!.asterisk.since))).toBe(false);
    await sleep(2000);
    expect(a.output()).not.toContain('audit dump failed');
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(existsSync(a.socket)).toBe(false);
  }, 40_000);

  it('keeps retrying Asterisk past its start timeout and connects once Asterisk is there', async () => {
    const amiPort = await freePort();
    const a = startAgent(amiPort);
    const s = await until('a status answer', () => a.client.get<AgentStatus>('/v1/status'), 10_000);
    expect(s.dependencies?.asterisk.status).not.toBe('up');
    // Past the AMI source's 30 s start timeout, after which the agent used to give up.
    await until(
      'the first start attempt given up',
      async () =>
        (await a.client.get<AgentStatus>('/v1/status')).dependencies?.asterisk.status === 'down'
          ? true
          : null,
      40_000,
    );
    await startPbx(amiPort);
    await until(
      'Asterisk up',
      async () =>
        (await a.client.get<AgentStatus>('/v1/status')).dependencies?.asterisk.status === 'up' ? true : null,
      40_000,
    );
    expect(a.child.exitCode).toBeNull();
  }, 120_000);
});

describe('the agent ending', () => {
  it('cleans up on SIGTERM during start-up: socket removed, ip monitor gone, exit 0', async () => {
    const a = startAgent(await freePort());
    await until('the control socket', () => existsSync(a.socket) || null, 10_000);
    const monitor = await ipMonitorOf(a.child.pid!);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(existsSync(a.socket)).toBe(false);
    await until('ip monitor gone', () => !running(monitor.pid) || null, 5000);
  }, 30_000);

  it('leaves no ip monitor behind when SIGKILLed', async () => {
    const a = startAgent(await freePort());
    const monitor = await ipMonitorOf(a.child.pid!);
    a.child.kill('SIGKILL');
    await a.exited;
    await until('ip monitor gone after SIGKILL', () => !running(monitor.pid) || null, 5000);
  }, 30_000);

  it('exits non-zero for a bad configuration, at once', async () => {
    const a = startAgent(await freePort(), { engine: { auditIntervalMs: 'often' } });
    expect(await a.exited).not.toBe(0);
    expect(a.output()).toContain('auditIntervalMs');
  }, 20_000);
});
