import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointStats } from '../../src/lab/callgen/index.js';
import { OffloadLab, type LabCall } from '../../src/lab/offload-lab.js';

const CALLS = Number(process.env.RTPO_TEST_CALLS ?? 100);
let lab: OffloadLab;
let calls: LabCall[];
let warm: Map<LabCall, [EndpointStats, EndpointStats]>;
/** Packets the machine lost through the PBX in a steady window of STEADY_MS before any switchover. */
let steadyLoss: number;
let warmAt: number;
const STEADY_MS = 3000;

const sum = (f: (c: LabCall) => number): number => calls.reduce((n, c) => n + f(c), 0);

beforeAll(async () => {
  // The agent starts with the kill switch on: media flows through the PBX first, as
  // before any offload, so the switchover itself can be measured.
  lab = await OffloadLab.create({ farHosts: 64, agent: { killSwitch: true } });
  calls = [];
  for (let i = 0; i < CALLS; i++) calls.push(await lab.placeCall());
  lab.gen.start();
  await new Promise((r) => setTimeout(r, 2000));
  // A same-run baseline: what this machine loses with no switchover at all (0 when it is
  // not starved of CPU), so the switchover test can tell its own loss from the machine's.
  const lostNow = (): number => sum((c) => c.a.stats().lost + c.b.stats().lost);
  const steadyFrom = lostNow();
  await new Promise((r) => setTimeout(r, STEADY_MS));
  steadyLoss = lostNow() - steadyFrom;
  warm = new Map(calls.map((c) => [c, [c.a.stats(), c.b.stats()]]));
  warmAt = performance.now();
}, 120_000);
afterAll(async () => {
  await lab?.destroy();
});

