import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAmiMessage, header, type AmiMessage } from '../../src/lab/recorder/ami.js';
import {
  isMarker,
  isWire,
  parseTranscript,
  type TranscriptEntry,
} from '../../src/lab/recorder/transcript.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/asterisk-22/', import.meta.url));

export function loadFixture(name: string): TranscriptEntry[] {
  return parseTranscript(readFileSync(`${FIXTURES}${name}.jsonl`, 'utf8'));
}

/** AMI messages Asterisk sent, in order (the banner excluded). */
export function amiReceived(entries: readonly TranscriptEntry[]): AmiMessage[] {
  return entries
    .filter(isWire)
    .filter((e) => e.proto === 'ami' && e.dir === 'received' && e.raw.endsWith('\r\n\r\n'))
    .map((e) => parseAmiMessage(e.raw));
}

/**
 * Value shapes instead of values: ids, times, ports and addresses differ between runs and
 * between Asterisk and the simulator, their form must not.
 */
export function shape(value: string): string {
  return value
    .replace(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, '<uuid>')
    .replace(/^\d{9,}\.\d+$/, '<uniqueid>')
    .replace(/^(\d{1,3}\.){3}\d{1,3}:\d+$/, '<ipv4:port>')
    .replace(/^(\d{1,3}\.){3}\d{1,3}\/255\.255\.255\.255$/, '<ipv4>/255.255.255.255')
    .replace(/^([a-z]+\/)?sip:([a-z]+)@(\d{1,3}\.){3}\d{1,3}:5060$/, '$1sip:$2@<ipv4>:5060')
    .replace(/^([a-z]+)@@[0-9a-f]{32}$/, '$1@@<md5>')
    .replace(/^(PJSIP|Local)\/([a-z0-9@]+)-[0-9a-f]{8}(;[12])?$/, '$1/$2-<seq>$3')
    .replace(/^0x[0-9a-f]+$/, '<hex>')
    .replace(/^\d{4}-\d{2}-\d{2}$/, '<date>')
    .replace(/^\d{2}:\d{2}:\d{2}$/, '<time>')
    .replace(/^\d+$/, '<int>')
    .replace(/^\d+\.\d+$/, '<decimal>');
}

/** Endpoint name of a channel (`PJSIP/alice-00000002` → `alice`). */
export function endpointOf(channel: string | undefined): string | undefined {
  return channel ? /^[A-Za-z]+\/([^-;@]+)/.exec(channel)?.[1] : undefined;
}

/** Events that describe call and bridge life, per endpoint; chatty classes left out. */
const NOISE = new Set(['VarSet', 'Newexten', 'RTCPSent', 'RTCPReceived', 'FullyBooted']);

export function lifecycleByEndpoint(messages: readonly AmiMessage[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of messages) {
    const ev = header(m, 'Event');
    if (ev === undefined || NOISE.has(ev) || header(m, 'ActionID') !== undefined) continue;
    const ep = endpointOf(header(m, 'Channel')) ?? '(bridge)';
    const list = out.get(ep) ?? [];
    list.push(ev);
    out.set(ep, list);
  }
  return out;
}

/** Header names of the first event of each name, in order. */
export function fieldNamesByEvent(messages: readonly AmiMessage[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of messages) {
    const ev = header(m, 'Event');
    if (ev === undefined || out.has(ev)) continue;
    out.set(
      ev,
      m.headers.map(([k]) => k),
    );
  }
  return out;
}

/** Getvar values recorded under a `getvar:<phase>` marker, by endpoint and variable, as shapes. */
export function recordedLegReads(
  entries: readonly TranscriptEntry[],
  phase: string,
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let endpoint: string | null = null;
  let pendingVar: string | null = null;
  for (const e of entries) {
    if (isMarker(e)) {
      endpoint =
        e.marker === `getvar:${phase}`
          ? (/\/([a-z]+)-/.exec(String(e.detail?.channel ?? ''))?.[1] ?? null)
          : null;
      continue;
    }
    if (!endpoint || !isWire(e) || e.proto !== 'ami') continue;
    if (e.dir === 'sent') pendingVar = /Variable: (.*)\r\n/.exec(e.raw)?.[1] ?? null;
    else if (pendingVar && e.raw.startsWith('Response:')) {
      const value = /Value: (.*)\r\n/.exec(e.raw)?.[1];
      (out[endpoint] ??= {})[pendingVar] = value === undefined ? '(no value)' : shape(value);
      pendingVar = null;
    }
  }
  return out;
}
