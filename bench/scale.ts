/**
 * Issue 14, scale: 20,000 synthetic calls up (signalling and flows, no media) against the
 * simulated PBX in its own process (engine-pbx.ts), the real agent in this process.
 *
 * - `scale.rss_mb`: the agent's RSS with every call offloaded (after a collection);
 * - `scale.list_s`: `rtp-offload list --json` as a user runs it (a new node process);
 * - `scale.reconcile_s`: agent stopped and started with every flow left on the switch, until
 *   every call is offloaded again, with `scale.flows_churned` flow mods it sent meanwhile;
 * - `scale.switch_restart_s`: ovs-vswitchd restarted (every flow lost) until all are back;
 * - `scale.install_ms_p99`: one call's flows written and barriered with the table full.
 *
 * One Asterisk address cannot hold 40,000 RTP ports: half the calls are IPv4, half IPv6,
 * as a PBX of this size would spread them over addresses.
 */
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { Agent } from '../src/agent.js';
import { parseConfig, type Config } from '../src/config.js';
import { PbxProcess, type PlaceCallSpec } from '../src/lab/pbx/index.js';
import { Testbed, run as runCommand } from '../src/lab/testbed/index.js';
import { createLogger } from '../src/log.js';
import type { FlowSpec } from '../src/plan/flow-spec.js';
import { amiStats, collector, switchFlowCount, until } from './engine.js';
import { pacerOf } from './pacer.js';
import { FAKE_RTP_ENV } from './engine-pbx-env.js';
import { percentile } from './percentile.js';
import type { BenchContext, BenchSection } from './section.js';

const FULL_CALLS = Number(process.env.RTPO_BENCH_SCALE_CALLS ?? 20_000);
const QUICK_CALLS = 2000;
const FAR_HOSTS = 16;
const PLACE_CONCURRENCY = 200;
const RTP_PORTS: [number, number] = [8000, 56_000];
const INSTALLS = 200;
const SECRET_ENV = 'RTPO_BENCH_AMI_SECRET';
const TARGETS = { rss_mb: 250, list_s: 1, reconcile_s: 5, switch_restart_s: 5 };

const load1 = (): number => Math.round(loadavg()[0]! * 100) / 100;
const mb = (bytes: number): number => Math.round(bytes / 1024 / 102.4) / 10;
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

function callSpec(bed: Testbed, i: number): PlaceCallSpec {
  const v6 = i % 2 === 1;
  const far = v6 ? bed.far.ipv6 : bed.far.ipv4;
  const j = Math.floor(i / 2);
  const k = Math.floor(j / far.length);
  return {
    caller: { endpoint: 'alice', remote: { address: far[j % far.length]!, port: 20_000 + 4 * k } },
    callee: { endpoint: 'bob', remote: { address: far[(j + 1) % far.length]!, port: 20_002 + 4 * k } },
  };
}

function startAgent(cfg: Config): Promise<Agent> {
  return Agent.start(cfg, { logger: createLogger('error'), control: true });
}

/** Seconds `rtp-offload list --json` takes end to end, and how many rows it printed. */
function timeList(socket: string): Promise<{ seconds: number; rows: number }> {
  const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, 'list', '--json', '--socket', socket],
      { maxBuffer: 1 << 30 },
      (err, stdout) => {
        if (err) return reject(err);
        const seconds = (performance.now() - t0) / 1000;
        resolve({ seconds, rows: (JSON.parse(stdout) as unknown[]).length });
      },
    );
  });
}

/** One call's flows, new to the switch (other phone ports, a cookie outside our tag). */
function extraFlows(template: readonly FlowSpec[], j: number): FlowSpec[] {
  return template.map((f) => ({
    ...f,
    cookie: f.cookie ^ (1n << 62n),
    match: { ...f.match, srcPort: 60_000 + (j % 5000) },
  }));
}

async function installLatency(agent: Agent, template: readonly FlowSpec[]): Promise<number[]> {
  const out: number[] = [];
  for (let j = 0; j < INSTALLS; j++) {
    const flows = extraFlows(template, j);
    const t0 = performance.now();
    const failures = await pacerOf(agent).apply(flows, []);
    out.push(performance.now() - t0);
    if (failures.length > 0) throw new Error(`install refused: ${failures[0]!.error}`);
    await pacerOf(agent).apply([], flows);
  }
  return out;
}

