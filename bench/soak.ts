import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OffloadLab, type LabCall } from '../src/lab/offload-lab.js';
import type { RtpEndpoint } from '../src/lab/callgen/index.js';
import { rssMb } from './process-stats.js';

// `npm run soak -- --minutes M [--json]`: the lab under call churn (calls, holds, recordings,
// blind transfers, hangups) with three injected faults: ovs-vswitchd restarted, the AMI
// connection cut for 5 s, the agent (its own process) restarted with SIGTERM. Prints
// { calls, orphan_flows, rss_growth_pct, packets_lost, lost_outside_faults, crashes }.
//
// Loss accounting. Every 500 ms each live call's sequence-gap count (both phones) is read;
// an increase is "excused" when it falls in a fault window (from the fault until 10 s after
// it ended) or in a call's own feature window (hold to 3 s after unhold, recording start to
// 3 s after stop, transfer to 3 s after): a held or recorded phone's stream is not relayed by
// Asterisk either, so the gap it leaves is the PBX's behaviour, not a lost packet. Every
// other increase counts in `lost_outside_faults`.

const args = process.argv.slice(2);
const json = args.includes('--json');
const minutesArg = args[args.indexOf('--minutes') + 1];
const minutes = args.includes('--minutes') ? Number(minutesArg) : 3;
if (!Number.isFinite(minutes) || minutes < 1) {
  process.stderr.write('usage: npm run soak -- --minutes M (M >= 1) [--json]\n');
  process.exit(2);
}
const log = (line: string): void => void (json ? process.stderr : process.stdout).write(line + '\n');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ENTRY = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const CONCURRENT = 8;
const FAULT_TAIL_MS = 10_000;
const FEATURE_TAIL_MS = 3_000;
const COOKIE = 'cookie=0x5250000000000000/0xffff000000000000';

interface Live {
  readonly call: LabCall['call'];
  readonly phones: RtpEndpoint[];
  readonly endsAt: number;
  /** Until when an increase of this call's loss is the PBX's own doing (hold, recording). */
  excusedUntil: number;
  lastLost: number;
  busy: boolean;
}

class AgentProcess {
  child: ChildProcess | null = null;
  crashes = 0;
  private expectedExit = false;

  constructor(
    private readonly cfgFile: string,
    private readonly env: Record<string, string>,
  ) {}

  start(): void {
    this.expectedExit = false;
    const child = spawn(process.execPath, [ENTRY, 'run', '--config', this.cfgFile], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n'))
        if (line.includes('"level":"error"')) log(`agent: ${line}`);
    });
    child.on('exit', (code, signal) => {
      if (this.expectedExit || this.child !== child) return;
      this.crashes++;
      log(`agent exited unexpectedly (code ${code}, signal ${signal}); starting it again`);
      this.start();
    });
    this.child = child;
  }

  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    this.expectedExit = true;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }
}

async function ourFlowCount(lab: OffloadLab): Promise<number> {
  return (await lab.bed.ofctl('dump-flows', COOKIE)).split('\n').filter((l) => l.includes('cookie=')).length;
}

