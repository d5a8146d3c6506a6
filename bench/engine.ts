/**
 * The real agent (in this process) against the simulated PBX in its own process (as Asterisk
 * is in production) over real AMI, and Open vSwitch over real OpenFlow, on synthetic calls:
 * signalling and flows, no media.
 *
 * - latency from the second BridgeEnter to the engine's `offloaded` event (fired after the
 *   switch answered the barrier behind the FLOW_MODs), p50/p99 over every call of a ramp at
 *   200 calls/s, and over its last 1,000 (4,000–5,000 calls up in a full run); the same over
 *   a short ramp at a low rate first, as the unloaded baseline of the same run. The PBX
 *   process stamps the BridgeEnter with the machine's wall clock and reports it over IPC;
 *   this process stamps `offloaded` with the same clock (`wallClockMs`);
 * - AMI requests per offloaded call (and the Getvar / BridgeInfo / BridgeList among them);
 * - memory with every call up: this process (the agent), its heap per call, the PBX process
 *   and ovs-vswitchd; CPU of each from /proc, and the host's load, which moves every latency.
 *
 * Media would need 5,000 calls of real RTP, more than 2 cores relay. Without media nothing
 * confirms a remote address, so the agent trusts Asterisk's (`trustRemoteAddress`), and the
 * next hops are permanent neighbour entries. The PBX process runs in the root namespace with
 * AMI and its RTP sockets on loopback (engine-pbx.ts), while AMI reports the testbed PBX
 * address, which is what the flows match.
 */

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Agent } from '../src/agent.js';
import { AmiSource, type AmiSourceStats } from '../src/asterisk/index.js';
import { parseConfig, type Config } from '../src/config.js';
import { PbxProcess, type CallView, type PlaceCallSpec } from '../src/lab/pbx/index.js';
import { Testbed, run as runCommand } from '../src/lab/testbed/index.js';
import { createLogger } from '../src/log.js';
import { TAG_MASK, tagCookie } from '../src/plan/cookie.js';
import type { BenchContext, BenchSection } from './section.js';
import { percentile } from './percentile.js';
import { FILES_ENV, isSecondEnterNotice, wallClockMs } from './pbx-notice.js';
import { cpuSeconds, rssMb } from './process-stats.js';
import { massHangup } from './hangups.js';
import { pacerOf } from './pacer.js';

const RATE_CPS = 200;
const FULL_CALLS = 5000;
const QUICK_CALLS = 500;
const LAST = 1000;
/** The unloaded baseline: few enough calls per second that nothing queues. */
const BASELINE_RATE_CPS = 10;
const BASELINE_CALLS = { full: 100, quick: 30 };
const WARMUP_CALLS = 20;
const TARGET_P99_MS = 100;
/** Calls hung up at once with every other call still up (issue 12 c). */
const MASS_HANGUP = 100;
const TARGET_HANGUP_P99_MS = 50;
const HANGUPS_ALONE = 10;
const FAR_HOSTS = 16;
/** Far above the default 500/s: 200 calls/s of ~10 requests each must not be held back. */
const AMI_REQUESTS_PER_SECOND = 10_000;
const AMI_CONCURRENCY = 64;
/** No media ever matches the flows: the default idle timeout would expire them mid-run. */
const IDLE_TIMEOUT_S = 3600;
/**
 * Below the kernel's ephemeral range (32768+), so 10,000 sockets do not starve the outgoing
 * connections of everything else on the host; 11,000 even RTP ports. Starts even, so RTP
 * ports are even and RTCP ports odd.
 */
const RTP_PORTS: [number, number] = [10_000, 32_000];
/** The simulated PBX would otherwise send RTCP (and raise RTCPSent) for every leg every 5 s. */
const RTCP_INTERVAL_MS = 24 * 3600 * 1000;
/** PBX process sockets per call (RTP of both legs; see engine-pbx.ts), plus room for the rest. */
const FILES_PER_CALL = 2;
const FILES_SPARE = 4096;
const SECRET_ENV = 'RTPO_BENCH_AMI_SECRET';

type Figures = Record<string, number | string | boolean | null>;

const ms = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);
const mb = (bytes: number): number => Math.round(bytes / 1024 / 102.4) / 10;
const load1 = (): number => Math.round(loadavg()[0]! * 100) / 100;

