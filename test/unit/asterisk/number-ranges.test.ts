import { describe, expect, it, vi } from 'vitest';
import { translateEvent } from '../../../src/asterisk/ami/event-translator.js';
import { tosToDscp } from '../../../src/asterisk/ami/endpoint-facts.js';
import { parseSocketAddr } from '../../../src/asterisk/ami/socket-addr.js';
import { translateAriEvent } from '../../../src/asterisk/ari/event-translator.js';
import { AmiMessage } from '../../../src/asterisk/ami/message.js';

function rtcp(extra: [string, string][]): AmiMessage {
  return AmiMessage.fromPairs([
    ['Event', 'RTCPReceived'],
    ['Channel', 'PJSIP/bob-00000007'],
    ['ChannelState', '6'],
    ['Uniqueid', '1.14'],
    ['From', '198.51.100.23:40013'],
    ...extra,
  ]);
}

const block = (i: number, over: Record<string, string> = {}): [string, string][] =>
  Object.entries({
    SourceSSRC: '0x4cb651ec',
    FractionLost: '3',
    CumulativeLost: '12',
    HighestSequence: '22331',
    SequenceNumberCycles: '1',
    ...over,
  }).map(([k, v]) => [`Report${i}${k}`, v]);

describe('numbers from AMI are range-checked where they enter', () => {
  it('refuses a ReportCount over 31 (RFC 3550) at once instead of looping over it', () => {
    // Counted in field reads, not milliseconds: a loop over the count reads fields per report.
    const reads = vi.spyOn(AmiMessage.prototype, 'get');
    for (const count of ['32', '4000000', '12345678901234567890']) {
      reads.mockClear();
      const t = translateEvent(rtcp([['ReportCount', count], ...block(0)]));
      expect(reads.mock.calls.length).toBeLessThan(50);
      expect(t.kind).toBe('malformed');
      if (t.kind === 'malformed') expect(t.field).toBe('ReportCount');
    }
    reads.mockRestore();
    expect(translateEvent(rtcp([['ReportCount', '1'], ...block(0)])).kind).toBe('event');
  });

  it.each([
    ['HighestSequence', '65536'],
    ['SequenceNumberCycles', '70000'],
    ['FractionLost', '256'],
    ['CumulativeLost', '99999999999'],
    ['SourceSSRC', '0x123456789'],
  ])('refuses Report0%s %s', (field, value) => {
    const t = translateEvent(rtcp([['ReportCount', '1'], ...block(0, { [field]: value })]));
    expect(t).toMatchObject({ kind: 'malformed', field: `Report0${field}` });
  });

  it('refuses hangup causes, channel states and member counts out of range', () => {
    const hangup = (cause: string): AmiMessage =>
      AmiMessage.fromPairs([
        ['Event', 'Hangup'],
        ['Uniqueid', '1.1'],
        ['Cause', cause],
      ]);
    expect(translateEvent(hangup('16')).kind).toBe('event');
    expect(translateEvent(hangup('128'))).toMatchObject({ kind: 'malformed', field: 'Cause' });
    expect(translateEvent(hangup('-1'))).toMatchObject({ kind: 'malformed', field: 'Cause' });
    const enter = AmiMessage.fromPairs([
      ['Event', 'BridgeEnter'],
      ['BridgeUniqueid', 'b1'],
      ['BridgeNumChannels', '99999999'],
      ['Channel', 'PJSIP/a-00000001'],
      ['Uniqueid', '1.1'],
      ['ChannelState', '6'],
    ]);
    expect(translateEvent(enter)).toMatchObject({ kind: 'malformed', field: 'BridgeNumChannels' });
  });

  it('accepts ports 1..65535 only', () => {
    expect(parseSocketAddr('198.51.100.1:1').kind).toBe('address');
    expect(parseSocketAddr('198.51.100.1:65535').kind).toBe('address');
    expect(parseSocketAddr('198.51.100.1:0').kind).toBe('invalid');
    expect(parseSocketAddr('198.51.100.1:65536').kind).toBe('invalid');
    expect(parseSocketAddr('[2001:db8::1]:0').kind).toBe('invalid');
  });

  it('reads a TOS byte only when it is one, and never an inherited name', () => {
    expect(tosToDscp('184')).toBe(46);
    expect(tosToDscp('ef')).toBe(46);
    expect(tosToDscp('440')).toBeNull(); // was read as its low byte (184)
    expect(tosToDscp('constructor')).toBeNull();
    expect(tosToDscp('toString')).toBeNull();
  });
});

describe('numbers from ARI are range-checked where they enter', () => {
  it('refuses a hangup cause outside 0..127', () => {
    const channel = {
      id: 'c1',
      name: 'PJSIP/a-00000001',
      state: 'Up',
      caller: { name: '', number: '' },
      connected: { name: '', number: '' },
      dialplan: { context: 'x', exten: 's', priority: 1 },
      creationtime: '2026-01-01T00:00:00.000+0000',
      language: 'en',
    };
    const ok = translateAriEvent({ type: 'ChannelDestroyed', channel, cause: 16, cause_txt: 'Normal' });
    expect(ok.kind).toBe('event');
    const bad = translateAriEvent({ type: 'ChannelDestroyed', channel, cause: 4_000_000, cause_txt: '' });
    expect(bad.kind).toBe('malformed');
  });
});