async function main(): Promise<void> {
  const runMs = minutes * 60_000;
  const lab = await OffloadLab.create({
    startAgent: false,
    amiProxy: true,
    farHosts: 64,
    endpoints: { alice: { tosAudio: 'ef' }, bob: { tosAudio: 'ef' }, carol: { tosAudio: 'ef' } },
    agent: { asterisk: { relistIntervalMs: 5000 } },
  });
  const dir = mkdtempSync(join(tmpdir(), 'rtpo-soak-'));
  const cfgFile = join(dir, 'agent.json');
  writeFileSync(cfgFile, JSON.stringify(lab.rawConfig));
  const agent = new AgentProcess(cfgFile, lab.secretEnv);
  const live = new Set<Live>();
  const faults: { name: string; from: number; to: number }[] = [];
  let calls = 0;
  let lostTotal = 0;
  let lostOutside = 0;
  let excused = 0;
  const excusedBy = new Map<string, number>();
  let rssAtMinute2: number | null = null;
  let rssEnd: number | null = null;
  let pbxFailures = 0;
  const t0 = Date.now();

  const place = async (): Promise<void> => {
    const c = await lab.placeCall();
    calls++;
    live.add({
      call: c.call,
      phones: [c.a, c.b],
      endsAt: Date.now() + 15_000 + Math.random() * 25_000,
      excusedUntil: 0,
      lastLost: 0,
      busy: false,
    });
  };

  const end = (l: Live): void => {
    live.delete(l);
    try {
      l.call.hangup();
    } catch {
      // already gone (transferred away)
    }
    for (const p of l.phones) p.close();
  };

  /** One feature on one call, ending before the call does. */
  const feature = async (l: Live): Promise<void> => {
    l.busy = true;
    const roll = Math.random();
    const leg = Math.random() < 0.5 ? 'caller' : 'callee';
    const hold = 2000 + Math.random() * 3000;
    try {
      if (roll < 0.4) {
        l.excusedUntil = Infinity;
        l.call.hold(leg);
        await sleep(hold);
        l.call.unhold(leg);
      } else if (roll < 0.75) {
        l.excusedUntil = Infinity;
        l.call.startMixMonitor(leg);
        await sleep(hold);
        l.call.stopMixMonitor(leg);
      } else {
        // The caller sends the callee to carol: a new call between the callee's phone and carol's.
        l.excusedUntil = Infinity;
        const carol = await lab.newPhone();
        const nc = await l.call.blindTransfer('caller', {
          endpoint: 'carol',
          remote: { address: carol.address, port: carol.port },
        });
        const phone = carol.attach({ address: nc.callee.localAddress, port: nc.callee.localRtpPort });
        l.phones[0]!.setSending(false);
        live.delete(l);
        l.phones[0]!.close();
        calls++;
        live.add({
          call: nc,
          phones: [l.phones[1]!, phone],
          endsAt: Date.now() + 10_000 + Math.random() * 15_000,
          excusedUntil: Date.now() + FEATURE_TAIL_MS + 2000,
          lastLost: l.phones[1]!.stats().lost + phone.stats().lost,
          busy: false,
        });
      }
    } catch (err) {
      pbxFailures++;
      log(`call feature failed: ${(err as Error).message}`);
    }
    l.excusedUntil = Date.now() + FEATURE_TAIL_MS;
    l.busy = false;
  };

  const sampleLoss = (): void => {
    const now = Date.now();
    for (const l of live) {
      const lost = l.phones.reduce((s, p) => s + p.stats().lost, 0);
      const d = lost - l.lastLost;
      l.lastLost = lost;
      if (d <= 0) continue;
      lostTotal += d;
      const f = faults.find((x) => now >= x.from && now <= x.to + FAULT_TAIL_MS);
      const why = f ? f.name : now <= l.excusedUntil ? 'hold/recording/transfer' : null;
      if (why === null) lostOutside += d;
      else {
        excused += d;
        excusedBy.set(why, (excusedBy.get(why) ?? 0) + d);
      }
    }
  };

  const fault = async (name: string, run: () => Promise<void>): Promise<void> => {
    const f = { name, from: Date.now(), to: Infinity };
    faults.push(f);
    log(`fault: ${name} at ${((f.from - t0) / 1000).toFixed(0)} s`);
    await run();
    f.to = Date.now();
  };
  // Agent restart before minute 2 (the RSS baseline), the other two after it.
  const schedule = [
    { at: Math.min(90_000, runMs * 0.3), name: 'agent restart', run: () => agent.restart() },
    { at: runMs * 0.45, name: 'ovs-vswitchd restart', run: () => lab.bed.restartVswitchd() },
    {
      at: runMs * 0.7,
      name: 'AMI connection cut for 5 s',
      run: async () => {
        lab.amiProxy!.cut(5000);
        await sleep(5000);
      },
    },
  ];

  try {
    agent.start();
    lab.gen.start();
    const sampler = setInterval(sampleLoss, 500);
    while (Date.now() - t0 < runMs) {
      const t = Date.now() - t0;
      const due = schedule.filter((s) => s.at <= t);
      for (const s of due) {
        schedule.splice(schedule.indexOf(s), 1);
        void fault(s.name, s.run);
      }
      if (rssAtMinute2 === null && t >= 120_000 && agent.pid !== null) rssAtMinute2 = rssMb(agent.pid);
      for (const l of [...live]) if (!l.busy && Date.now() >= l.endsAt) end(l);
      if (live.size < CONCURRENT)
        await place().catch((err: Error) => (pbxFailures++, log(`call: ${err.message}`)));
      const idle = [...live].filter((l) => !l.busy && l.endsAt - Date.now() > 8000);
      if (idle.length > 0 && Math.random() < 0.15)
        void feature(idle[Math.floor(Math.random() * idle.length)]!);
      await sleep(500);
    }
    while (faults.some((f) => f.to === Infinity)) await sleep(200);
    if (agent.pid !== null) rssEnd = rssMb(agent.pid);
    clearInterval(sampler);
    sampleLoss();
    // Every call ends normally; the agent must leave nothing behind.
    while ([...live].some((l) => l.busy)) await sleep(200);
    for (const l of [...live]) end(l);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await ourFlowCount(lab)) > 0) await sleep(500);
    const orphans = await ourFlowCount(lab);
    const crashes = agent.crashes;
    await agent.stop();
    const result = {
      calls,
      orphan_flows: orphans,
      rss_growth_pct:
        rssAtMinute2 !== null && rssEnd !== null
          ? Number((((rssEnd - rssAtMinute2) / rssAtMinute2) * 100).toFixed(1))
          : null,
      packets_lost: lostTotal,
      lost_outside_faults: lostOutside,
      crashes,
    };
    log(
      `soak ${minutes} min: rss ${rssAtMinute2?.toFixed(1)} MB at minute 2 → ${rssEnd?.toFixed(1)} MB at the end; ` +
        `loss excused: ${excused} (${[...excusedBy].map(([k, v]) => `${k}: ${v}`).join(', ')}); PBX-side failures: ${pbxFailures}; ` +
        `faults: ${faults.map((f) => `${f.name} @${((f.from - t0) / 1000).toFixed(0)}s (${((f.to - f.from) / 1000).toFixed(1)} s)`).join(', ')}`,
    );
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exitCode =
      orphans === 0 && crashes === 0 && lostOutside === 0 && (result.rss_growth_pct ?? 0) <= 10 ? 0 : 1;
  } finally {
    await agent.stop().catch(() => undefined);
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
