import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffloadLab } from '../../src/lab/offload-lab.js';
import { parseExposition, type Exposition } from '../unit/telemetry/exposition.js';

// The agent with `metrics.listen` set, scraped over HTTP as Prometheus would, while the lab
// carries two calls through the PBX, then through the switch, then back.
const CALLS = 2;
let lab: OffloadLab;

async function scrape(): Promise<Exposition> {
  const { port } = lab.agent!.metricsAddress!;
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}
const value = async (name: string, labels?: Record<string, string>): Promise<number> =>
  (await scrape()).value(name, labels) ?? 0;

beforeAll(async () => {
  lab = await OffloadLab.create({
    farHosts: 8,
    agent: { killSwitch: true, metrics: { listen: '127.0.0.1:0' } },
    pbx: { rtcpIntervalMs: 1000 },
  });
  for (let i = 0; i < CALLS; i++) await lab.placeCall();
  lab.gen.start();
}, 120_000);
afterAll(async () => {
  await lab?.destroy();
});

describe('/metrics of a running agent', () => {
  it('serves on loopback only where configured', () => {
    expect(lab.agent!.metricsAddress).toMatchObject({ address: '127.0.0.1' });
    expect(lab.agent!.metricsAddress!.port).toBeGreaterThan(0);
  });

  it('counts what Asterisk relays while offloading is off, and nothing forwarded', async () => {
    await lab.until(
      'Asterisk RTCP shows relayed packets',
      async () => (await value('rtpo_asterisk_relayed_packets_total')) > 50,
      30_000,
      250,
    );
    expect(await value('rtpo_switch_forwarded_packets_total')).toBe(0);
    expect(await value('rtpo_dependency_ready', { dependency: 'switch' })).toBe(1);
    expect(await value('rtpo_dependency_ready', { dependency: 'asterisk-ami' })).toBe(1);
    expect(await value('rtpo_kill_switch')).toBe(1);
  }, 60_000);

  it('after the release: offloads, their timing, bridges by state and packets the switch forwarded', async () => {
    await lab.agent!.setKillSwitch(false);
    await lab.until('calls offloaded', () => lab.offloadedCount() === CALLS, 60_000);
    await lab.until(
      'forwarded packets counted',
      async () => (await value('rtpo_switch_forwarded_packets_total')) > 100,
      30_000,
      250,
    );
    const m = await scrape();
    expect(m.value('rtpo_offloads_total')).toBe(CALLS);
    expect(m.value('rtpo_bridges', { state: 'offloaded' })).toBe(CALLS);
    expect(m.value('rtpo_bridge_to_offloaded_seconds_count')).toBe(CALLS);
    expect(m.value('rtpo_switch_forwarded_bytes_total')).toBeGreaterThan(
      m.value('rtpo_switch_forwarded_packets_total')!,
    );
    expect(m.value('rtpo_pbx_requests_total', { source: 'ami' })).toBeGreaterThan(0);
    const mean = m.value('rtpo_bridge_to_offloaded_seconds_sum')! / CALLS;
    console.log(
      `bridge → offloaded mean ${mean.toFixed(2)} s; forwarded ${m.value('rtpo_switch_forwarded_packets_total')}, ` +
        `relayed by the PBX ${m.value('rtpo_asterisk_relayed_packets_total')} packets`,
    );
  }, 120_000);

  it('keeps the forwarded totals when the offloads end, and counts the reverts by reason', async () => {
    const before = await value('rtpo_switch_forwarded_packets_total');
    await lab.agent!.setKillSwitch(true);
    await lab.until('calls back through Asterisk', () => lab.offloadedCount() === 0, 30_000);
    const m = await scrape();
    expect(m.value('rtpo_reverts_total', { reason: 'kill-switch' })).toBe(CALLS);
    expect(m.value('rtpo_bridges', { state: 'offloaded' })).toBe(0);
    expect(m.value('rtpo_switch_forwarded_packets_total')).toBeGreaterThanOrEqual(before);
  }, 60_000);
});
