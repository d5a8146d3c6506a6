import { describe, expect, it } from 'vitest';
import {
  MultipartAssembler,
  OFPMPF_REPLY_MORE,
  OFPMP_FLOW,
  OfpFramer,
} from '../../../src/openflow/codec/index.js';
import { ProtocolError, decodeMessage } from '../../../src/openflow/index.js';
import { goldenCases } from './golden-cases.js';
import { prng } from './hex.js';

const SEED = 0x5eed_0f13;

/** Decoded, or a ProtocolError whose offset lies inside the input; anything else fails the test. */
function totalDecode(buf: Buffer): 'ok' | 'protocol' {
  try {
    decodeMessage(buf);
    return 'ok';
  } catch (err) {
    if (!(err instanceof ProtocolError))
      throw new Error(`not a ProtocolError for ${buf.toString('hex')}`, { cause: err });
    expect(Number.isInteger(err.offset) && err.offset >= 0 && err.offset <= buf.length).toBe(true);
    return 'protocol';
  }
}

describe(`the decoder is total (seed ${SEED.toString(16)})`, () => {
  it('decodes or refuses with a located ProtocolError 50,000 buffers of random bytes of any length', () => {
    const r = prng(SEED);
    const outcomes = { ok: 0, protocol: 0 };
    for (let i = 0; i < 50_000; i++) {
      const len = Math.floor(r() * (r() < 0.9 ? 96 : 1500));
      const buf = Buffer.from(Array.from({ length: len }, () => Math.floor(r() * 256)));
      // Mostly plausible headers, so the decoders behind the header are reached.
      if (len >= 4 && r() < 0.8) buf.writeUInt16BE(len, 2);
      if (len >= 1 && r() < 0.8) buf[0] = 4;
      if (len >= 2 && r() < 0.8) buf[1] = Math.floor(r() * 32);
      outcomes[totalDecode(buf)]++;
    }
    expect(outcomes.ok).toBeGreaterThan(100);
    expect(outcomes.protocol).toBeGreaterThan(100);
  });

  it('survives golden messages with their header and body bytes mutated, grown and cut', () => {
    const r = prng(SEED + 1);
    for (let round = 0; round < 1000; round++) {
      for (const { bytes } of goldenCases) {
        let buf = Buffer.from(bytes);
        const flips = 1 + Math.floor(r() * 6);
        for (let f = 0; f < flips; f++) buf[Math.floor(r() * buf.length)] = Math.floor(r() * 256);
        if (r() < 0.2)
          buf = Buffer.concat([
            buf,
            Buffer.from(Array.from({ length: 1 + Math.floor(r() * 40) }, () => Math.floor(r() * 256))),
          ]);
        if (r() < 0.3) buf = buf.subarray(0, Math.floor(r() * buf.length));
        if (buf.length >= 4 && r() < 0.7) buf.writeUInt16BE(buf.length, 2);
        totalDecode(buf);
      }
    }
  });

  it('never allocates for a length field beyond the bytes given: 64 KiB claims in short messages', () => {
    const r = prng(SEED + 2);
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 5000; i++) {
      const len = 8 + Math.floor(r() * 64);
      const buf = Buffer.alloc(len, 0xff);
      buf[0] = 4;
      buf[1] = Math.floor(r() * 32);
      buf.writeUInt16BE(len, 2);
      totalDecode(buf);
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('bounds a multipart reply whose parts never end', () => {
    const asm = new MultipartAssembler(7, OFPMP_FLOW, 1 << 20);
    const part = { xid: 7, mpType: OFPMP_FLOW, flags: OFPMPF_REPLY_MORE, body: Buffer.alloc(60_000) };
    let err: unknown;
    try {
      for (let i = 0; i < 100; i++) asm.add(part);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProtocolError);
    expect(asm.parts).toBeLessThanOrEqual(18);
  });

  it('frames and decodes a random stream chunked at random, or stops with a ProtocolError', () => {
    const r = prng(SEED + 3);
    for (let run = 0; run < 300; run++) {
      const framer = new OfpFramer();
      const stream = Buffer.from(Array.from({ length: 4000 }, () => Math.floor(r() * 256)));
      try {
        for (let off = 0; off < stream.length;) {
          const n = 1 + Math.floor(r() * 200);
          framer.push(stream.subarray(off, off + n), (m) => void totalDecode(m));
          off += n;
        }
      } catch (err) {
        expect(err).toBeInstanceOf(ProtocolError);
      }
    }
  });
});
