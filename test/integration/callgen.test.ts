import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { CallGenerator } from '../../src/lab/callgen/index.js';
import { parseRtcp } from '../../src/lab/pbx/rtp/rtcp.js';

const sockets: dgram.Socket[] = [];
const gens: CallGenerator[] = [];

async function udp(port = 0): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(port, '127.0.0.1', () => r()));
  sockets.push(s);
  return s;
}

/** An even port with the next one free too, as RTP/RTCP pairs need. */
async function pair(): Promise<[dgram.Socket, dgram.Socket]> {
  for (;;) {
    const rtp = await udp();
    if (rtp.address().port % 2 !== 0) continue;
    try {
      return [rtp, await udp(rtp.address().port + 1)];
    } catch {
      // taken: try another
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

afterEach(() => {
  for (const g of gens.splice(0)) g.close();
  for (const s of sockets.splice(0)) {
    try {
      s.close();
    } catch {
      // closed by the generator
    }
  }
});

describe('the call generator', () => {
  it('sends 172-byte G.711 datagrams at 50 per second, sequence +1 and timestamp +160 each', async () => {
    const gen = new CallGenerator();
    gens.push(gen);
    const sink = await udp();
    const got: { len: number; seq: number; ts: number; at: number; pt: number }[] = [];
    sink.on('message', (b) =>
      got.push({
        len: b.length,
        seq: b.readUInt16BE(2),
        ts: b.readUInt32BE(4),
        pt: b[1]! & 0x7f,
        at: performance.now(),
      }),
    );
    const [rtp] = await pair();
    const ep = gen.add({
      rtp,
      target: { address: '127.0.0.1', port: sink.address().port },
      rtcpIntervalMs: 0,
    });
    gen.start();
    await sleep(1000);
    gen.stop();
    expect(got.length).toBeGreaterThanOrEqual(45);
    expect(got.length).toBeLessThanOrEqual(51);
    expect(ep.stats().sent).toBe(got.length);
    expect(got.every((g) => g.len === 172 && g.pt === 0)).toBe(true);
    for (let i = 1; i < got.length; i++) {
      expect((got[i]!.seq - got[i - 1]!.seq) & 0xffff).toBe(1);
      expect((got[i]!.ts - got[i - 1]!.ts) >>> 0).toBe(160);
    }
    // Paced, not bursty: 20 ms apart typically, and even a late timer catching up never
    // sends two packets of one stream back to back.
    const gaps = got
      .slice(1)
      .map((g, i) => g.at - got[i]!.at)
      .sort((x, y) => x - y);
    expect(gaps[Math.floor(gaps.length / 2)]).toBeGreaterThan(17);
    expect(gaps[Math.floor(gaps.length / 2)]).toBeLessThan(23);
    expect(gaps[0]).toBeGreaterThan(3);
  });

  it('spreads many streams over the 20 ms interval instead of sending them in one burst', async () => {
    const gen = new CallGenerator();
    gens.push(gen);
    const sink = await udp();
    const arrivals: number[] = [];
    sink.on('message', () => arrivals.push(performance.now()));
    for (let i = 0; i < 40; i++) {
      const [rtp] = await pair();
      gen.add({ rtp, target: { address: '127.0.0.1', port: sink.address().port }, rtcpIntervalMs: 0 });
    }
    gen.start();
    await sleep(500);
    gen.stop();
    // Count packets per millisecond bucket: 40 streams over 20 slots is ~2 per ms.
    const buckets = new Map<number, number>();
    for (const t of arrivals) buckets.set(Math.floor(t), (buckets.get(Math.floor(t)) ?? 0) + 1);
    const sorted = [...buckets.values()].sort((a, b) => b - a);
    expect(arrivals.length).toBeGreaterThan(800);
    expect(sorted[Math.floor(sorted.length * 0.05)]!).toBeLessThanOrEqual(8);
  });

  it('counts a stream between two endpoints with no loss, and RTCP SRs reach port+1 with a report block', async () => {
    const gen = new CallGenerator();
    gens.push(gen);
    const [aRtp, aRtcp] = await pair();
    const [bRtp, bRtcp] = await pair();
    const a = gen.add({
      rtp: aRtp,
      rtcp: aRtcp,
      target: { address: '127.0.0.1', port: bRtp.address().port },
      rtcpIntervalMs: 300,
    });
    const reports: ReturnType<typeof parseRtcp>[] = [];
    bRtcp.on('message', (m) => reports.push(parseRtcp(m)));
    const b = gen.add({
      rtp: bRtp,
      rtcp: bRtcp,
      target: { address: '127.0.0.1', port: aRtp.address().port },
      rtcpIntervalMs: 300,
    });
    gen.start();
    await sleep(1200);
    gen.stop();
    await sleep(50);
    const sb = b.stats();
    expect(sb.received).toBe(a.stats().sent);
    expect([sb.lost, sb.duplicated, sb.reordered]).toEqual([0, 0, 0]);
    expect(sb.sources).toEqual({ [`127.0.0.1:${aRtp.address().port}`]: sb.received });
    expect(sb.markers).toBe(1);
    const srs = reports.filter((r) => r?.type === 200);
    expect(srs.length).toBeGreaterThanOrEqual(2);
    expect(srs.at(-1)!.ssrc).toBe(a.ssrc);
    expect(srs.at(-1)!.blocks[0]?.sourceSsrc).toBe(b.ssrc);
  });

  it('keeps sequence numbers going through DTX silence and marks each talkspurt', async () => {
    const gen = new CallGenerator();
    gens.push(gen);
    const [aRtp] = await pair();
    const [bRtp] = await pair();
    const a = gen.add({
      rtp: aRtp,
      target: { address: '127.0.0.1', port: bRtp.address().port },
      dtx: { talkMs: 200, silenceMs: 200 },
      rtcpIntervalMs: 0,
    });
    const b = gen.add({
      rtp: bRtp,
      target: { address: '127.0.0.1', port: aRtp.address().port },
      sending: false,
      rtcpIntervalMs: 0,
    });
    gen.start();
    await sleep(1300);
    gen.stop();
    await sleep(50);
    const s = b.stats();
    expect(a.stats().sent).toBeLessThan(45); // about half of 65
    expect(s.received).toBe(a.stats().sent);
    expect(s.lost).toBe(0);
    expect(s.markers).toBeGreaterThanOrEqual(3);
  });

  it('counts gaps as lost, repeats as duplicated and late packets as reordered, per source', async () => {
    const gen = new CallGenerator();
    gens.push(gen);
    const [rtp] = await pair();
    const ep = gen.add({ rtp, target: { address: '127.0.0.1', port: 9 }, sending: false, rtcpIntervalMs: 0 });
    const src = await udp();
    const pkt = (seq: number, pt = 0): Buffer => {
      const b = Buffer.alloc(172);
      b[0] = 0x80;
      b[1] = pt;
      b.writeUInt16BE(seq, 2);
      b.writeUInt32BE(seq * 160, 4);
      b.writeUInt32BE(0xabcdef01, 8);
      return b;
    };
    for (const seq of [1, 2, 3, 3, 6, 5, 8]) {
      src.send(pkt(seq), rtp.address().port, '127.0.0.1');
      await sleep(2);
    }
    src.send(pkt(100, 13), rtp.address().port, '127.0.0.1'); // comfort noise stays out of the sequence
    await sleep(50);
    const s = ep.stats();
    expect(s.received).toBe(8);
    expect(s.comfortNoise).toBe(1);
    expect(s.streams['abcdef01']).toEqual({ received: 7, lost: 2, duplicated: 1, reordered: 1 });
    expect(s.sources).toEqual({ [`127.0.0.1:${src.address().port}`]: 8 });
  });
});