/** Call i: two far hosts, ports distinct per host, so every flow match is distinct. */
function callSpec(bed: Testbed, i: number): PlaceCallSpec {
  const far = bed.far.ipv4;
  const k = Math.floor(i / far.length);
  return {
    caller: { endpoint: 'alice', remote: { address: far[i % far.length]!, port: 20_000 + 4 * k } },
    callee: { endpoint: 'bob', remote: { address: far[(i + 1) % far.length]!, port: 20_002 + 4 * k } },
  };
}

/** `global.gc` without restarting node with --expose-gc, for before/after heap figures. */
export function collector(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

export async function until(what: string, pred: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!pred()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export async function switchFlowCount(bed: Testbed, cfg: Config): Promise<number> {
  const cookie = `cookie=0x${tagCookie(cfg.switch.cookieTag).toString(16)}/0x${TAG_MASK.toString(16)}`;
  const out = await bed.ofctl('dump-aggregate', cookie);
  const m = /flow_count=(\d+)/.exec(out);
  if (!m) throw new Error(`unexpected dump-aggregate output: ${out.trim()}`);
  return Number(m[1]);
}

export function amiStats(agent: Agent): AmiSourceStats {
  if (!(agent.source instanceof AmiSource)) throw new Error('the agent does not read Asterisk over AMI');
  return agent.source.stats();
}

/** Why calls did not end up offloaded, for the error message. */
function stateSummary(agent: Agent, ids: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const id of ids) {
    const s = agent.engine.statusOf(id);
    const key = s ? `${s.state}${s.reason ? ` (${s.reason})` : ''}` : 'unknown';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, v]) => `${v} ${k}`).join(', ');
}

/**
 * When each bridge got its second member at the PBX, reached the agent, and was offloaded,
 * all in wall-clock milliseconds (`wallClockMs`) of the process that saw it; and when the
 * PBX's report of the second member arrived here, as a check that the two clocks agree.
 */
class Stamps {
  readonly secondEnter = new Map<string, number>();
  readonly noticeArrived = new Map<string, number>();
  readonly seenByAgent = new Map<string, number>();
  readonly offloaded = new Map<string, number>();

  notice(m: Record<string, unknown>): void {
    if (!isSecondEnterNotice(m)) return;
    this.secondEnter.set(m.secondBridgeEnter, m.at);
    this.noticeArrived.set(m.secondBridgeEnter, wallClockMs());
  }

  /**
   * Milliseconds from the second BridgeEnter to `offloaded`, to the agent's event, and to the
   * PBX's notice arriving here over IPC.
   */
  latencies(ids: readonly string[]): { total: number[]; delivery: number[]; ipc: number[] } {
    const total: number[] = [];
    const delivery: number[] = [];
    const ipc: number[] = [];
    for (const id of ids) {
      const entered = this.secondEnter.get(id)!;
      total.push(this.offloaded.get(id)! - entered);
      delivery.push((this.seenByAgent.get(id) ?? entered) - entered);
      ipc.push(this.noticeArrived.get(id)! - entered);
    }
    return { total, delivery, ipc };
  }
}

function startAgent(cfg: Config, stamps: Stamps): Promise<Agent> {
  return Agent.start(cfg, { logger: createLogger('error'), control: false }).then((a) => {
    // Registered after the engine's own listener: the engine has taken the event by then.
    a.source.onEvent((e) => {
      if (e.kind === 'channel-entered' && e.memberCount === 2 && !stamps.seenByAgent.has(e.bridgeId)) {
        stamps.seenByAgent.set(e.bridgeId, wallClockMs());
      }
    });
    // Beside the agent's own listener, which raises its UserEvent (counted per call).
    a.engine.on('offloaded', (bridgeId) => {
      if (!stamps.offloaded.has(bridgeId)) stamps.offloaded.set(bridgeId, wallClockMs());
    });
    return a;
  });
}

/**
 * Places `count` calls on a fixed schedule, not one after the other, so a slow agent shows up
 * as latency rather than as a lower setup rate. Resolves with the bridge ids in order once
 * every call is offloaded and its second BridgeEnter has been reported.
 */
