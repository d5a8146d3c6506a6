import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseModuleListing, splitAmiMessages } from '../../../src/asterisk/module/index.js';
import {
  isMarker,
  isWire,
  parseTranscript,
  type TranscriptEntry,
} from '../../../src/lab/recorder/transcript.js';

/**
 * res_rtp_offload built from asterisk-module/ against Asterisk 20 and 23 and recorded there
 * (test/fixtures/asterisk-NN/module/README.md) gives the listing the agent parses on 22:
 * the same fields, parsed whole by parseModuleListing.
 */
const fixture = (path: string): string => fileURLToPath(new URL(`../../fixtures/${path}`, import.meta.url));

/** Field names of each RtpOffloadPair in a raw listing, in order. */
function itemFieldNames(raw: string): string[][] {
  return splitAmiMessages(raw)
    .filter((m) => m.some(([k, v]) => k === 'Event' && v === 'RtpOffloadPair'))
    .map((m) => m.map(([k]) => k));
}

/** The field names of a pair item as the module on Asterisk 22.10.1 prints them. */
const fields22 = itemFieldNames(
  readFileSync(fixture('asterisk-22/module/rtp-offload-list-22.10.1.txt'), 'utf8'),
);

/** Each RtpOffloadList reply of a transcript (its messages' raw text), by the marker before it. */
function replies(entries: readonly TranscriptEntry[]): Map<string, string[]> {
  const byMarker = new Map<string, string[]>();
  let marker = '';
  const sentAt = new Map<string, string>();
  const text = new Map<string, string>();
  for (const e of entries) {
    if (isMarker(e)) marker = e.marker;
    if (!isWire(e) || e.proto !== 'ami') continue;
    const id = /ActionID: (\S+)/.exec(e.raw)?.[1];
    if (!id) continue;
    if (e.dir === 'sent' && e.raw.startsWith('Action: RtpOffloadList\r\n')) sentAt.set(id, marker);
    else if (e.dir === 'received' && sentAt.has(id)) text.set(id, (text.get(id) ?? '') + e.raw);
  }
  for (const [id, m] of sentAt) byMarker.set(m, [...(byMarker.get(m) ?? []), text.get(id) ?? '']);
  return byMarker;
}

for (const version of ['20', '23']) {
  const path = fixture(`asterisk-${version}/module/rtp-offload-list.jsonl`);
  describe.runIf(existsSync(path))(`RtpOffloadList recorded on Asterisk ${version}`, () => {
    const entries = existsSync(path) ? parseTranscript(readFileSync(path, 'utf8')) : [];
    const byMarker = replies(entries);

    it('lists nothing without calls, and both calls while they are up', () => {
      const empty = byMarker.get('empty')![0]!;
      expect(empty).toContain('EventList: Complete\r\nListItems: 0\r\n');
      expect(parseModuleListing(empty, 0).pairs).toEqual([]);
      for (const raw of byMarker.get('list')!) {
        const r = parseModuleListing(raw, 0);
        expect(r.malformed).toBe(0);
        expect(r.pairs).toHaveLength(2);
        for (const p of r.pairs)
          for (const leg of p.legs) expect(leg.payloadTypes).toEqual({ ulaw: 0, 'telephone-event': 101 });
      }
      expect(parseModuleListing(byMarker.get('empty-again')![0]!, 0).pairs).toEqual([]);
    });

    it('prints every pair with the fields, in the order, of the module on Asterisk 22', () => {
      const items = itemFieldNames(byMarker.get('list')![0]!);
      expect(items).toHaveLength(2);
      for (const names of items) expect(names).toEqual(fields22[0]);
    });

    it('answers the filters with the bridge asked for', () => {
      const marker = entries.find((e) => isMarker(e) && e.marker === 'filter-bridge');
      const bridge = marker && isMarker(marker) ? String(marker.detail?.bridge) : '';
      const byBridge = parseModuleListing(byMarker.get('filter-bridge')![0]!, 0);
      expect(byBridge.pairs.map((p) => p.bridgeId)).toEqual([bridge]);
      const byChannel = parseModuleListing(byMarker.get('filter-uniqueid')![0]!, 0);
      expect(byChannel.pairs).toHaveLength(1);
    });
  });
}
