/**
 * MixMonitorStart → reverted, over AMI and over ARI, against the offload lab (root: network
 * namespaces and OVS). For each source: one lab, `RUNS` calls, each offloaded, then a
 * MixMonitor started on it; the time from the start to the engine's state leaving
 * `offloaded` (flows gone) is printed per run, with the median and the worst.
 * Run: npm run build --silent && node dist/bench/mixmonitor-revert.js [runs]
 */

import { OffloadLab } from '../src/lab/offload-lab.js';

const RUNS = Number(process.argv[2] ?? 10);

async function measure(source: 'ami' | 'ari'): Promise<number[]> {
  const lab = await OffloadLab.create({ asteriskSource: source, endpoints: { alice: {}, bob: {} } });
  const out: number[] = [];
  try {
    lab.gen.start();
    for (let i = 0; i < RUNS; i++) {
      const c = await lab.placeCall();
      await lab.until('offloaded', () => lab.stateOf(c) === 'offloaded', 15_000);
      const engine = lab.agent!.engine;
      const t0 = performance.now();
      c.call.startMixMonitor('callee');
      // Polled on every turn of the event loop: the revert itself runs on this loop too.
      while (engine.statusOf(c.call.bridgeId)?.state === 'offloaded') {
        if (performance.now() - t0 > 10_000) throw new Error('no revert within 10 s');
        await new Promise((r) => setImmediate(r));
      }
      out.push(performance.now() - t0);
      c.call.stopMixMonitor('callee');
      c.call.hangup();
      await lab.until('gone', () => engine.statusOf(c.call.bridgeId) === undefined, 10_000).catch(() => undefined);
    }
  } finally {
    await lab.destroy();
  }
  return out;
}

function summary(name: string, ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  const runs = ms.map((v) => v.toFixed(1)).join(' ');
  return `${name}: median ${median.toFixed(1)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms; runs ${runs}`;
}

const ami = await measure('ami');
const ari = await measure('ari');
console.log('MixMonitorStart → reverted');
console.log(summary('AMI', ami));
console.log(summary('ARI', ari));