async function run(ctx: BenchContext): Promise<Record<string, number | string | boolean | null>> {
  const calls = ctx.quick ? QUICK_CALLS : FULL_CALLS;
  const gc = collector();
  const bed = await Testbed.create({ farHosts: FAR_HOSTS });
  const controlDir = mkdtempSync(join(tmpdir(), 'rtpo-bench-scale-'));
  const socket = join(controlDir, 'control.sock');
  let pbx: PbxProcess | null = null;
  let agent: Agent | null = null;
  const loadBefore = load1();
  try {
    for (const [fam, list] of [
      ['-4', bed.far.ipv4],
      ['-6', bed.far.ipv6],
    ] as const) {
      for (const address of list) {
        await runCommand('ip', [
          '-n',
          bed.pbxNs,
          fam,
          'neigh',
          'replace',
          address,
          'lladdr',
          bed.far.mac,
          'dev',
          bed.pbx.iface,
          'nud',
          'permanent',
        ]);
      }
    }
    const secret = randomBytes(12).toString('hex');
    process.env[FAKE_RTP_ENV] = '1';
    pbx = await PbxProcess.spawn(
      {
        version: 22,
        driver: 'pjsip',
        ami: {
          host: '127.0.0.1',
          port: 0,
          users: [{ username: 'offload', secret, read: 'all', write: 'all' }],
        },
        localAddress: { ipv4: bed.pbx.ipv4, ipv6: bed.pbx.ipv6 },
        rtpPortRange: RTP_PORTS,
        rtcpIntervalMs: 24 * 3600 * 1000,
        endpoints: { alice: { tosAudio: 'ef' }, bob: { tosAudio: 'ef' } },
      },
      { entry: fileURLToPath(new URL('./engine-pbx.js', import.meta.url)) },
    ).finally(() => delete process.env[FAKE_RTP_ENV]);
    const sim = pbx;
    const cfg = parseConfig(
      {
        asterisk: {
          ami: {
            host: sim.ami.host,
            port: sim.ami.port,
            username: 'offload',
            secretEnv: SECRET_ENV,
            requestsPerSecond: 20_000,
            requestConcurrency: 128,
            // The start-up listing of 40,000 channels (CoreShowChannels) takes longer than the
            // default 5 s: with it the agent never gets past its resync at 20,000 calls.
            requestTimeoutMs: 120_000,
          },
        },
        switch: {
          target: bed.mgmtTarget,
          uplinkPort: bed.uplink.name,
          bridgeInterface: bed.pbx.iface,
          idleTimeout: 3600,
        },
        policy: { minBridgeAgeMs: 0, assumeSamePayloadTypes: true, trustRemoteAddress: true },
        engine: { evaluationConcurrency: 256 },
        control: { socket },
        netns: bed.pbxNs,
        logLevel: 'error',
      },
      { [SECRET_ENV]: secret },
    );

    // Every call up before the agent starts: its start-up listing finds them all.
    const t0 = performance.now();
    for (let i = 0; i < calls; i += PLACE_CONCURRENCY) {
      const n = Math.min(PLACE_CONCURRENCY, calls - i);
      await Promise.all(Array.from({ length: n }, (_, j) => sim.placeCall(callSpec(bed, i + j))));
    }
    const placedS = (performance.now() - t0) / 1000;
    ctx.log(`  ${calls} calls placed in ${placedS.toFixed(1)} s (half IPv4, half IPv6), agent not running`);

    const t1 = performance.now();
    agent = await startAgent(cfg);
    const first = agent;
    await until('every call offloaded', () => first.engine.offloadedCount() === calls, 1_800_000);
    const coldS = (performance.now() - t1) / 1000;
    const expected = first.engine.reconciler.installedCount;
    const onSwitch = await switchFlowCount(bed, cfg);
    if (onSwitch !== expected) throw new Error(`switch holds ${onSwitch} flows, agent ${expected}`);
    ctx.log(
      `  agent start → ${calls} offloaded: ${coldS.toFixed(1)} s; ${onSwitch} flows; AMI ${amiStats(first).requests} requests`,
    );

    await first.engine.idle();
    gc?.();
    const mem = process.memoryUsage();
    // `RTPO_BENCH_HEAP_SNAPSHOT=<file>`: where the heap goes, for a profile of the agent.
    const snapshot = process.env.RTPO_BENCH_HEAP_SNAPSHOT;
    if (snapshot) ctx.log(`  heap snapshot: ${writeHeapSnapshot(snapshot)}`);
    ctx.log(
      `  beside the heap: heap total ${mb(mem.heapTotal)} MB, external ${mb(mem.external)} MB ` +
        `(array buffers ${mb(mem.arrayBuffers)} MB)`,
    );
    ctx.log(
      `  agent RSS ${mb(mem.rss)} MB, heap used ${mb(mem.heapUsed)} MB (${round(mem.heapUsed / calls / 1024, 1)} kB per call) (target RSS ≤ ${TARGETS.rss_mb} MB)`,
    );

    const lists: number[] = [];
    let rows = 0;
    for (let r = 0; r < 3; r++) {
      const l = await timeList(socket);
      lists.push(l.seconds);
      rows = l.rows;
    }
    const listS = Math.min(...lists);
    // Where a listing's time goes, in this process: the counter audit, the status, the JSON.
    const tA = performance.now();
    await first.engine.audit();
    const tB = performance.now();
    const all = first.engine.status();
    const tC = performance.now();
    const text = JSON.stringify(all, null, 2);
    const tD = performance.now();
    ctx.log(
      `  list breakdown: audit ${(tB - tA).toFixed(0)} ms, status ${(tC - tB).toFixed(0)} ms, ` +
        `JSON ${(tD - tC).toFixed(0)} ms (${(text.length / 1e6).toFixed(1)} MB)`,
    );
    ctx.log(
      `  rtp-offload list --json: ${lists.map((s) => s.toFixed(2)).join(' / ')} s, ${rows} rows (target ≤ ${TARGETS.list_s} s)`,
    );

    const template = first.engine.reconciler.desiredOf(first.engine.status()[0]!.bridgeId);
    const installs = await installLatency(first, template);
    const installP99 = round(percentile(installs, 99)!, 2);
    ctx.log(
      `  one call's ${template.length} flows with ${onSwitch} present: p50 ${round(percentile(installs, 50)!, 2)} ms, p99 ${installP99} ms`,
    );

    // Agent restart: every flow left in place, adopted by the new agent.
    await first.stop();
    agent = null;
    const t2 = performance.now();
    agent = await startAgent(cfg);
    const second = agent;
    await until(
      'every call offloaded after the restart',
      () => second.engine.offloadedCount() === calls,
      600_000,
    );
    const reconcileS = (performance.now() - t2) / 1000;
    await second.engine.idle();
    const churned = second.engine.counters.flowAdds + second.engine.counters.flowDeletes;
    ctx.log(
      `  agent restart → ${calls} offloaded: ${reconcileS.toFixed(2)} s, ${churned} flows deleted or re-added (target ≤ ${TARGETS.reconcile_s} s, 0)`,
    );

    const t3 = performance.now();
    await bed.restartVswitchd();
    // Polled one dump at a time: ovs-ofctl processes piling up would slow the switch down.
    for (;;) {
      const back = await switchFlowCount(bed, cfg).catch(() => -1);
      if (back === expected && second.engine.offloadedCount() === calls) break;
      if (performance.now() - t3 > 600_000)
        throw new Error(`only ${back} of ${expected} flows back after 600 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const switchRestartS = (performance.now() - t3) / 1000;
    ctx.log(
      `  vswitchd restart → ${expected} flows back: ${switchRestartS.toFixed(2)} s (target ≤ ${TARGETS.switch_restart_s} s)`,
    );
    const loadAfter = load1();
    ctx.log(`  host load ${loadBefore} → ${loadAfter} on 2 shared cores`);
    return {
      'scale.calls': calls,
      'scale.flows': onSwitch,
      'scale.cold_start_s': round(coldS, 2),
      'scale.rss_mb': mb(mem.rss),
      'scale.heap_used_mb': mb(mem.heapUsed),
      'scale.heap_total_mb': mb(mem.heapTotal),
      'scale.external_mb': mb(mem.external),
      'scale.heap_per_call_kb': round(mem.heapUsed / calls / 1024, 1),
      'scale.list_s': round(listS),
      'scale.list_rows': rows,
      'scale.install_ms_p99': installP99,
      'scale.reconcile_s': round(reconcileS, 2),
      'scale.flows_churned': churned,
      'scale.switch_restart_s': round(switchRestartS, 2),
      'scale.host_load_1m': loadAfter,
    };
  } finally {
    await agent?.stop().catch(() => undefined);
    await pbx?.stop().catch(() => undefined);
    await bed.destroy();
    rmSync(controlDir, { recursive: true, force: true });
  }
}

export const scaleSection: BenchSection = { name: 'scale', run };
