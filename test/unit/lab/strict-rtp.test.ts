import { describe, expect, it } from 'vitest';
import { StrictRtp } from '../../../src/lab/pbx/rtp/strict-rtp.js';

const SDP = { address: '198.51.100.10', port: 20000 };
const LEARN = 5000;

/** Feeds `n` sequential packets from one source; returns the verdicts. */
function feed(s: StrictRtp, port: number, seq0: number, n: number, now: number): string[] {
  return Array.from({ length: n }, (_, i) => s.accept('198.51.100.10', port, (seq0 + i) & 0xffff, SDP, now));
}

describe('StrictRtp (res_rtp_asterisk strict RTP, Asterisk 22)', () => {
  it('takes the SDP target at once and another source after 4 packets of probation', () => {
    const s = new StrictRtp({ enabled: true, learnMs: LEARN }, 0);
    expect(feed(s, 20000, 1, 2, 10)).toEqual(['take', 'take']);
    const t = new StrictRtp({ enabled: true, learnMs: LEARN }, 0);
    expect(feed(t, 20010, 1, 6, 10)).toEqual(['drop', 'drop', 'drop', 'drop', 'switched', 'take']);
  });

  it('restarts probation on a sequence gap', () => {
    const s = new StrictRtp({ enabled: true, learnMs: LEARN }, 0);
    expect(feed(s, 20010, 1, 3, 10)).toEqual(['drop', 'drop', 'drop']);
    expect(feed(s, 20010, 100, 5, 10)).toEqual(['drop', 'drop', 'drop', 'drop', 'switched']);
  });

  it('closes after the learning window: a new source is dropped for good', () => {
    const s = new StrictRtp({ enabled: true, learnMs: LEARN }, 0);
    feed(s, 20000, 1, 1, 10);
    expect(s.learning).toBe(true);
    expect(feed(s, 20000, 2, 1, LEARN + 11)).toEqual(['take']);
    expect(s.learning).toBe(false);
    expect(feed(s, 20002, 1, 20, LEARN + 20).every((v) => v === 'drop')).toBe(true);
  });

  it('re-opens learning when the remote changes to another address, not to the accepted one', () => {
    const s = new StrictRtp({ enabled: true, learnMs: LEARN }, 0);
    feed(s, 20000, 1, 1, 10);
    feed(s, 20000, 2, 1, LEARN + 11);
    s.remoteChanged(SDP, LEARN + 20);
    expect(s.learning).toBe(false);
    s.remoteChanged({ address: SDP.address, port: 20002 }, LEARN + 30);
    expect(s.learning).toBe(true);
    // The accepted source is still taken while learning (the phone kept its port).
    expect(feed(s, 20000, 3, 1, LEARN + 40)).toEqual(['take']);
  });

  it('with strictrtp=no takes everything', () => {
    const s = new StrictRtp({ enabled: false, learnMs: LEARN }, 0);
    expect(feed(s, 20010, 1, 2, 10)).toEqual(['take', 'take']);
    expect(s.learning).toBe(false);
  });
});
