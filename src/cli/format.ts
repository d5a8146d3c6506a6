import type { AgentStatus, BridgeDto, DependencyDto, SocketAddrDto } from '../control/api.js';
import { ageOf } from './age.js';

export interface TableOptions {
  readonly wide: boolean;
  readonly headers: boolean;
  /** Epoch ms the ages are measured at. */
  readonly now: number;
}

export function addr(a: SocketAddrDto | null): string {
  if (!a) return '-';
  return a.family === 6 ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** A plain aligned table: scripts use `-o json`, people read this. */
export function table(head: readonly string[], rows: readonly (readonly string[])[], headers = true): string {
  const shown = headers ? [head, ...rows] : rows;
  const widths = head.map((_h, i) => Math.max(...shown.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return shown.map(line).join('\n');
}

export function formatStreams(bridges: readonly BridgeDto[], o: TableOptions): string {
  const rows: string[][] = [];
  for (const b of bridges) {
    for (const l of b.legs) {
      const row = [b.bridgeId, l.channel, addr(l.remote), addr(l.local), String(l.packets), String(l.bytes)];
      row.push(String(l.asteriskEgressPackets), ageOf(b.since, o.now));
      if (o.wide) row.push(b.since ?? '-', b.cookie ?? '-');
      rows.push(row);
    }
  }
  if (rows.length === 0) return o.headers ? 'no offloaded streams' : '';
  const head = ['BRIDGE', 'FROM CHANNEL', 'REMOTE', 'LOCAL', 'PACKETS', 'BYTES', 'ASTERISK-TX', 'AGE'];
  return table(o.wide ? [...head, 'SINCE', 'COOKIE'] : head, rows, o.headers);
}

export function formatBridges(bridges: readonly BridgeDto[], o: TableOptions): string {
  if (bridges.length === 0) return o.headers ? 'no bridges' : '';
  const head = ['BRIDGE', 'STATE', 'MEMBERS', 'TECHNOLOGY', 'AGE', 'REASON'];
  return table(
    o.wide ? [...head, 'SINCE', 'COOKIE', 'DETAIL'] : head,
    bridges.map((b) => {
      const row = [
        b.bridgeId,
        b.state,
        String(b.members),
        b.technology ?? '-',
        ageOf(b.since, o.now),
        b.reason ?? '',
      ];
      if (o.wide) row.push(b.since ?? '-', b.cookie ?? '-', b.detail ?? '');
      return row;
    }),
    o.headers,
  );
}

export function formatExplain(b: BridgeDto, now: number): string {
  const lines = [
    `bridge ${b.bridgeId}: ${b.state}${b.reason ? ` (${b.reason})` : ''}`,
    `  ${b.detail ?? 'no decision yet'}`,
    `  technology ${b.technology ?? 'unknown'}, ${b.members} member(s), since ${b.since ?? '-'} (${ageOf(b.since, now)})`,
  ];
  if (b.cookie) lines.push(`  cookie ${b.cookie}`);
  for (const l of b.legs)
    lines.push(`  ${l.channel}: remote ${addr(l.remote)} local ${addr(l.local)} packets ${l.packets}`);
  return lines.join('\n');
}

export function formatStatus(s: AgentStatus, now: number): string {
  const dep = (d: DependencyDto | undefined): string =>
    d ? ` — ${d.status} since ${d.since} (${ageOf(d.since, now)})${d.detail ? `: ${d.detail}` : ''}` : '';
  return [
    `agent ${s.version}, up since ${s.startedAt} (${ageOf(s.startedAt, now)})${s.dryRun ? ', DRY RUN' : ''}${s.killSwitch ? ', KILL SWITCH ON' : ''}`,
    `asterisk (${s.pbx.source}): ${s.pbx.status}, ${s.pbx.requests} requests, ${s.pbx.events} events, ${s.pbx.malformed} malformed${dep(s.dependencies?.asterisk)}`,
    `switch ${s.switch.target}: ${s.switch.status}, ${s.switch.installedFlows} flows installed${dep(s.dependencies?.switch)}`,
    `bridges ${s.bridges}: ${s.offloaded} offloaded, ${s.probing} probing`,
  ].join('\n');
}
