import { describe, expect, it } from 'vitest';
import {
  OfpFramer,
  decodeMessage,
  encodeMessage,
  type Action,
  type FlowMod,
  type OxmField,
} from '../../../src/openflow/codec/index.js';
import { OpenFlowClientError } from '../../../src/openflow/errors.js';
import { goldenCases } from './golden-cases.js';
import { prng } from './hex.js';

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;
const ipv4 = (r: Rand): string => [0, 0, 0, 0].map(() => int(r, 256)).join('.');
const mac = (r: Rand): string =>
  Array.from({ length: 6 }, () => int(r, 256).toString(16).padStart(2, '0')).join(':');
const ipv6 = (r: Rand): string =>
  pick(r, [
    '2001:db8:100::1',
    '::',
    'fe80::1:2',
    '2001:db8:0:1:1:1:1:1',
    `2001:db8::${int(r, 0xffff).toString(16)}`,
  ]);

function field(r: Rand): OxmField {
  switch (int(r, 9)) {
    case 0:
      return { type: 'IN_PORT', value: int(r, 0xffff) };
    case 1:
      return { type: 'ETH_TYPE', value: pick(r, [0x0800, 0x86dd]) };
    case 2:
      return { type: 'IP_PROTO', value: pick(r, [6, 17]) };
    case 3:
      return r() < 0.5
        ? { type: 'IPV4_SRC', value: ipv4(r) }
        : { type: 'IPV4_DST', value: ipv4(r), mask: '255.255.0.0' };
    case 4:
      return { type: pick(r, ['UDP_SRC', 'UDP_DST', 'TCP_SRC'] as const), value: int(r, 65536) };
    case 5:
      return { type: pick(r, ['ETH_SRC', 'ETH_DST'] as const), value: mac(r) };
    case 6:
      return { type: pick(r, ['IPV6_SRC', 'IPV6_DST'] as const), value: ipv6(r) };
    case 7:
      return { type: 'METADATA', value: BigInt(int(r, 1e9)), mask: 0xffffffffn };
    default:
      // An OVS extension field (NXM_NX_REG0, class 0x0001) as other controllers' flows carry.
      return {
        type: 'RAW',
        oxmClass: 0x0001,
        field: 0,
        hasMask: false,
        payload: Buffer.from([0, 0, 0, int(r, 256)]),
      };
  }
}

function action(r: Rand): Action {
  switch (int(r, 5)) {
    case 0:
      return { type: 'OUTPUT', port: pick(r, [1, 0xfffffff8, 0xfffffffa]), maxLen: 0 };
    case 1:
      return { type: 'SET_FIELD', field: field(r) };
    case 2:
      return { type: 'SET_NW_TTL', ttl: int(r, 256) };
    case 3:
      return { type: 'DEC_NW_TTL' };
    default:
      return {
        type: 'RAW',
        actionType: 0xffff,
        body: Buffer.from([0, 0, 0x23, 0x20, 0, 0x22, 0, 0, 0, 0, 0, 0]),
      };
  }
}

function flowMod(r: Rand): FlowMod {
  return {
    type: 'FLOW_MOD',
    xid: int(r, 2 ** 32),
    cookie: BigInt(int(r, 2 ** 32)) << 16n,
    cookieMask: r() < 0.5 ? 0n : 0xffff000000000000n,
    tableId: int(r, 254),
    command: int(r, 5),
    idleTimeout: int(r, 65536),
    hardTimeout: int(r, 65536),
    priority: int(r, 65536),
    bufferId: 0xffffffff,
    outPort: 0xffffffff,
    outGroup: 0xffffffff,
    flags: int(r, 32),
    match: Array.from({ length: int(r, 8) }, () => field(r)),
    instructions:
      r() < 0.2
        ? []
        : [{ type: 'APPLY_ACTIONS', actions: Array.from({ length: int(r, 10) }, () => action(r)) }],
  };
}

describe('round trips', () => {
  it('decodes 2,000 random flow mods back to what was encoded', () => {
    const r = prng(0x0f13);
    for (let i = 0; i < 2000; i++) {
      const m = flowMod(r);
      expect(decodeMessage(encodeMessage(m))).toEqual(m);
    }
  });

  it('re-encodes every decoded golden message to the same bytes', () => {
    for (const c of goldenCases) {
      const decoded = decodeMessage(c.bytes);
      if (decoded.type === 'PACKET_IN') continue;
      expect(encodeMessage(decoded).toString('hex')).toBe(c.bytes.toString('hex'));
    }
  });
});

/** Decoding may fail only with a typed ProtocolError, never with a crash (RangeError, TypeError…). */
function decodeOrProtocolError(buf: Buffer): 'ok' | 'protocol' {
  try {
    decodeMessage(buf);
    return 'ok';
  } catch (err) {
    if (err instanceof OpenFlowClientError && err.code === 'OF_PROTOCOL') return 'protocol';
    throw err;
  }
}

describe('bad bytes give typed errors, never a crash', () => {
  it('survives 20,000 random messages with a consistent header', () => {
    const r = prng(1);
    const outcomes = { ok: 0, protocol: 0 };
    for (let i = 0; i < 20000; i++) {
      const len = 8 + int(r, 120);
      const buf = Buffer.from(Array.from({ length: len }, () => int(r, 256)));
      buf[0] = r() < 0.9 ? 4 : buf[0]!;
      buf[1] = int(r, 30);
      buf.writeUInt16BE(len, 2);
      outcomes[decodeOrProtocolError(buf)]++;
    }
    expect(outcomes.protocol).toBeGreaterThan(0);
    expect(outcomes.ok).toBeGreaterThan(0);
  });

  it('survives every golden message with random bytes flipped or cut short', () => {
    const r = prng(2);
    for (let round = 0; round < 300; round++) {
      for (const { bytes } of goldenCases) {
        const buf = Buffer.from(bytes);
        const flips = 1 + int(r, 4);
        for (let f = 0; f < flips; f++) buf[8 + int(r, buf.length - 8)] = int(r, 256);
        const cut = r() < 0.3 ? buf.subarray(0, 8 + int(r, buf.length - 8)) : buf;
        cut.writeUInt16BE(cut.length, 2);
        decodeOrProtocolError(cut);
      }
    }
  });

  it('refuses a header whose length disagrees with the bytes at offset 2', () => {
    const buf = Buffer.from(goldenCases[0]!.bytes);
    buf.writeUInt16BE(buf.length + 1, 2);
    expect(() => decodeMessage(buf)).toThrow(
      expect.objectContaining({ code: 'OF_PROTOCOL', offset: 2 }) as unknown as Error,
    );
  });

  it('frames a random byte stream into messages or stops with a ProtocolError', () => {
    const r = prng(3);
    for (let run = 0; run < 200; run++) {
      const framer = new OfpFramer();
      const stream = Buffer.from(Array.from({ length: 2000 }, () => int(r, 256)));
      try {
        for (let off = 0; off < stream.length;) {
          const n = 1 + int(r, 64);
          framer.push(stream.subarray(off, off + n), (m) => decodeOrProtocolError(m));
          off += n;
        }
      } catch (err) {
        expect(err).toMatchObject({ code: 'OF_PROTOCOL' });
      }
    }
  });
});
