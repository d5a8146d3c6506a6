import { describe, expect, it } from 'vitest';
import { formatAge } from '../../../src/cli/age.js';
import { parsePrometheus } from '../../../src/cli/prom.js';
import { StreamRates } from '../../../src/cli/watch.js';
import type { BridgeDto } from '../../../src/control/api.js';

const at = (packets: number, channelId = 'c1'): BridgeDto[] => [
  {
    bridgeId: 'B1',
    state: 'offloaded',
    reason: null,
    detail: null,
    since: null,
    cookie: null,
    technology: null,
    members: 2,
    legs: [
      {
        channelId,
        channel: 'PJSIP/a',
        local: null,
        remote: null,
        packets,
        bytes: 0,
        asteriskEgressPackets: 0,
      },
    ],
  },
];

describe('watch rates', () => {
  it('gives packets/s between frames and the age of the last counter movement', () => {
    const r = new StreamRates();
    expect(r.update(at(100), 0)[0]).toMatchObject({ packetsPerSecond: null, lastPacketAgeMs: null });
    expect(r.update(at(200), 2000)[0]).toMatchObject({ packetsPerSecond: 50, lastPacketAgeMs: 0 });
    expect(r.update(at(200), 5000)[0]).toMatchObject({ packetsPerSecond: 0, lastPacketAgeMs: 3000 });
    // A stream that went away and came back starts over.
    r.update([], 6000);
    expect(r.update(at(900), 7000)[0]).toMatchObject({ packetsPerSecond: null, lastPacketAgeMs: null });
  });
});

describe('ages', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [192_000, '3m12s'],
    [7_500_000, '2h05m'],
    [2 * 86_400_000 + 3 * 3_600_000, '2d3h'],
    [-1, '-'],
    [Number.NaN, '-'],
  ])('prints %d ms as %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});

describe('Prometheus text for metrics -o json', () => {
  it('reads samples with labels, escapes and special values, skipping comments and junk', () => {
    const text = [
      '# HELP a_total A.',
      '# TYPE a_total counter',
      'a_total{reason="held",x="q\\"uote"} 3',
      'b 1.5 1700000000000',
      'c +Inf',
      'not a sample line at all {',
      '',
    ].join('\n');
    expect(parsePrometheus(text)).toEqual([
      { name: 'a_total', labels: { reason: 'held', x: 'q"uote' }, value: 3 },
      { name: 'b', labels: {}, value: 1.5 },
      { name: 'c', labels: {}, value: Infinity },
    ]);
  });
});
