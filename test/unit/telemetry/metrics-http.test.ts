import { afterEach, describe, expect, it } from 'vitest';
import type { BridgeStatus, LegStatus } from '../../../src/engine/engine.js';
import type { ChannelInfo, PbxSourceStats } from '../../../src/model/pbx.js';
import { MetricsServer } from '../../../src/telemetry/metrics-server.js';
import { AgentMetrics, type MetricsView } from '../../../src/telemetry/prometheus.js';
import { parseExposition, type Exposition } from './exposition.js';

const leg = (channelId: string, packets: number, bytes: number, egress = 0): LegStatus => ({
  channelId,
  channel: `PJSIP/${channelId}`,
  local: null,
  remote: null,
  packets,
  bytes,
  asteriskEgressPackets: egress,
});
const bridge = (
  bridgeId: string,
  state: BridgeStatus['state'],
  legs: LegStatus[],
  reason = null,
): BridgeStatus =>
  ({
    bridgeId,
    state,
    reason,
    detail: null,
    since: 0,
    cookie: null,
    technology: null,
    members: 2,
    legs,
  }) as BridgeStatus;

class FakeAgent implements MetricsView {
  now = 0;
  list: BridgeStatus[] = [];
  stats: PbxSourceStats = { requests: 0, events: 0, malformed: 0, reconnects: 0 };
  counters = { evaluations: 0, flowAdds: 0, flowDeletes: 0, flowFailures: 0, offloads: 0, reverts: 0 };
  pbxUp = true;
  bridges = (): BridgeStatus[] => this.list;
  engineCounters = (): Record<string, number> => this.counters;
  pbx = (): { source: string; up: boolean; stats: PbxSourceStats } => ({
    source: 'ami',
    up: this.pbxUp,
    stats: this.stats,
  });
  switchUp = (): boolean => false;
  installedFlows = (): number => 4;
  killSwitch = (): boolean => false;
}

