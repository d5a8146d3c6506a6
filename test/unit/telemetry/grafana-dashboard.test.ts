import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { AgentMetrics, type MetricsView } from '../../../src/telemetry/prometheus.js';

interface Target {
  refId: string;
  expr: string;
  datasource?: { uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: Target[];
  datasource?: { uid: string };
}
const path = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'packaging',
  'grafana',
  'rtp-offload-dashboard.json',
);
const dashboard = JSON.parse(readFileSync(path, 'utf8')) as {
  schemaVersion: number;
  uid: string;
  title: string;
  panels: Panel[];
  __inputs: { name: string; type: string; pluginId: string }[];
  templating: { list: { name: string }[] };
};

/** Every series name the agent exposes (histograms as their _bucket, _sum and _count). */
async function exposedNames(): Promise<Set<string>> {
  const view: MetricsView = {
    bridges: () => [],
    engineCounters: () => ({}),
    pbx: () => ({ source: 'ami', up: true, stats: { requests: 0, events: 0, malformed: 0, reconnects: 0 } }),
    switchUp: () => true,
    installedFlows: () => 0,
    killSwitch: () => false,
  };
  const m = new AgentMetrics(view, () => 0, { processMetrics: false });
  const names = new Set<string>();
  for (const metric of await m.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram')
      for (const s of ['_bucket', '_sum', '_count']) names.add(metric.name + s);
  }
  return names;
}

function syntaxErrors(expr: string): number {
  let errors = 0;
  parser.parse(expr).iterate({
    enter(n) {
      if (n.type.isError) errors++;
    },
  });
  return errors;
}

describe('the example Grafana dashboard', () => {
  it('has what Grafana’s import needs: schemaVersion, uid, title, a Prometheus datasource input', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.title).not.toBe('');
    expect(dashboard.__inputs).toContainEqual(
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    );
  });

  it('has panels with unique ids on a 24-column grid, each with at least one query', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(8);
    for (const p of dashboard.panels) {
      expect(['timeseries', 'stat', 'gauge', 'table', 'bargauge']).toContain(p.type);
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      expect(p.targets.length).toBeGreaterThan(0);
      expect(p.datasource?.uid).toBe('${DS_PROMETHEUS}');
      expect(new Set(p.targets.map((t) => t.refId)).size).toBe(p.targets.length);
    }
  });

  it('the parser used here finds a broken query', () => {
    expect(syntaxErrors('sum(rate(rtpo_offloads_total[5m])) by (')).toBeGreaterThan(0);
  });

  it('queries only valid PromQL on metric names the agent exposes', async () => {
    const names = await exposedNames();
    const used = new Set<string>();
    for (const p of dashboard.panels) {
      for (const t of p.targets) {
        expect(syntaxErrors(t.expr), `${p.title}: ${t.expr}`).toBe(0);
        const metrics = t.expr.match(/\brtpo_[a-z0-9_]+/g) ?? [];
        expect(metrics.length, `${p.title} queries none of our metrics`).toBeGreaterThan(0);
        for (const m of metrics) {
          expect(names, `${p.title}: ${m}`).toContain(m);
          used.add(m);
        }
      }
    }
    // The questions operators ask first are on the board.
    for (const m of [
      'rtpo_switch_forwarded_packets_total',
      'rtpo_asterisk_relayed_packets_total',
      'rtpo_bridge_to_offloaded_seconds_bucket',
      'rtpo_event_to_reverted_seconds_bucket',
      'rtpo_reverts_total',
      'rtpo_dependency_ready',
    ])
      expect(used).toContain(m);
  });
});
