import { describe, expect, it } from 'vitest';
import { OfpFramer } from '../../../src/openflow/codec/index.js';
import { ProtocolError } from '../../../src/openflow/errors.js';
import { goldenCases } from './golden-cases.js';

const messages = goldenCases.map((c) => c.bytes);
const stream = Buffer.concat(messages);

function frame(chunks: Buffer[]): Buffer[] {
  const framer = new OfpFramer();
  const out: Buffer[] = [];
  for (const chunk of chunks) framer.push(chunk, (m) => out.push(Buffer.from(m)));
  if (framer.pendingBytes !== 0) throw new Error(`${framer.pendingBytes} bytes left over`);
  return out;
}

describe('the OpenFlow framer', () => {
  it('splits a stream fed in one chunk into its messages', () => {
    expect(frame([stream])).toEqual(messages);
  });

  it('reassembles messages fed one byte at a time', () => {
    const bytes = [...stream].map((b) => Buffer.from([b]));
    expect(frame(bytes)).toEqual(messages);
  });

  it('yields the same messages whatever single boundary the stream is split at', () => {
    const want = messages.map((m) => m.toString('hex')).join(' ');
    const wrong: number[] = [];
    for (let cut = 0; cut <= stream.length; cut++) {
      const got = frame([stream.subarray(0, cut), stream.subarray(cut)]);
      if (got.map((m) => m.toString('hex')).join(' ') !== want) wrong.push(cut);
    }
    expect(wrong).toEqual([]);
  });

  it('joins a message spread over many reads with its header split across two of them', () => {
    const big = messages.find((m) => m.length > 200)!;
    const chunks = [big.subarray(0, 3), big.subarray(3, 9), big.subarray(9, 100), big.subarray(100)];
    expect(frame(chunks)).toEqual([big]);
  });

  it('holds back an incomplete message until its last byte arrives', () => {
    const framer = new OfpFramer();
    const out: Buffer[] = [];
    const first = messages[0]!;
    framer.push(first.subarray(0, first.length - 1), (m) => out.push(m));
    expect(out).toHaveLength(0);
    expect(framer.pendingBytes).toBe(first.length - 1);
    framer.push(first.subarray(first.length - 1), (m) => out.push(m));
    expect(out).toEqual([first]);
  });

  it('rejects a length below the header size with the offset of the length field in the stream', () => {
    const framer = new OfpFramer();
    const bad = Buffer.concat([messages[0]!, Buffer.from([0x04, 0x00, 0x00, 0x04, 0, 0, 0, 1])]);
    const seen: Buffer[] = [];
    let error: unknown;
    try {
      framer.push(bad, (m) => seen.push(m));
    } catch (err) {
      error = err;
    }
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('OF_PROTOCOL');
    expect((error as ProtocolError).offset).toBe(messages[0]!.length + 2);
    // The stream cannot be resynchronised: later input is refused too.
    expect(() => framer.push(messages[0]!, () => undefined)).toThrow(ProtocolError);
  });
});