async function ramp(
  bed: Testbed,
  pbx: PbxProcess,
  agent: Agent,
  stamps: Stamps,
  o: { first: number; count: number; rate: number; tick?: () => void },
): Promise<{ ids: string[]; calls: CallView[]; placedSeconds: number; settledSeconds: number }> {
  const ids = new Array<string>(o.count);
  const calls = new Array<CallView>(o.count);
  const placing: Promise<void>[] = [];
  const t0 = performance.now();
  let next = 0;
  while (next < o.count) {
    const due = Math.min(o.count, Math.floor(((performance.now() - t0) * o.rate) / 1000) + 1);
    for (; next < due; next++) {
      const i = next;
      placing.push(
        pbx.placeCall(callSpec(bed, o.first + i)).then((c) => {
          ids[i] = c.bridgeId;
          calls[i] = c;
        }),
      );
    }
    o.tick?.();
    await sleep(1);
  }
  await Promise.all(placing);
  const placedSeconds = (performance.now() - t0) / 1000;
  const timeoutMs = 30_000 + (2 * o.count * 1000) / o.rate;
  await until('calls offloaded', () => ids.every((id) => stamps.offloaded.has(id)), timeoutMs).catch(
    (err: Error) => {
      throw new Error(`${err.message}: ${stateSummary(agent, ids)}`);
    },
  );
  // The reply to placeCall left the PBX after its notices, on the same channel, so they are in.
  const unreported = ids.filter((id) => !stamps.secondEnter.has(id));
  if (unreported.length > 0) throw new Error(`${unreported.length} bridges without a reported BridgeEnter`);
  return { ids, calls, placedSeconds, settledSeconds: (performance.now() - t0) / 1000 };
}

async function hangUp(agent: Agent, pbx: PbxProcess, calls: readonly CallView[]): Promise<void> {
  await Promise.all(calls.map((c) => pbx.hangup(c.id)));
  await until(
    'flows of hung-up calls removed',
    () => agent.engine.reconciler.installedCount === 0 && agent.engine.offloadedCount() === 0,
    30_000,
  );
  await agent.engine.idle();
  await until(
    'AMI queue drained',
    () => {
      const q = amiStats(agent).queue;
      return q.waiting + q.running === 0;
    },
    10_000,
  );
}

function summary(xs: readonly number[]): string {
  return `p50 ${ms(percentile(xs, 50))} ms, p99 ${ms(percentile(xs, 99))} ms`;
}