let server: MetricsServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function serve(
  agent: FakeAgent,
): Promise<{ metrics: AgentMetrics; scrape: () => Promise<Exposition>; url: string }> {
  const metrics = new AgentMetrics(agent, () => agent.now);
  server = new MetricsServer(metrics);
  const { port } = await server.listen('127.0.0.1', 0);
  const url = `http://127.0.0.1:${port}`;
  return {
    metrics,
    url,
    scrape: async () => {
      const res = await fetch(`${url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      return parseExposition(await res.text());
    },
  };
}

const chan = (id: string): ChannelInfo => ({ id, name: `PJSIP/${id}` }) as ChannelInfo;

describe('/metrics over HTTP', () => {
  it('forwarded packets and bytes only grow: a call that ends keeps what it counted', async () => {
    const agent = new FakeAgent();
    const { metrics, scrape } = await serve(agent);
    agent.list = [bridge('b1', 'offloaded', [leg('a', 100, 17_200), leg('b', 90, 15_480)])];
    let m = await scrape();
    expect(m.types.get('rtpo_switch_forwarded_packets_total')).toBe('counter');
    expect(m.value('rtpo_switch_forwarded_packets_total')).toBe(190);
    agent.list = [bridge('b1', 'offloaded', [leg('a', 150, 25_800), leg('b', 140, 24_080)])];
    // The call ends between scrapes: the engine reports its last counters with the revert.
    metrics.reverted('b1', 'gone', [leg('a', 160, 27_520), leg('b', 150, 25_800)]);
    agent.list = [];
    m = await scrape();
    expect(m.value('rtpo_switch_forwarded_packets_total')).toBe(310);
    expect(m.value('rtpo_switch_forwarded_bytes_total')).toBe(53_320);
    // A new call: its own counters add on top.
    agent.list = [bridge('b2', 'offloaded', [leg('c', 5, 860)])];
    m = await scrape();
    expect(m.value('rtpo_switch_forwarded_packets_total')).toBe(315);
    expect(m.value('rtpo_reverts_total', { reason: 'gone' })).toBe(1);
  });

  it('shows bridges by state, readiness per dependency, and PBX counters as totals', async () => {
    const agent = new FakeAgent();
    const { scrape } = await serve(agent);
    agent.list = [
      bridge('b1', 'offloaded', []),
      bridge('b2', 'not-offloaded', [], 'payload-types-unknown' as never),
      bridge('b3', 'not-offloaded', [], 'payload-types-unknown' as never),
    ];
    agent.stats = { requests: 12, events: 40, malformed: 2, reconnects: 1 };
    const m = await scrape();
    expect(m.value('rtpo_bridges', { state: 'offloaded' })).toBe(1);
    expect(m.value('rtpo_bridges', { state: 'not-offloaded' })).toBe(2);
    expect(m.value('rtpo_bridges', { state: 'probing' })).toBe(0);
    expect(m.value('rtpo_not_offloaded_bridges', { reason: 'payload-types-unknown' })).toBe(2);
    expect(m.value('rtpo_dependency_ready', { dependency: 'asterisk-ami' })).toBe(1);
    expect(m.value('rtpo_dependency_ready', { dependency: 'switch' })).toBe(0);
    expect(m.value('rtpo_pbx_requests_total', { source: 'ami' })).toBe(12);
    expect(m.value('rtpo_malformed_inputs_total', { source: 'ami', kind: 'unclassified' })).toBe(2);
    expect(m.value('rtpo_installed_flows')).toBe(4);
    expect(m.types.get('rtpo_process_cpu_seconds_total')).toBe('counter');
  });

  it('times bridge → offloaded and event → reverted from the events it is fed', async () => {
    const agent = new FakeAgent();
    const { metrics, scrape } = await serve(agent);
    const enter = (id: string, n: number) =>
      metrics.pbxEvent({
        kind: 'channel-entered',
        bridgeId: 'b1',
        channel: chan(id),
        technology: 'simple_bridge',
        memberCount: n,
        swapChannelId: null,
      });
    agent.now = 1000;
    enter('a', 1);
    enter('b', 2);
    agent.now = 3200;
    metrics.offloaded('b1');
    agent.now = 9000;
    metrics.pbxEvent({ kind: 'channel-hold', channelId: 'a' });
    agent.now = 9030;
    metrics.reverted('b1', 'held', []);
    const m = await scrape();
    expect(m.value('rtpo_offloads_total')).toBe(1);
    expect(m.value('rtpo_bridge_to_offloaded_seconds_count')).toBe(1);
    expect(m.value('rtpo_bridge_to_offloaded_seconds_sum')).toBeCloseTo(2.2, 6);
    expect(m.value('rtpo_bridge_to_offloaded_seconds_bucket', { le: '2' })).toBe(0);
    expect(m.value('rtpo_bridge_to_offloaded_seconds_bucket', { le: '2.5' })).toBe(1);
    expect(m.value('rtpo_event_to_reverted_seconds_sum', { reason: 'held' })).toBeCloseTo(0.03, 6);
    expect(m.value('rtpo_event_to_reverted_seconds_bucket', { reason: 'held', le: '0.05' })).toBe(1);
  });

  it('counts what Asterisk relayed from the sequence advance in its own RTCP reports', async () => {
    const agent = new FakeAgent();
    const { metrics, scrape } = await serve(agent);
    const sent = (seq: number, ssrc = 7) =>
      metrics.pbxEvent({
        kind: 'rtcp-sent',
        channelId: 'a',
        to: null,
        reports: [{ sourceSsrc: ssrc, fractionLost: 0, cumulativeLost: 0, highestSequence: seq }],
      });
    sent(70_000); // where counting starts
    sent(70_250);
    sent(70_250); // offloaded: Asterisk receives nothing
    sent(12, 8); // a new stream starts from its first report
    sent(20, 8);
    // A hung-up channel is forgotten: an id seen again starts over instead of counting a leap.
    metrics.pbxEvent({ kind: 'hangup', channelId: 'a', cause: 16, causeText: 'Normal Clearing' });
    sent(70_300);
    const m = await scrape();
    expect(m.value('rtpo_asterisk_relayed_packets_total')).toBe(258);
  });

  it('serves nothing but /metrics', async () => {
    const { url } = await serve(new FakeAgent());
    expect((await fetch(`${url}/v1/status`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});
