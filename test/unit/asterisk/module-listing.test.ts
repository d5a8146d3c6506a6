import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type Manager from 'asterisk-manager';
import { AmiMessage } from '../../../src/asterisk/ami/message.js';
import {
  parseModuleListing,
  parseModulePairs,
  parsePayloadTypes,
  splitAmiMessages,
} from '../../../src/asterisk/module/index.js';
import { isWire, parseTranscript } from '../../../src/lab/recorder/transcript.js';

const entries = parseTranscript(
  readFileSync(
    fileURLToPath(new URL('../../fixtures/asterisk-22/module/rtp-offload-list.jsonl', import.meta.url)),
    'utf8',
  ),
);

/** Every recorded RtpOffloadPair message, raw as Asterisk sent it. */
const recordedItems: string[] = entries
  .filter(isWire)
  .filter((e) => e.proto === 'ami' && e.dir === 'received' && e.raw.startsWith('Event: RtpOffloadPair\r\n'))
  .map((e) => e.raw);

/** The item of one bridge with telephone-event on 96 on Leg1 (dave → carol in the recording). */
const daveItem = recordedItems.find((r) => r.includes('Leg1PayloadTypes: ulaw=0,telephone-event=96\r\n'))!;

/** asterisk-manager's parse (lib/ami.js): split at the first ': ', trimmed lower-case keys. */
function asLibraryDelivers(raw: string): AmiMessage {
  const item: Manager.Message = {};
  for (const line of raw.split(/\r?\n/).filter((l) => l.length > 0)) {
    const parts = line.split(': ');
    const key = (parts.shift() ?? '').trim().toLowerCase();
    const value = parts.join(': ');
    const prev = item[key];
    if (prev === undefined) item[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else if (typeof prev === 'string') item[key] = [prev, value];
  }
  return AmiMessage.fromLibrary(item);
}

/** The raw item with one field's value replaced (or the field added before the blank line). */
function withField(raw: string, name: string, value: string): string {
  const re = new RegExp(`^${name}: .*$`, 'm');
  return re.test(raw)
    ? raw.replace(re, `${name}: ${value}`)
    : raw.replace(/\r\n\r\n$/, `\r\n${name}: ${value}\r\n\r\n`);
}

describe('parseModuleListing on recorded listings', () => {
  it('parses the raw recorded items as the AMI client path does', () => {
    expect(recordedItems.length).toBeGreaterThanOrEqual(4);
    // One reply: the items of the listing with the most pairs (Technology: all).
    const byAction = new Map<string, string[]>();
    for (const r of recordedItems) {
      const id = /ActionID: (\S+)/.exec(r)?.[1] ?? '';
      byAction.set(id, [...(byAction.get(id) ?? []), r]);
    }
    const one = [...byAction.values()].sort((a, b) => b.length - a.length)[0]!;
    expect(one.length).toBeGreaterThanOrEqual(4);
    const direct = parseModuleListing(one.join(''), 7);
    const viaLibrary = parseModulePairs(one.map(asLibraryDelivers), 7);
    expect(direct.malformed).toBe(0);
    expect(direct.pairs.length).toBeGreaterThan(0);
    expect(direct.pairs).toEqual(viaLibrary.pairs);
  });

  it('ignores other messages and unknown fields', () => {
    const extra = withField(daveItem, 'Leg1SomethingNew', 'whatever: it is');
    const raw = `Response: Success\r\nEventList: start\r\n\r\nEvent: Newexten\r\nChannel: x\r\n\r\n${extra}Event: RtpOffloadListComplete\r\nListItems: 1\r\n\r\n`;
    const r = parseModuleListing(raw, 0);
    expect(r.malformed).toBe(0);
    expect(r.pairs).toHaveLength(1);
    expect(r.pairs[0]!.legs[0].payloadTypes).toEqual({ ulaw: 0, 'telephone-event': 96 });
  });
});

describe('a listing recorded from the current module on Asterisk 22.10.1', () => {
  const raw = readFileSync(
    fileURLToPath(new URL('../../fixtures/asterisk-22/module/rtp-offload-list-22.10.1.txt', import.meta.url)),
    'utf8',
  );

  it('parses whole, with the truncation flags and a non-8000 telephone-event', () => {
    const r = parseModuleListing(raw, 0);
    expect(r.malformed).toBe(0);
    expect(r.pairs).toHaveLength(3);
    expect(/ListItems: (\d+)/.exec(raw)?.[1]).toBe('3');
    expect(raw.match(/PayloadTypesTruncated: no\r\n/g)).toHaveLength(12);
    const erin = r.pairs.flatMap((p) => p.legs).find((l) => l.channelName.startsWith('PJSIP/erin-'))!;
    // erin offered speex/32000 on 35–127: Asterisk keeps one tx number per joint format.
    expect(erin.payloadTypes).toEqual({ ulaw: 0, speex32: 35 });
    expect(erin.rxPayloadTypes).toEqual({
      ulaw: 0,
      speex32: 35,
      'telephone-event': 101,
      'telephone-event/32000': 102,
    });
    for (const p of r.pairs) expect(p.legs.map((l) => l.learned)).toEqual(['confirmed', 'confirmed']);
  });
});

describe('truncated payload-type lists', () => {
  it('a list flagged truncated is unknown (null), the other lists of the item are kept', () => {
    // What the module now sends when Leg1's list did not fit: whole entries, then the flag.
    let raw = withField(daveItem, 'Leg1PayloadTypes', 'ulaw=0');
    raw = withField(raw, 'Leg1PayloadTypesTruncated', 'yes');
    raw = withField(raw, 'Leg1RxPayloadTypesTruncated', 'no');
    raw = withField(raw, 'Leg2PayloadTypesTruncated', 'no');
    raw = withField(raw, 'Leg2RxPayloadTypesTruncated', 'no');
    const r = parseModuleListing(raw, 0);
    expect(r.malformed).toBe(0);
    const [l1, l2] = r.pairs[0]!.legs;
    expect(l1.payloadTypes).toBeNull();
    expect(l1.rxPayloadTypes).not.toBeNull();
    expect(l2.payloadTypes).toEqual({ ulaw: 0, 'telephone-event': 101 });
  });

  it('a truncated rx list is unknown too; the flag is case-insensitive', () => {
    const raw = withField(daveItem, 'Leg2RxPayloadTypesTruncated', 'Yes');
    const leg2 = parseModuleListing(raw, 0).pairs[0]!.legs[1];
    expect(leg2.rxPayloadTypes).toBeNull();
    expect(leg2.payloadTypes).toEqual({ ulaw: 0, 'telephone-event': 101 });
  });

  it('"no" and an absent flag (a module from before the flag) read as complete', () => {
    const no = parseModuleListing(withField(daveItem, 'Leg1PayloadTypesTruncated', 'no'), 0);
    const absent = parseModuleListing(daveItem, 0);
    expect(no.pairs[0]!.legs[0].payloadTypes).toEqual({ ulaw: 0, 'telephone-event': 96 });
    expect(absent.pairs[0]!.legs[0].payloadTypes).toEqual({ ulaw: 0, 'telephone-event': 96 });
  });

  it('a flag that is neither yes nor no makes the item malformed', () => {
    const r = parseModuleListing(withField(daveItem, 'Leg1PayloadTypesTruncated', 'maybe'), 0);
    expect(r.pairs).toHaveLength(0);
    expect(r.malformed).toBe(1);
    expect(r.problems[0]).toMatch(/Leg1PayloadTypesTruncated/);
  });
});

describe('range checks', () => {
  const malformedWith = (name: string, value: string) =>
    parseModuleListing(withField(daveItem, name, value), 0);

  it.each([
    ['Leg1RxPackets', '4294967296'],
    ['Leg1RxPackets', '99999999999999999999'],
    ['Leg1Framing', '5000'],
    ['Leg1LocalAddress', '198.51.100.1:0'],
    ['Leg1RemoteAddress', '198.51.100.1:65536'],
    ['Leg1Uniqueid', 'x'.repeat(152)],
    ['Leg1Channel', `PJSIP/${'a'.repeat(80)}`],
    ['BridgeUniqueid', 'b'.repeat(37)],
    ['BridgeTechnology', 't'.repeat(32)],
    ['Leg1DtmfMode', 'rfc 4733'],
    ['Leg1Rtcp', 'x'.repeat(40)],
    ['Leg1Ssrc', '1ffffffff'],
    ['Leg1PayloadTypes', Array.from({ length: 129 }, (_, i) => `c${i}=${i % 128}`).join(',')],
    ['Leg1PayloadTypes', 'opus=128'],
    ['Leg1Codec', 'u\u0001law'],
  ])('%s out of range (case %#) → malformed, counted, not thrown', (name, value) => {
    const r = malformedWith(name, value);
    expect(r.pairs).toHaveLength(0);
    expect(r.malformed).toBe(1);
    expect(r.problems).toHaveLength(1);
  });

  it('the largest values the module can print are accepted', () => {
    let raw = withField(daveItem, 'Leg1RxPackets', '4294967295');
    raw = withField(raw, 'Leg1Ssrc', 'ffffffff');
    raw = withField(raw, 'Leg1Framing', '1000');
    const leg = parseModuleListing(raw, 0).pairs[0]!.legs[0];
    expect([leg.rxPackets, leg.ssrc, leg.framingMs]).toEqual([4294967295, 0xffffffff, 1000]);
  });

  it('payload names that are Object.prototype keys stay plain keys', () => {
    const r = parsePayloadTypes('__proto__=5,toString=6,constructor=7');
    expect(r).not.toBeNull();
    expect(Object.keys(r!).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(r!['toString']).toBe(6);
  });

  it('the same bridge listed twice keeps the first', () => {
    const other = daveItem.replace(/(Leg[12]Uniqueid: \S+)/g, '$1x');
    const r = parseModuleListing(daveItem + other, 0);
    expect(r.pairs).toHaveLength(1);
    expect(r.malformed).toBe(1);
  });
});

/** xorshift32: a seeded generator, so a failing case can be replayed from its seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const HOSTILE = [
  '',
  ' ',
  '(null)',
  '-1',
  '4294967296',
  '1e9',
  'NaN',
  '0x10',
  '[::1]:5',
  '::ffff:1.2.3.4:9',
  '__proto__',
  'yes',
  'no',
  'YES',
  '=',
  ',,,',
  'ulaw=',
  '=0',
  'a=1,a=2',
  '\u0000',
  '\uffff',
  'x'.repeat(3000),
];

function mutate(raw: string, next: () => number): string {
  const lines = raw.split('\r\n');
  const pick = () => Math.floor(next() * lines.length);
  const steps = 1 + Math.floor(next() * 4);
  for (let s = 0; s < steps; s++) {
    const i = pick();
    const line = lines[i] ?? '';
    const colon = line.indexOf(': ');
    switch (Math.floor(next() * 7)) {
      case 0: // a hostile value
        if (colon > 0) lines[i] = `${line.slice(0, colon)}: ${HOSTILE[Math.floor(next() * HOSTILE.length)]!}`;
        break;
      case 1: // line dropped
        lines.splice(i, 1);
        break;
      case 2: // line repeated
        lines.splice(i, 0, line);
        break;
      case 3: // cut anywhere, as a short read would
        lines[i] = line.slice(0, Math.floor(next() * line.length));
        break;
      case 4: // a random character replaced
        if (line.length > 0) {
          const at = Math.floor(next() * line.length);
          lines[i] =
            line.slice(0, at) + String.fromCharCode(Math.floor(next() * 0x3000)) + line.slice(at + 1);
        }
        break;
      case 5: // two lines swapped
        [lines[i], lines[pick()]] = [lines[pick()] ?? '', line];
        break;
      default: // a blank line inserted: one message split in two
        lines.splice(i, 0, '');
    }
  }
  return lines.join(next() < 0.5 ? '\r\n' : '\n');
}

describe('parseModuleListing is total (seeded fuzz over recorded items)', () => {
  it('never throws; every item is parsed or counted; parsed values stay in range', () => {
    const next = rng(0x5eed);
    for (let n = 0; n < 3000; n++) {
      const base = recordedItems[Math.floor(next() * recordedItems.length)]!;
      const raw = n % 10 === 0 ? mutate(base + base, next) : mutate(base, next);
      const items = splitAmiMessages(raw).filter((m) =>
        m.some(([k, v]) => k.trim().toLowerCase() === 'event' && v.trim().toLowerCase() === 'rtpoffloadpair'),
      ).length;
      let r: ReturnType<typeof parseModuleListing>;
      try {
        r = parseModuleListing(raw, n);
      } catch (err) {
        throw new Error(`case ${n} threw ${String(err)} on ${JSON.stringify(raw.slice(0, 400))}`);
      }
      expect(r.pairs.length + r.malformed).toBe(items);
      for (const leg of r.pairs.flatMap((p) => p.legs)) {
        for (const list of [leg.payloadTypes, leg.rxPayloadTypes]) {
          for (const pt of Object.values(list ?? {})) expect(pt >= 0 && pt <= 127).toBe(true);
        }
        if (leg.rxPackets !== null) expect(leg.rxPackets).toBeLessThanOrEqual(0xffffffff);
        if (leg.framingMs !== null) expect(leg.framingMs).toBeLessThanOrEqual(1000);
        for (const a of [leg.local, leg.remote, leg.sdpAddress]) {
          if (a) expect(a.port >= 1 && a.port <= 65535).toBe(true);
        }
        expect(leg.channelId.length).toBeLessThanOrEqual(151);
      }
    }
  });

  it('arbitrary text, not only mutated items, never throws', () => {
    const next = rng(42);
    for (let n = 0; n < 500; n++) {
      const len = Math.floor(next() * 400);
      let raw = 'Event: RtpOffloadPair\r\n';
      for (let i = 0; i < len; i++) raw += String.fromCharCode(Math.floor(next() * 128));
      expect(() => parseModuleListing(raw, 0)).not.toThrow();
    }
  });
});
