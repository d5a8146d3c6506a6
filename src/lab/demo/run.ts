import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GeneratorTotals } from '../callgen/index.js';
import { OffloadLab, type LabCall } from '../offload-lab.js';
import { hostCpu, processCpuMs, type HostCpu } from './cpu.js';
import { rtpOffload } from './cli.js';

export interface DemoOptions {
  /** Two-party calls to place. @default 100 */
  readonly calls?: number;
  /** Length of each measured phase. @default 10 */
  readonly seconds?: number;
  /** Story lines as they happen. */
  readonly say?: (line: string) => void;
  /** Receives the lab as soon as it exists, so a signal handler can tear it down. */
  readonly onLab?: (lab: OffloadLab) => void;
}

/** CPU figures are percent of one core, as `top` shows them (this machine: cores × 100 %). */
export interface PhaseFigures {
  /** Wall time the figures were taken over. */
  readonly seconds: number;
  readonly offloadedCalls: number;
  /** Packets the simulated PBX relayed in userspace, both directions, all calls. */
  readonly pbxPacketsRelayedPerSec: number;
  /**
   * Time inside the PBX's relay path (receive handler to send call returning), measured
   * by the PBX itself. Excludes the receive syscall and event-loop dispatch, so it is a
   * lower bound of what relaying costs.
   */
  readonly pbxRelayPathCpuPct: number;
  /** The lab process (/proc/self/stat): PBX, phones and agent share it. */
  readonly labProcessCpuPct: number;
  /** ovs-vswitchd (/proc/<pid>/stat): with the netdev datapath it forwards every packet. */
  readonly vswitchdCpuPct: number;
  /** The whole machine (/proc/stat), including anything else running on it. */
  readonly hostCpuPct: number;
  /** Of which softirq (veth pairs, kernel networking). */
  readonly hostSoftirqPct: number;
  /** The machine minus the lab process and ovs-vswitchd: work that is not the demo's. */
  readonly otherWorkCpuPct: number;
  /**
   * The full cost of relaying in userspace, estimated from the lab process: its CPU in the
   * phase through the PBX, less the phones' and agent's share, taken from the offloaded
   * phase in proportion to the packets the phones sent and received. Null in a run where
   * that cannot be derived (no offloaded phase with traffic).
   */
  readonly pbxRelayEstimatedCpuPct: number | null;
  /** RTP packets the phones sent and received, and how many they should send. */
  readonly phonesSentPerSec: number;
  readonly phonesReceivedPerSec: number;
  readonly phonesExpectedPerSec: number;
  readonly phonesLost: number;
}

/** before ÷ after; null when the after figure is zero (the cost is gone). */
export type Ratio = number | null;

export interface DemoResult {
  readonly setup: {
    readonly calls: number;
    readonly secondsPerPhase: number;
    readonly packetsPerSecondPerDirection: number;
    readonly codec: string;
    readonly cores: number;
    readonly datapath: string;
    /** The machine's 1-minute load average when the demo started (others share it). */
    readonly loadAverage: number;
    /** The testbed's name prefix (its namespaces are `<prefix>pbx` and `<prefix>far`). */
    readonly testbed: string;
    readonly setupMs: number;
  };
  readonly throughPbx: PhaseFigures;
  readonly offloaded: PhaseFigures;
  readonly ratios: {
    readonly pbxPacketsRelayedPerSec: Ratio;
    readonly pbxRelayPathCpu: Ratio;
    readonly pbxRelayEstimatedCpu: Ratio;
    readonly labProcessCpu: Ratio;
    readonly vswitchdCpu: Ratio;
    readonly hostCpu: Ratio;
  };
  readonly switchover: {
    /** From `kill-switch off` (CLI start-up included) until every call is offloaded. */
    readonly allOffloadedMs: number;
    readonly offloaded: number;
    readonly flowsInstalled: number;
    /** Counted by the phones from the release until half a second after the last offload. */
    readonly lostDuringSwitch: number;
    /** Counted while the three CLI commands ran (each a Node process of its own). */
    readonly lostWhileCliRan: number;
    /** Counted by the phones from the end of the first phase to the end of the second. */
    readonly lost: number;
    readonly duplicated: number;
    readonly reordered: number;
    /** Sending the call generator skipped because its event loop was late (not loss). */
    readonly generatorSkippedMs: number;
  };
  readonly revert: {
    readonly bridgeId: string;
    readonly stateWhileHeld: string;
    readonly reason: string | null;
    readonly revertedMs: number;
    readonly heldSeconds: number;
    /** Packets of this call that reached the PBX while held (the switch no longer takes them). */
    readonly pbxReceivedWhileHeld: number;
    /** Music on hold the PBX sent to the held party, as that phone counted it. */
    readonly heldPartyHeardPerSec: number;
    readonly pbxRelayedWhileHeld: number;
    /** Packets the PBX relayed for this call between unhold and the new offload. */
    readonly pbxRelayedAfterUnhold: number;
    readonly reoffloadedMs: number;
    readonly stateAfter: string;
    readonly pbxRelayedOnceOffloadedAgain: number;
  };
  /** Output of the operator's CLI during the run, as printed. */
  readonly cli: {
    readonly status: string;
    readonly list: string;
    readonly explain: string;
    readonly explainHeld: string;
  };
}

