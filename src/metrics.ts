import type { BridgeStatus } from './engine/engine.js';

/** Prometheus text exposition of the agent's state (format 0.0.4). */
export function renderMetrics(input: {
  bridges: readonly BridgeStatus[];
  counters: Readonly<Record<string, number>>;
  pbx: { requests: number; events: number; malformed: number; reconnects: number; up: boolean };
  switchUp: boolean;
  installedFlows: number;
  killSwitch: boolean;
}): string {
  const lines: string[] = [];
  const metric = (
    name: string,
    type: 'gauge' | 'counter',
    help: string,
    samples: [string, number][],
  ): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) lines.push(`${name}${labels} ${v}`);
  };
  const byState = new Map<string, number>();
  const byReason = new Map<string, number>();
  let packets = 0;
  let bytes = 0;
  for (const b of input.bridges) {
    byState.set(b.state, (byState.get(b.state) ?? 0) + 1);
    if (b.reason) byReason.set(b.reason, (byReason.get(b.reason) ?? 0) + 1);
    for (const l of b.legs) {
      packets += l.packets;
      bytes += l.bytes;
    }
  }
  metric(
    'rtpo_bridges',
    'gauge',
    'Bridges known to the agent, by offload state.',
    [...byState].map(([s, n]) => [`{state="${s}"}`, n]),
  );
  metric(
    'rtpo_not_offloaded_bridges',
    'gauge',
    'Bridges not offloaded, by reason.',
    [...byReason].map(([r, n]) => [`{reason="${r}"}`, n]),
  );
  metric('rtpo_switch_forwarded_packets', 'gauge', 'Packets the switch forwarded for calls offloaded now.', [
    ['', packets],
  ]);
  metric('rtpo_switch_forwarded_bytes', 'gauge', 'Bytes the switch forwarded for calls offloaded now.', [
    ['', bytes],
  ]);
  metric('rtpo_installed_flows', 'gauge', 'Flows carrying this agent’s cookie tag in the switch.', [
    ['', input.installedFlows],
  ]);
  for (const [k, v] of Object.entries(input.counters)) {
    const name = `rtpo_engine_${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`;
    metric(name, 'counter', `Engine counter ${k}.`, [['', v]]);
  }
  metric('rtpo_pbx_requests_total', 'counter', 'Requests sent to Asterisk.', [['', input.pbx.requests]]);
  metric('rtpo_pbx_events_total', 'counter', 'Events received from Asterisk.', [['', input.pbx.events]]);
  metric('rtpo_pbx_malformed_total', 'counter', 'Malformed events or replies from Asterisk.', [
    ['', input.pbx.malformed],
  ]);
  metric('rtpo_pbx_reconnects_total', 'counter', 'Reconnections to Asterisk.', [['', input.pbx.reconnects]]);
  metric('rtpo_pbx_up', 'gauge', '1 while the Asterisk connection is ready.', [['', input.pbx.up ? 1 : 0]]);
  metric('rtpo_switch_up', 'gauge', '1 while the OpenFlow connection is ready.', [
    ['', input.switchUp ? 1 : 0],
  ]);
  metric('rtpo_kill_switch', 'gauge', '1 while offloading is switched off by the operator.', [
    ['', input.killSwitch ? 1 : 0],
  ]);
  return lines.join('\n') + '\n';
}