async function run(ctx: BenchContext): Promise<Figures> {
  const calls = ctx.quick ? QUICK_CALLS : FULL_CALLS;
  const baselineCalls = ctx.quick ? BASELINE_CALLS.quick : BASELINE_CALLS.full;
  const pbxFiles = (calls + WARMUP_CALLS + baselineCalls) * FILES_PER_CALL + FILES_SPARE;
  const gc = collector();
  const rssBefore = process.memoryUsage().rss;
  const loadBefore = load1();

  const bed = await Testbed.create({ farHosts: FAR_HOSTS });
  const controlDir = mkdtempSync(join(tmpdir(), 'rtpo-bench-engine-'));
  let pbx: PbxProcess | null = null;
  let agent: Agent | null = null;
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  try {
    // Without media the kernel would never learn the far MACs; the agent must not guess them.
    for (const address of bed.far.ipv4) {
      await runCommand('ip', [
        '-n',
        bed.pbxNs,
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
    const secret = randomBytes(12).toString('hex');
    const stamps = new Stamps();
    // The child inherits this environment; its socket count is its own to raise.
    process.env[FILES_ENV] = String(pbxFiles);
    const sim = await PbxProcess.spawn(
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
        rtcpIntervalMs: RTCP_INTERVAL_MS,
        endpoints: { alice: { tosAudio: 'ef' }, bob: { tosAudio: 'ef' } },
      },
      // Root namespace: AMI and RTP on loopback (see the top of this file).
      { entry: fileURLToPath(new URL('./engine-pbx.js', import.meta.url)) },
    ).finally(() => delete process.env[FILES_ENV]);
    pbx = sim;
    sim.onNotice((m) => stamps.notice(m));
    const ami = sim.ami;
    const cfg = parseConfig(
      {
        asterisk: {
          ami: {
            host: ami.host,
            port: ami.port,
            username: 'offload',
            secretEnv: SECRET_ENV,
            requestsPerSecond: AMI_REQUESTS_PER_SECOND,
            requestConcurrency: AMI_CONCURRENCY,
          },
        },
        switch: {
          target: bed.mgmtTarget,
          uplinkPort: bed.uplink.name,
          bridgeInterface: bed.pbx.iface,
          idleTimeout: IDLE_TIMEOUT_S,
          ...(process.env.RTPO_BENCH_PACING ? { pacing: JSON.parse(process.env.RTPO_BENCH_PACING) as object } : {}),
        },
        policy: { minBridgeAgeMs: 0, assumeSamePayloadTypes: true, trustRemoteAddress: true },
        control: { socket: join(controlDir, 'control.sock') },
        netns: bed.pbxNs,
        logLevel: 'warn',
      },
      { [SECRET_ENV]: secret },
    );
    const a = await startAgent(cfg, stamps);
    agent = a;

    const measured = await (async () => {
      // The agent resyncs with BridgeList + CoreShowChannels after connecting and replaces its
      // model with that listing when both replies are in: a bridge created in between would be
      // dropped from the model (and stay with Asterisk), so nothing is placed before that.
      await until(
        'start-up resync',
        () => {
          const st = amiStats(a);
          return st.requests >= 3 && st.queue.waiting + st.queue.running === 0;
        },
        10_000,
      );
      await sleep(100);
      // Warm-up: the switch handshake and port facts, the endpoint cache, the next hops and
      // the JIT, on calls hung up again before anything is measured.
      let first = 0;
      const warm = await ramp(bed, sim, a, stamps, {
        first,
        count: WARMUP_CALLS,
        rate: BASELINE_RATE_CPS * 2,
      });
      first += WARMUP_CALLS;
      await hangUp(a, sim, warm.calls);
      const base = await ramp(bed, sim, a, stamps, { first, count: baselineCalls, rate: BASELINE_RATE_CPS });
      first += baselineCalls;
      await hangUp(a, sim, base.calls);
      const baseline = stamps.latencies(base.ids).total;

      gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      const amiBefore = amiStats(a);
      const evaluationsBefore = a.engine.counters.evaluations;
      const vswitchdPid = bed.vswitchdPid();
      const cpuBefore = process.cpuUsage();
      const pbxCpuBefore = sim.cpu().cpuMs;
      const vswitchdCpuBefore = vswitchdPid === null ? null : cpuSeconds(vswitchdPid);
      let maxQueue = 0;
      loopDelay.enable();
      const main = await ramp(bed, sim, a, stamps, {
        first,
        count: calls,
        rate: RATE_CPS,
        tick: () => {
          maxQueue = Math.max(maxQueue, amiStats(a).queue.waiting);
        },
      });
      loopDelay.disable();
      const cpu = process.cpuUsage(cpuBefore);
      const pbxCpuMs = sim.cpu().cpuMs - pbxCpuBefore;
      const vswitchdCpuAfter = vswitchdPid === null ? null : cpuSeconds(vswitchdPid);
      const amiAfter = amiStats(a);
      const { total, delivery, ipc } = stamps.latencies(main.ids);
      const entered = main.ids.map((id) => stamps.secondEnter.get(id)!);
      const setupRate = (calls - 1) / ((Math.max(...entered) - Math.min(...entered)) / 1000);

      // The switch holds exactly the flows the agent wants for these calls.
      const expectedFlows = main.ids.reduce((n, id) => n + a.engine.reconciler.desiredOf(id).length, 0);
      const onSwitch = await switchFlowCount(bed, cfg);
      const agentFlows = a.status().switch.installedFlows;
      if (onSwitch !== expectedFlows || agentFlows !== expectedFlows) {
        throw new Error(`switch holds ${onSwitch} flows, agent ${agentFlows}, expected ${expectedFlows}`);
      }
      const pacingBefore = pacerOf(a).stats();
      // The same-run baseline: one call hung up alone, a few times, with the rest still up.
      const alone: number[] = [];
      for (const c of main.calls.slice(MASS_HANGUP, MASS_HANGUP + HANGUPS_ALONE)) {
        alone.push(...(await massHangup(a, sim, [c], 10_000)).latencies);
        await sleep(50);
      }
      const hangups = await massHangup(a, sim, main.calls.slice(0, MASS_HANGUP), 30_000);
      const pacingAfter = pacerOf(a).stats();
      gc?.();
      return {
        hangups: hangups.latencies,
        hangupAlone: alone,
        hangupSpread: hangups.eventSpreadMs,
        hangupBatches: pacingAfter.batches - pacingBefore.batches,
        baseline,
        total,
        delivery,
        ipc,
        setupRate,
        placedSeconds: main.placedSeconds,
        settledSeconds: main.settledSeconds,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        pbxCpuSeconds: pbxCpuMs / 1000,
        vswitchdCpuSeconds:
          vswitchdCpuBefore !== null && vswitchdCpuAfter !== null
            ? vswitchdCpuAfter - vswitchdCpuBefore
            : null,
        requests: amiAfter.requests - amiBefore.requests,
        getvars: amiAfter.getvarRequests - amiBefore.getvarRequests,
        bridgeInfo: amiAfter.technology.bridgeInfoRequests - amiBefore.technology.bridgeInfoRequests,
        bridgeList: amiAfter.technology.bridgeListRequests - amiBefore.technology.bridgeListRequests,
        evaluations: a.engine.counters.evaluations - evaluationsBefore,
        maxQueue,
        flows: { onSwitch, agentFlows, expectedFlows },
        mem: process.memoryUsage(),
        heapBefore,
        pbxRss: rssMb(sim.pid),
        vswitchdRss: vswitchdPid === null ? null : rssMb(vswitchdPid),
      };
    })();
    const loadAfter = load1();

    const m = measured;
    const perCall = (x: number): number => Math.round((x / calls) * 100) / 100;
    const last = m.total.slice(-LAST);
    const lastFrom = Math.max(0, calls - last.length);
    const p50 = ms(percentile(m.total, 50));
    const p99 = ms(percentile(m.total, 99));
    const cpuPct = Math.round((m.cpuSeconds / m.settledSeconds) * 100);
    const pbxCpuPct = Math.round((m.pbxCpuSeconds / m.settledSeconds) * 100);
    const vswitchdCpuPct =
      m.vswitchdCpuSeconds === null ? null : Math.round((m.vswitchdCpuSeconds / m.settledSeconds) * 100);
    const loopP99 = ms(loopDelay.percentile(99) / 1e6);
    // Heap after a collection with every call up, against the same before the ramp.
    const heapPerCall = gc ? Math.round(((m.mem.heapUsed - m.heapBefore) / calls / 1024) * 10) / 10 : null;
    const other = m.requests - m.getvars - m.bridgeInfo - m.bridgeList;

    ctx.log(
      `  ${calls} synthetic calls (no media) placed at ${RATE_CPS} calls/s, measured ${m.setupRate.toFixed(1)} calls/s ` +
        `over ${m.placedSeconds.toFixed(1)} s, all offloaded ${m.settledSeconds.toFixed(1)} s after the first`,
    );
    ctx.log(
      `  agent: minBridgeAgeMs 0, trustRemoteAddress, assumeSamePayloadTypes, AMI ${AMI_REQUESTS_PER_SECOND} requests/s ` +
        `x ${AMI_CONCURRENCY} in flight, idle timeout ${IDLE_TIMEOUT_S} s, OVS userspace (netdev) datapath`,
    );
    ctx.log(`  BridgeEnter→offloaded p50   : ${p50} ms`);
    ctx.log(`  BridgeEnter→offloaded p99   : ${p99} ms  (target ≤ ${TARGET_P99_MS} ms)`);
    ctx.log(`  calls ${lastFrom + 1}–${calls} (${lastFrom}–${calls} up): ${summary(last)}`);
    ctx.log(`  of which BridgeEnter→agent event: ${summary(m.delivery)}`);
    ctx.log(
      `  timestamps: BridgeEnter stamped by the PBX process, offloaded by the agent, both wall clock ` +
        `(timeOrigin + now); PBX notice→here over IPC min ${ms(Math.min(...m.ipc))} ms, ${summary(m.ipc)}`,
    );
    ctx.log(`  baseline, ${baselineCalls} calls at ${BASELINE_RATE_CPS} calls/s: ${summary(m.baseline)}`);
    ctx.log(
      `  AMI requests per call       : ${perCall(m.requests)} (Getvar ${perCall(m.getvars)}, BridgeInfo ` +
        `${perCall(m.bridgeInfo)}, BridgeList ${perCall(m.bridgeList)}, other ${perCall(other)})`,
    );
    ctx.log(
      `  evaluations per call ${perCall(m.evaluations)}, AMI queue waiting max ${m.maxQueue}, ` +
        `event loop delay p99 ${loopP99} ms (agent process; the simulated PBX runs in its own)`,
    );
    ctx.log(
      `  CPU (/proc, % of a core)    : agent ${cpuPct}%, ${perCall(m.cpuSeconds * 1000)} ms per call (with ` +
        `the bench's IPC to the PBX); simulated PBX ${pbxCpuPct}%, ${perCall(m.pbxCpuSeconds * 1000)} ms per call; ` +
        `ovs-vswitchd ${vswitchdCpuPct ?? 'n/a'}%; host load ${loadBefore} → ${loadAfter} on 2 shared cores`,
    );
    ctx.log(
      `  ${MASS_HANGUP} hangups at once (${calls} up): Hangup event→flows removed ${summary(m.hangups)} ` +
        `(target p99 ≤ ${TARGET_HANGUP_P99_MS} ms), in ${m.hangupBatches} flow-mod batches; ` +
        `first to last Hangup event at the agent ${ms(m.hangupSpread)} ms; one call alone (baseline, ` +
        `${HANGUPS_ALONE} times): ${summary(m.hangupAlone)}`,
    );
    ctx.log(
      `  flows on the switch         : ${m.flows.onSwitch} (agent ${m.flows.agentFlows}, expected ${m.flows.expectedFlows})`,
    );
    ctx.log(
      `  memory, ${calls} calls up     : agent RSS ${mb(m.mem.rss)} MB (${mb(rssBefore)} MB before), heap used ` +
        `${mb(m.mem.heapUsed)} MB${heapPerCall === null ? '' : ` (${heapPerCall} kB per call)`}; simulated PBX RSS ` +
        `${m.pbxRss === null ? 'n/a' : m.pbxRss.toFixed(1)} MB; ovs-vswitchd RSS ` +
        `${m.vswitchdRss === null ? 'n/a' : m.vswitchdRss.toFixed(1)} MB`,
    );
    return {
      'engine.calls': calls,
      'engine.setup_rate_cps': Math.round(m.setupRate * 10) / 10,
      'engine.bridge_to_offload_ms_p50': p50,
      'engine.bridge_to_offload_ms_p99': p99,
      'engine.target_p99_ms': TARGET_P99_MS,
      'engine.p50_last_1000_ms': ms(percentile(last, 50)),
      'engine.p99_last_1000_ms': ms(percentile(last, 99)),
      'engine.ami_delivery_ms_p99': ms(percentile(m.delivery, 99)),
      'engine.bridge_enter_clock': 'pbx-process wall clock over IPC',
      'engine.pbx_notice_ipc_ms_min': ms(Math.min(...m.ipc)),
      'engine.pbx_notice_ipc_ms_p50': ms(percentile(m.ipc, 50)),
      'engine.baseline_rate_cps': BASELINE_RATE_CPS,
      'engine.baseline_ms_p50': ms(percentile(m.baseline, 50)),
      'engine.baseline_ms_p99': ms(percentile(m.baseline, 99)),
      'engine.ami_requests_per_call': perCall(m.requests),
      'engine.getvar_per_call': perCall(m.getvars),
      'engine.bridgeinfo_per_call': perCall(m.bridgeInfo),
      'engine.evaluations_per_call': perCall(m.evaluations),
      'engine.ami_queue_waiting_max': m.maxQueue,
      'engine.ami_requests_per_s_config': AMI_REQUESTS_PER_SECOND,
      'engine.ami_concurrency_config': AMI_CONCURRENCY,
      'engine.event_loop_delay_ms_p99': loopP99,
      'engine.agent_cpu_ms_per_call': perCall(m.cpuSeconds * 1000),
      'engine.agent_cpu_pct': cpuPct,
      'engine.pbx_cpu_ms_per_call': perCall(m.pbxCpuSeconds * 1000),
      'engine.pbx_cpu_pct': pbxCpuPct,
      'engine.vswitchd_cpu_pct': vswitchdCpuPct,
      'engine.host_load_1m': loadAfter,
      'engine.flows': m.flows.onSwitch,
      'engine.hangup_to_removed_ms_p50': ms(percentile(m.hangups, 50)),
      'engine.hangup_to_removed_ms_p99': ms(percentile(m.hangups, 99)),
      'engine.hangup_batches': m.hangupBatches,
      'engine.hangup_alone_ms_p50': ms(percentile(m.hangupAlone, 50)),
      'engine.hangup_alone_ms_max': ms(Math.max(...m.hangupAlone)),
      'engine.hangup_event_spread_ms': ms(m.hangupSpread),
      'engine.agent_rss_mb': mb(m.mem.rss),
      'engine.agent_heap_used_mb': mb(m.mem.heapUsed),
      'engine.agent_heap_per_call_kb': heapPerCall,
      'engine.pbx_rss_mb': m.pbxRss === null ? null : Math.round(m.pbxRss * 10) / 10,
      'engine.vswitchd_rss_mb': m.vswitchdRss === null ? null : Math.round(m.vswitchdRss * 10) / 10,
    };
  } finally {
    loopDelay.disable();
    await agent?.stop().catch(() => undefined);
    await pbx?.stop().catch(() => undefined);
    await bed.destroy();
    rmSync(controlDir, { recursive: true, force: true });
  }
}

export const engineSection: BenchSection = { name: 'engine', run };
