import { describe, expect, it } from 'vitest';
import { SeqCounter } from '../../../src/lab/callgen/seq-counter.js';
import { RTCP_RR, RTCP_SR, buildRtcp, parseRtcp } from '../../../src/lab/pbx/rtp/rtcp.js';
import { RxStats } from '../../../src/lab/pbx/rtp/rx-stats.js';
import { formatSockaddr } from '../../../src/lab/pbx/rtp/address.js';

describe('the receive sequence counter', () => {
  const run = (seqs: number[]): SeqCounter => {
    const c = new SeqCounter();
    for (const s of seqs) c.add(s & 0xffff);
    return c;
  };

  it('counts a clean run with no loss', () => {
    const c = run([10, 11, 12, 13]);
    expect([c.unique, c.lost, c.duplicated, c.reordered]).toEqual([4, 0, 0, 0]);
  });

  it('counts a gap as lost until the missing packet arrives late', () => {
    expect(run([1, 2, 5]).lost).toBe(2);
    const late = run([1, 2, 4, 3]);
    expect([late.lost, late.reordered]).toEqual([0, 1]);
  });

  it('counts a repeated packet as duplicated, not as received twice', () => {
    const c = run([7, 8, 8, 9]);
    expect([c.received, c.unique, c.duplicated, c.lost]).toEqual([4, 3, 1, 0]);
  });

  it('crosses the 16-bit wrap without loss or duplicates', () => {
    const c = run([65533, 65534, 65535, 0, 1, 2]);
    expect([c.lost, c.duplicated, c.reordered]).toEqual([0, 0, 0]);
  });

  it('does not call a packet one full cycle later a duplicate', () => {
    const seqs = Array.from({ length: 65536 + 3 }, (_, i) => i);
    const c = run(seqs);
    expect([c.unique, c.duplicated, c.lost]).toEqual([65539, 0, 0]);
  });
});

describe('RTCP reports', () => {
  it('round-trips an SR with a report block and a CNAME', () => {
    const report = {
      type: RTCP_SR,
      ssrc: 0xdeadbeef,
      sender: {
        ntpSeconds: 3_900_000_000,
        ntpFraction: 0x80000000,
        rtpTimestamp: 1234,
        packetCount: 50,
        octetCount: 8000,
      },
      blocks: [
        {
          sourceSsrc: 1,
          fractionLost: 12,
          cumulativeLost: -3,
          highestSequence: 0x10010,
          jitter: 9,
          lsr: 77,
          dlsr: 65536,
        },
      ],
    } as const;
    const bytes = buildRtcp(report, 'phone@lab');
    expect(bytes.length % 4).toBe(0);
    expect(bytes[1]).toBe(200);
    expect(parseRtcp(bytes)).toEqual(report);
  });

  it('round-trips an RR without blocks', () => {
    const report = { type: RTCP_RR, ssrc: 5, sender: null, blocks: [] } as const;
    expect(parseRtcp(buildRtcp(report, 'x'))).toEqual(report);
  });

  it('returns null for bytes that are not RTCP', () => {
    expect(parseRtcp(Buffer.from('hello world, not rtcp'))).toBeNull();
    expect(parseRtcp(Buffer.alloc(3))).toBeNull();
  });
});

describe('reception statistics for report blocks', () => {
  it('reports the extended highest sequence, cumulative and fractional loss', () => {
    const rx = new RxStats();
    for (const s of [65534, 65535, 1, 2]) rx.update(s, 42, s * 160, s * 20);
    const block = rx.reportBlock(0);
    expect(block.sourceSsrc).toBe(42);
    expect(block.highestSequence).toBe(0x10002);
    expect(block.cumulativeLost).toBe(1);
    expect(block.fractionLost).toBe(Math.floor((1 << 8) / 5));
  });
});

describe('socket address text', () => {
  it.each([
    [{ address: '198.51.100.23', port: 40012 }, '198.51.100.23:40012'],
    [{ address: '2001:DB8:100:0:0:0:0:10', port: 5000 }, '[2001:db8:100::10]:5000'],
    [{ address: '::ffff:198.51.100.9', port: 7 }, '198.51.100.9:7'],
    [{ address: '0.0.0.0', port: 12164 }, '0.0.0.0:12164'],
    [null, '(null)'],
  ])('formats %j as %s', (addr, text) => {
    expect(formatSockaddr(addr)).toBe(text);
  });
});

describe('RTP port allocation', () => {
  it('finds a free even/odd pair in a crowded range, probing past taken ports', async () => {
    const { PortAllocator } = await import('../../../src/lab/pbx/rtp/ports.js');
    const taken = new Set<number>();
    for (let p = 10000; p < 19000; p++) taken.add(p); // 90% of the range in use
    const opened: number[] = [];
    const fake = {
      close: () => undefined,
    };
    const alloc = new PortAllocator([10000, 20000], async (_family, _address, port) => {
      if (taken.has(port)) throw new Error(`bind EADDRINUSE ${port}`);
      taken.add(port);
      opened.push(port);
      return fake as unknown as import('node:dgram').Socket;
    });
    for (let i = 0; i < 20; i++) await alloc.openPair(4, '127.0.0.1', false);
    expect(opened).toHaveLength(40);
    for (let i = 0; i < opened.length; i += 2) {
      expect(opened[i]! % 2).toBe(0);
      expect(opened[i + 1]).toBe(opened[i]! + 1);
    }
  });

  it('fails with PBX_RTP_BIND_FAILED when nothing is free', async () => {
    const { PortAllocator } = await import('../../../src/lab/pbx/rtp/ports.js');
    const alloc = new PortAllocator([10000, 10010], async () => {
      throw new Error('bind EADDRINUSE');
    });
    await expect(alloc.openPair(4, '127.0.0.1', true)).rejects.toMatchObject({ code: 'PBX_RTP_BIND_FAILED' });
  });
});
