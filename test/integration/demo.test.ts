import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatReport } from '../../src/lab/demo/report.js';
import { LAB_STATE_DIR } from '../../src/lab/testbed/registry.js';
import { runDemo, type DemoResult, type PhaseFigures } from '../../src/lab/demo/run.js';

const CALLS = 4;
let result: DemoResult;
let json: Record<string, unknown>;
const story: string[] = [];

beforeAll(async () => {
  result = await runDemo({ calls: CALLS, seconds: 2, say: (l) => story.push(l) });
  // What `--json` prints: the result must survive serialisation unchanged.
  json = JSON.parse(JSON.stringify(result)) as Record<string, unknown>;
}, 120_000);
const PHASE_KEYS: (keyof PhaseFigures)[] = [
  'seconds',
  'offloadedCalls',
  'pbxPacketsRelayedPerSec',
  'pbxRelayPathCpuPct',
  'labProcessCpuPct',
  'vswitchdCpuPct',
  'hostCpuPct',
  'hostSoftirqPct',
  'otherWorkCpuPct',
  'pbxRelayEstimatedCpuPct',
  'phonesSentPerSec',
  'phonesReceivedPerSec',
  'phonesExpectedPerSec',
  'phonesLost',
];

describe(`the demo with ${CALLS} calls and 2-second phases`, () => {
  it('reports setup, both phases, ratios, the switchover, the revert and the CLI output', () => {
    expect(Object.keys(json).sort()).toEqual(
      ['cli', 'offloaded', 'ratios', 'revert', 'setup', 'switchover', 'throughPbx'].sort(),
    );
    for (const phase of [json.throughPbx, json.offloaded] as Record<string, unknown>[]) {
      expect(Object.keys(phase).sort()).toEqual([...PHASE_KEYS].sort());
      for (const k of PHASE_KEYS)
        if (k !== 'pbxRelayEstimatedCpuPct') expect(typeof phase[k], k).toBe('number');
    }
    expect(result.setup).toMatchObject({ calls: CALLS, secondsPerPhase: 2, datapath: 'netdev' });
    for (const v of Object.values(result.ratios)) expect(v === null || typeof v === 'number').toBe(true);
    expect(result.cli.list).toMatch(/^BRIDGE\s+FROM CHANNEL/);
    expect(result.cli.status).toContain(`${CALLS} offloaded`);
    expect(formatReport(result)).toContain('PBX packets relayed per second');
  });

  it('has the PBX relay every call first, then ~0 packets/s once all calls are offloaded', () => {
    expect(result.throughPbx.offloadedCalls).toBe(0);
    expect(result.throughPbx.pbxPacketsRelayedPerSec).toBeGreaterThan(CALLS * 2 * 50 * 0.9);
    expect(result.switchover.offloaded).toBe(CALLS);
    expect(result.offloaded.offloadedCalls).toBe(CALLS);
    expect(result.offloaded.pbxPacketsRelayedPerSec).toBeLessThanOrEqual(1);
    expect(result.ratios.pbxPacketsRelayedPerSec).toBeNull();
    // The phones keep hearing each other through the switch.
    expect(result.offloaded.phonesReceivedPerSec).toBeGreaterThan(CALLS * 2 * 50 * 0.9);
  });

  it('reverts a held call with reason held and offloads it again after unhold', () => {
    expect(result.revert.stateWhileHeld).toBe('not-offloaded');
    expect(result.revert.reason).toBe('held');
    expect(result.revert.pbxReceivedWhileHeld).toBeGreaterThan(0);
    expect(result.revert.stateAfter).toBe('offloaded');
    expect(result.revert.pbxRelayedOnceOffloadedAgain).toBe(0);
    expect(result.cli.explainHeld).toContain('(held)');
  });

  it('leaves no namespace, switch or run directory behind', () => {
    const prefix = result.setup.testbed;
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(prefix);
    expect(existsSync(join(LAB_STATE_DIR, prefix))).toBe(false);
  });
});
