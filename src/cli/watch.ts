import type { BridgeDto } from '../control/api.js';
import { ControlClientError } from '../control/client.js';
import { formatAge } from './age.js';
import { addr, table } from './format.js';

export interface WatchRow {
  readonly bridgeId: string;
  readonly channel: string;
  readonly remote: string;
  readonly local: string;
  readonly packets: number;
  /** Packets per second since the previous frame; null on a stream's first frame. */
  readonly packetsPerSecond: number | null;
  /** Milliseconds since the counter last moved; null until it has been seen moving. */
  readonly lastPacketAgeMs: number | null;
}

/**
 * Rates and last-packet ages from successive counter reads: the switch gives totals only,
 * so a stream's last packet is "when its counter was last seen to move".
 */
export class StreamRates {
  private readonly seen = new Map<string, { packets: number; at: number; movedAt: number | null }>();

  update(bridges: readonly BridgeDto[], now: number): WatchRow[] {
    const rows: WatchRow[] = [];
    const live = new Set<string>();
    for (const b of bridges) {
      for (const l of b.legs) {
        const key = `${b.bridgeId}\0${l.channelId}`;
        live.add(key);
        const prev = this.seen.get(key);
        const moved = prev !== undefined && l.packets !== prev.packets;
        const movedAt = moved ? now : (prev?.movedAt ?? null);
        const dt = prev ? (now - prev.at) / 1000 : 0;
        rows.push({
          bridgeId: b.bridgeId,
          channel: l.channel,
          remote: addr(l.remote),
          local: addr(l.local),
          packets: l.packets,
          packetsPerSecond: prev && dt > 0 ? Math.max(0, l.packets - prev.packets) / dt : null,
          lastPacketAgeMs: movedAt === null ? null : now - movedAt,
        });
        this.seen.set(key, { packets: l.packets, at: now, movedAt });
      }
    }
    for (const k of this.seen.keys()) if (!live.has(k)) this.seen.delete(k);
    return rows;
  }
}

export function formatWatch(rows: readonly WatchRow[], at: Date, headers: boolean): string {
  const title = `offloaded streams at ${at.toISOString()} (Ctrl-C to stop)`;
  if (rows.length === 0) return headers ? `${title}\nno offloaded streams` : '';
  const body = table(
    ['BRIDGE', 'FROM CHANNEL', 'REMOTE', 'LOCAL', 'PACKETS', 'PKT/S', 'LAST PACKET'],
    rows.map((r) => [
      r.bridgeId,
      r.channel,
      r.remote,
      r.local,
      String(r.packets),
      r.packetsPerSecond === null ? '-' : r.packetsPerSecond.toFixed(1),
      r.lastPacketAgeMs === null ? '-' : `${formatAge(r.lastPacketAgeMs)} ago`,
    ]),
    headers,
  );
  return headers ? `${title}\n${body}` : body;
}

export interface WatchIo {
  readonly fetch: () => Promise<BridgeDto[]>;
  readonly write: (s: string) => void;
  readonly tty: boolean;
  readonly json: boolean;
  readonly headers: boolean;
  readonly intervalMs: number;
  readonly signal: AbortSignal;
}

/** Frames until the signal aborts (Ctrl-C). An unreachable agent ends it; the caller maps the error. */
export async function watch(io: WatchIo): Promise<void> {
  const rates = new StreamRates();
  while (!io.signal.aborted) {
    const bridges = await io.fetch().catch((e: unknown) => {
      if (io.signal.aborted) return null;
      throw e instanceof ControlClientError ? e : new ControlClientError('INTERNAL', null, String(e));
    });
    if (bridges === null) break;
    const at = new Date();
    const rows = rates.update(bridges, Date.now());
    if (io.json) io.write(JSON.stringify({ at: at.toISOString(), streams: rows }) + '\n');
    // Home and clear, then draw: the frame replaces the last one as in watch(1).
    else if (io.tty) io.write(`\x1b[H\x1b[2J${formatWatch(rows, at, io.headers)}\n`);
    else io.write(`${formatWatch(rows, at, io.headers)}\n\n`);
    await sleep(io.intervalMs, io.signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
