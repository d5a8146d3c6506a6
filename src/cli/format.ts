import type { AgentStatus } from '../control/api.js';
import type { BridgeStatus } from '../engine/engine.js';
import type { SocketAddr } from '../model/pbx.js';

function addr(a: SocketAddr | null): string {
  if (!a) return '-';
  return a.family === 6 ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** A plain aligned table: scripts use `--json`, people read this. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

export function formatStreams(bridges: readonly BridgeStatus[]): string {
  const rows: string[][] = [];
  for (const b of bridges) {
    for (const l of b.legs) {
      rows.push([
        b.bridgeId,
        l.channel,
        addr(l.remote),
        addr(l.local),
        String(l.packets),
        String(l.bytes),
        String(l.asteriskEgressPackets),
      ]);
    }
  }
  if (rows.length === 0) return 'no offloaded streams';
  return table(['BRIDGE', 'FROM CHANNEL', 'REMOTE', 'LOCAL', 'PACKETS', 'BYTES', 'ASTERISK-TX'], rows);
}

export function formatBridges(bridges: readonly BridgeStatus[]): string {
  if (bridges.length === 0) return 'no bridges';
  return table(
    ['BRIDGE', 'STATE', 'MEMBERS', 'TECHNOLOGY', 'REASON'],
    bridges.map((b) => [b.bridgeId, b.state, String(b.members), b.technology ?? '-', b.reason ?? '']),
  );
}

export function formatExplain(b: BridgeStatus): string {
  const lines = [
    `bridge ${b.bridgeId}: ${b.state}${b.reason ? ` (${b.reason})` : ''}`,
    `  ${b.detail ?? 'no decision yet'}`,
    `  technology ${b.technology ?? 'unknown'}, ${b.members} member(s), since ${new Date(b.since).toISOString()}`,
  ];
  if (b.cookie) lines.push(`  cookie ${b.cookie}`);
  for (const l of b.legs)
    lines.push(`  ${l.channel}: remote ${addr(l.remote)} local ${addr(l.local)} packets ${l.packets}`);
  return lines.join('\n');
}

export function formatStatus(s: AgentStatus): string {
  return [
    `agent ${s.version}, up since ${s.startedAt}${s.dryRun ? ', DRY RUN' : ''}${s.killSwitch ? ', KILL SWITCH ON' : ''}`,
    `asterisk (${s.pbx.source}): ${s.pbx.status}, ${s.pbx.requests} requests, ${s.pbx.events} events, ${s.pbx.malformed} malformed`,
    `switch ${s.switch.target}: ${s.switch.status}, ${s.switch.installedFlows} flows installed`,
    `bridges ${s.bridges}: ${s.offloaded} offloaded, ${s.probing} probing`,
  ].join('\n');
}