const PPS = 50;
/** Streams of `rtp-offload list` shown in the story (all of them are in the JSON). */
const SHOWN_STREAMS = 6;

interface Snapshot {
  readonly atMs: number;
  readonly relayed: number;
  readonly relayCpuMs: number;
  readonly selfMs: number;
  readonly vswitchdMs: number;
  readonly host: HostCpu;
  readonly gen: GeneratorTotals;
}

/**
 * The demo: N bridged calls through the simulated PBX, measured while the PBX relays them
 * and again once the agent has moved them into Open vSwitch, then one call put on hold and
 * taken back. Returns every figure; `say` tells the story as it goes.
 */
export async function runDemo(o: DemoOptions = {}): Promise<DemoResult> {
  const n = o.calls ?? 100;
  const seconds = o.seconds ?? 10;
  const say = o.say ?? ((): void => undefined);
  const t0 = performance.now();
  const loadAverage = round1(loadavg()[0] ?? 0);

  say(`Setting up the lab: two network namespaces, Open vSwitch (userspace datapath) in the`);
  say(`PBX namespace, the simulated PBX, ${2 * n} phones and the agent (kill switch on).`);
  // The agent starts with its kill switch on: until released, the PBX relays everything
  // in userspace, as Asterisk's native_rtp bridge does without the agent.
  const lab = await OffloadLab.create({
    farHosts: Math.min(64, Math.max(2, 2 * n)),
    agent: { killSwitch: true },
    startAgent: false,
  });
  o.onLab?.(lab);
  try {
    await lab.startAgent(true);
    const socket = lab.config.control.socket;
    const cli = async (...args: string[]): Promise<string> => {
      const r = await rtpOffload(socket, args);
      if (r.code !== 0) throw new Error(`rtp-offload ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
      return r.stdout.trimEnd();
    };
    const datapath = (await lab.bed.vsctl(['get', 'bridge', lab.bed.bridge, 'datapath_type'])).stdout
      .trim()
      .replace(/"/g, '');

    const calls: LabCall[] = [];
    for (let i = 0; i < n; i++) calls.push(await lab.placeCall());
    lab.gen.start();
    const setupMs = Math.round(performance.now() - t0);
    say(
      `${n} calls up (PCMU, ${PPS} packets/s each way: ${2 * n * PPS} packets/s into the PBX) after ${(setupMs / 1000).toFixed(1)} s.`,
    );
    // Let the bridges settle on native_rtp and the phones' clocks run steadily first.
    await sleep(2000);

    const vswitchdPid = lab.bed.vswitchdPid();
    if (vswitchdPid === null) throw new Error('ovs-vswitchd is not running');
    const snapshot = (): Snapshot => {
      const relay = lab.pbx.relayStats();
      return {
        atMs: performance.now(),
        relayed: relay.packetsRelayed,
        relayCpuMs: relay.relayCpuMs,
        selfMs: processCpuMs('self') ?? 0,
        vswitchdMs: processCpuMs(vswitchdPid) ?? 0,
        host: hostCpu(),
        gen: lab.gen.totals(),
      };
    };
    const measure = async (): Promise<Omit<PhaseFigures, 'pbxRelayEstimatedCpuPct'>> => {
      const a = snapshot();
      await sleep(seconds * 1000);
      const b = snapshot();
      const s = (b.atMs - a.atMs) / 1000;
      const pct = (ms: number): number => round1(ms / 10 / s);
      return {
        seconds: round1(s),
        offloadedCalls: lab.offloadedCount(),
        pbxPacketsRelayedPerSec: Math.round((b.relayed - a.relayed) / s),
        pbxRelayPathCpuPct: pct(b.relayCpuMs - a.relayCpuMs),
        labProcessCpuPct: pct(b.selfMs - a.selfMs),
        vswitchdCpuPct: pct(b.vswitchdMs - a.vswitchdMs),
        hostCpuPct: pct(b.host.busyMs - a.host.busyMs),
        hostSoftirqPct: pct(b.host.softirqMs - a.host.softirqMs),
        // Per-process and machine counters tick separately (10 ms each), so on an idle
        // machine the difference can come out a tick below zero.
        otherWorkCpuPct: pct(
          Math.max(0, b.host.busyMs - a.host.busyMs - (b.selfMs - a.selfMs) - (b.vswitchdMs - a.vswitchdMs)),
        ),
        phonesSentPerSec: Math.round((b.gen.sent - a.gen.sent) / s),
        phonesReceivedPerSec: Math.round((b.gen.received - a.gen.received) / s),
        phonesExpectedPerSec: 2 * n * PPS,
        phonesLost: b.gen.lost - a.gen.lost,
      };
    };

    say('');
    say(`Phase 1, through the PBX: measuring ${seconds} s while the PBX relays every packet…`);
    const phase1 = await measure();
    const beforeSwitch = lab.gen.totals();

    say('');
    say('Releasing the agent:  $ rtp-offload kill-switch off');
    const tRelease = performance.now();
    say(`  ${await cli('kill-switch', 'off')}`);
    await lab.until('every call offloaded', () => lab.offloadedCount() === n, 60_000, 10);
    const allOffloadedMs = Math.round(performance.now() - tRelease);
    const flowsInstalled = lab.agent?.status().switch.installedFlows ?? 0;
    say(
      `All ${n} calls offloaded ${allOffloadedMs} ms after the command (${flowsInstalled} flows installed).`,
    );
    await sleep(500);
    // A gap is counted when the packet after it arrives: half a second later, every gap of
    // the switchover itself is in.
    const settled = lab.gen.totals();
    const status = await cli('status');
    const list = await cli('list');
    const explain = await cli('explain', calls[0]!.call.bridgeId);
    const afterCli = lab.gen.totals();
    say('');
    say('$ rtp-offload status');
    say(indent(status));
    const rows = list.split('\n');
    say(
      `$ rtp-offload list        (header and ${Math.min(SHOWN_STREAMS, rows.length - 1)} of ${rows.length - 1} streams)`,
    );
    say(indent(rows.slice(0, SHOWN_STREAMS + 1).join('\n')));
    say(`$ rtp-offload explain ${calls[0]!.call.bridgeId}`);
    say(indent(explain));

    say('');
    say(`Phase 2, offloaded: measuring ${seconds} s while Open vSwitch forwards the RTP…`);
    const phase2 = await measure();
    const [throughPbx, offloaded] = estimateRelayCost(phase1, phase2);
    const afterSwitch = lab.gen.totals();

    say('');
    say('One call put on hold, then taken off hold…');
    const { explainHeld, ...revert } = await holdAndResume(lab, calls[0]!, Math.min(2, seconds), cli, say);

    return {
      setup: {
        calls: n,
        secondsPerPhase: seconds,
        packetsPerSecondPerDirection: PPS,
        codec: 'PCMU (G.711 µ-law), 20 ms, 172-byte datagrams',
        cores: cpus().length,
        datapath,
        loadAverage,
        testbed: lab.bed.prefix,
        setupMs,
      },
      throughPbx,
      offloaded,
      ratios: {
        pbxPacketsRelayedPerSec: ratio(throughPbx.pbxPacketsRelayedPerSec, offloaded.pbxPacketsRelayedPerSec),
        pbxRelayPathCpu: ratio(throughPbx.pbxRelayPathCpuPct, offloaded.pbxRelayPathCpuPct),
        pbxRelayEstimatedCpu:
          throughPbx.pbxRelayEstimatedCpuPct === null || offloaded.pbxRelayEstimatedCpuPct === null
            ? null
            : ratio(throughPbx.pbxRelayEstimatedCpuPct, offloaded.pbxRelayEstimatedCpuPct),
        labProcessCpu: ratio(throughPbx.labProcessCpuPct, offloaded.labProcessCpuPct),
        vswitchdCpu: ratio(throughPbx.vswitchdCpuPct, offloaded.vswitchdCpuPct),
        hostCpu: ratio(throughPbx.hostCpuPct, offloaded.hostCpuPct),
      },
      switchover: {
        allOffloadedMs,
        offloaded: n,
        flowsInstalled,
        lostDuringSwitch: settled.lost - beforeSwitch.lost,
        lostWhileCliRan: afterCli.lost - settled.lost,
        lost: afterSwitch.lost - beforeSwitch.lost,
        duplicated: afterSwitch.duplicated - beforeSwitch.duplicated,
        reordered: afterSwitch.reordered - beforeSwitch.reordered,
        generatorSkippedMs: afterSwitch.skippedMs - beforeSwitch.skippedMs,
      },
      revert,
      cli: { status, list, explain, explainHeld },
    };
  } finally {
    await lab.destroy();
  }
}

async function holdAndResume(
  lab: OffloadLab,
  target: LabCall,
  heldSeconds: number,
  cli: (...args: string[]) => Promise<string>,
  say: (line: string) => void,
): Promise<DemoResult['revert'] & { explainHeld: string }> {
  const { call } = target;
  const rxAtPbx = (): number =>
    (call.callerChannel.leg?.rxPackets ?? 0) + (call.calleeChannel.leg?.rxPackets ?? 0);

  const tHold = performance.now();
  call.hold('caller');
  await lab.until('the held call reverted', () => lab.stateOf(target) !== 'offloaded', 10_000, 5);
  const revertedMs = Math.round(performance.now() - tHold);
  // The first refusal may name a symptom of the hold (the holder's address is cleared);
  // give the agent a moment to read the hold itself.
  await lab
    .until('the hold seen', () => lab.agent?.engine.statusOf(call.bridgeId)?.reason === 'held', 2000, 20)
    .catch(() => undefined);
  const held = lab.agent?.engine.statusOf(call.bridgeId) ?? null;
  const explainHeld = await cli('explain', call.bridgeId);
  say(`Reverted ${revertedMs} ms after the hold:`);
  say(`$ rtp-offload explain ${call.bridgeId}`);
  say(indent(explainHeld));

  const relayed0 = call.relayed().packets;
  const rx0 = rxAtPbx();
  const heard0 = target.b.stats().received;
  const t0 = performance.now();
  await sleep(heldSeconds * 1000);
  const s = (performance.now() - t0) / 1000;
  const pbxRelayedWhileHeld = call.relayed().packets - relayed0;
  const pbxReceivedWhileHeld = rxAtPbx() - rx0;
  const heldPartyHeardPerSec = Math.round((target.b.stats().received - heard0) / s);

  const relayedAtUnhold = call.relayed().packets;
  const tUnhold = performance.now();
  call.unhold('caller');
  await lab.until('the call offloaded again', () => lab.stateOf(target) === 'offloaded', 20_000, 5);
  const reoffloadedMs = Math.round(performance.now() - tUnhold);
  // Packets already on their way to the PBX when the flows went in are still relayed.
  await sleep(200);
  const pbxRelayedAfterUnhold = call.relayed().packets - relayedAtUnhold;
  const relayedOffloaded = call.relayed().packets;
  await sleep(1000);

  return {
    bridgeId: call.bridgeId,
    stateWhileHeld: held?.state ?? 'unknown',
    reason: held?.reason ?? null,
    revertedMs,
    heldSeconds: round1(s),
    pbxReceivedWhileHeld,
    heldPartyHeardPerSec,
    pbxRelayedWhileHeld,
    pbxRelayedAfterUnhold,
    reoffloadedMs,
    stateAfter: lab.stateOf(target) ?? 'unknown',
    pbxRelayedOnceOffloadedAgain: call.relayed().packets - relayedOffloaded,
    explainHeld,
  };
}

/**
 * The phones (and the agent) share the lab process with the PBX, so the relay's full cost
 * is what the process spent through the PBX beyond the phones' share. That share comes
 * from the offloaded phase, where the PBX relays nothing, scaled by the packets the phones
 * handled in each phase (a busy machine makes them fall behind by different amounts). The
 * per-packet cost so found applies to whatever each phase relayed.
 */
function estimateRelayCost(
  before: Omit<PhaseFigures, 'pbxRelayEstimatedCpuPct'>,
  after: Omit<PhaseFigures, 'pbxRelayEstimatedCpuPct'>,
): [PhaseFigures, PhaseFigures] {
  const phonePackets = (p: typeof before): number => p.phonesSentPerSec + p.phonesReceivedPerSec;
  let perPacket: number | null = null;
  if (phonePackets(after) > 0 && before.pbxPacketsRelayedPerSec > 0) {
    const phonesShare = (after.labProcessCpuPct * phonePackets(before)) / phonePackets(after);
    perPacket = Math.max(0, before.labProcessCpuPct - phonesShare) / before.pbxPacketsRelayedPerSec;
  }
  const est = (p: typeof before): number | null =>
    perPacket === null ? null : round1(perPacket * p.pbxPacketsRelayedPerSec);
  return [
    { ...before, pbxRelayEstimatedCpuPct: est(before) },
    { ...after, pbxRelayEstimatedCpuPct: est(after) },
  ];
}

function ratio(before: number, after: number): Ratio {
  return after > 0 ? round1(before / after) : null;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