describe(`offloading ${CALLS} bridged calls through the real switch`, () => {
  it('relays every call through the PBX while offloading is off', () => {
    expect(lab.offloadedCount()).toBe(0);
    // Judged against what the phones received, not a wall-clock rate a loaded machine
    // does not keep: every call heard both ways, and every packet heard went through the PBX.
    for (const c of calls) {
      expect(c.a.stats().received, `call ${c.call.bridgeId} caller side`).toBeGreaterThan(0);
      expect(c.b.stats().received, `call ${c.call.bridgeId} callee side`).toBeGreaterThan(0);
    }
    expect(lab.pbx.relayStats().packetsRelayed).toBeGreaterThanOrEqual(
      sum((c) => c.a.stats().received + c.b.stats().received),
    );
  });

  it('offloads every call once released', async () => {
    await lab.agent!.setKillSwitch(false);
    await lab.until('all calls offloaded', () => lab.offloadedCount() === CALLS, 60_000);
    for (const c of calls) expect(lab.stateOf(c)).toBe('offloaded');
  }, 90_000);

  it('then the PBX relays nothing and Asterisk sends nothing on the offloaded legs', async () => {
    // A PBX starved of CPU may still relay what sat in its socket before the switch took over:
    // start the window once its relay and egress counters have stood still for a second.
    let relayedBefore = lab.pbx.relayStats().packetsRelayed;
    let egressBefore = await egress();
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 1000));
      const relayed = lab.pbx.relayStats().packetsRelayed;
      const eg = await egress();
      if (relayed === relayedBefore && eg === egressBefore) break;
      relayedBefore = relayed;
      egressBefore = eg;
    }
    const received = (): number => sum((c) => c.a.stats().received + c.b.stats().received);
    const sent = (): number => sum((c) => c.a.stats().sent + c.b.stats().sent);
    const receivedBefore = received();
    const sentBefore = sent();
    await new Promise((r) => setTimeout(r, 3000));
    expect(lab.pbx.relayStats().packetsRelayed - relayedBefore).toBe(0);
    expect(await egress()).toBe(egressBefore);
    // …while the phones keep hearing each other: what they sent in the window (a starved
    // generator sends less than 50 packets/s) reaches the other side, allowing for packets
    // still in flight or in a starved receiver's socket buffer when the window ends.
    const sentInWindow = sent() - sentBefore;
    expect(sentInWindow).toBeGreaterThan(0);
    await lab.until(
      "the window's packets heard",
      () => received() - receivedBefore >= sentInWindow * 0.9,
      15_000,
    );
  }, 30_000);

  it('loses no packet across the switchover, and every packet comes from the PBX leg address and port', async () => {
    lab.gen.stop();
    const windowMs = performance.now() - warmAt;
    // The tail: packets a starved receiver has not read yet are not lost.
    await lab
      .until(
        'every sent packet accounted for',
        () =>
          calls.every(
            (c) =>
              c.a.stats().received + c.a.stats().lost - c.a.stats().duplicated >= c.b.stats().sent &&
              c.b.stats().received + c.b.stats().lost - c.b.stats().duplicated >= c.a.stats().sent,
          ),
        15_000,
      )
      .catch(() => undefined);
    let dup = 0;
    let reo = 0;
    const lossMap = calls
      .map((c, i) => [i, c.a.stats().lost - warm.get(c)![0].lost, c.b.stats().lost - warm.get(c)![1].lost])
      .filter((x) => x[1]! + x[2]! > 0);
    // Where a loss shows up, say which calls: the userspace datapath drops under bursts
    // when vswitchd's main thread (which also polls the ports) is starved of CPU.
    if (lossMap.length > 0)
      console.log('switchover losses [call, caller side, callee side]', JSON.stringify(lossMap));
    // On a machine that lost nothing in the steady window before, no call may lose a packet
    // (what this test proves when idle). Where the machine itself drops packets (phones or
    // PBX starved of CPU), the switchover may lose no more than the steady rate over the same
    // time would: a switchover that drops packets still fails.
    const switchLoss = lossMap.reduce((n, x) => n + x[1]! + x[2]!, 0);
    const allowed = Math.floor((steadyLoss * windowMs) / STEADY_MS);
    console.log(
      `steady window ${STEADY_MS} ms lost ${steadyLoss}; ${windowMs.toFixed(0)} ms from warm to stop lost ${switchLoss} (allowed ${allowed})`,
    );
    expect(switchLoss).toBeLessThanOrEqual(allowed);
    for (const c of calls) {
      const [wa, wb] = warm.get(c)!;
      const a = c.a.stats();
      const b = c.b.stats();
      if (steadyLoss === 0) {
        expect(a.lost - wa.lost, `call ${c.call.bridgeId} caller side`).toBe(0);
        expect(b.lost - wb.lost, `call ${c.call.bridgeId} callee side`).toBe(0);
      }
      // Nothing missing at the tail either (a gap count cannot see those).
      expect(a.received + a.lost - a.duplicated).toBe(c.b.stats().sent);
      expect(b.received + b.lost - b.duplicated).toBe(c.a.stats().sent);
      expect(Object.keys(a.sources)).toEqual([`${c.call.caller.localAddress}:${c.call.caller.localRtpPort}`]);
      expect(Object.keys(b.sources)).toEqual([`${c.call.callee.localAddress}:${c.call.callee.localRtpPort}`]);
      dup += a.duplicated - wa.duplicated + b.duplicated - wb.duplicated;
      reo += a.reordered - wa.reordered + b.reordered - wb.reordered;
    }
    const warmLoss = [...warm.values()].reduce((n, [a, b]) => n + a.lost + b.lost, 0);
    console.log(
      `switchover: ${CALLS} calls, ${switchLoss} lost, ${dup} duplicated, ${reo} reordered (warm-up through the PBX lost ${warmLoss})`,
    );
  }, 30_000);
});

async function egress(): Promise<number> {
  const all = await lab.agent!.bridges(true);
  return all.reduce((n, b) => n + b.legs.reduce((m, l) => m + l.asteriskEgressPackets, 0), 0);
}
