/** Reads the ARI records of the Asterisk 22.11 transcripts (test/fixtures/asterisk-22). */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../../../fixtures/asterisk-22/', import.meta.url));

export interface WireRecord {
  readonly t: number;
  readonly proto?: string;
  readonly dir?: 'sent' | 'received';
  readonly raw?: string;
  readonly marker?: string;
}

export function records(scenario: string): WireRecord[] {
  return readFileSync(`${DIR}${scenario}.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as WireRecord);
}

/** The WebSocket text frames Asterisk sent, in order. */
export function ariFrames(scenario: string): string[] {
  return records(scenario)
    .filter((r) => r.proto === 'ari-ws' && r.dir === 'received' && r.raw !== undefined)
    .map((r) => r.raw as string);
}

export interface HttpExchange {
  readonly method: string;
  /** Path and query as sent, e.g. `/ari/bridges/…`. */
  readonly target: string;
  readonly status: number;
  readonly reason: string;
  readonly body: string;
}

/** REST request/response pairs (not the WebSocket upgrade). */
export function ariHttpExchanges(scenario: string): HttpExchange[] {
  const out: HttpExchange[] = [];
  let pending: { method: string; target: string } | null = null;
  for (const r of records(scenario)) {
    if (r.proto !== 'ari-http' || r.raw === undefined) continue;
    if (r.dir === 'sent') {
      const [method = '', target = ''] = (r.raw.split('\r\n')[0] ?? '').split(' ');
      pending = r.raw.includes('Upgrade: websocket') ? null : { method, target };
      continue;
    }
    if (!pending) continue;
    const head = r.raw.split('\r\n\r\n')[0] ?? '';
    const body = r.raw.slice(head.length + 4);
    const m = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(head.split('\r\n')[0] ?? '');
    out.push({ ...pending, status: Number(m?.[1] ?? 0), reason: m?.[2] ?? '', body });
    pending = null;
  }
  return out;
}

export const SCENARIOS = [
  'basic-call',
  'hold-unhold',
  'mixmonitor',
  'blind-transfer',
  'attended-transfer',
  'rtp-timeout',
  'rtcp-mux',
  'sdes',
  'learned-address',
] as const;
