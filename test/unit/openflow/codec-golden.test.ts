import { describe, expect, it } from 'vitest';
import {
  OFPBF_ATOMIC,
  OFPFC_DELETE_STRICT,
  OFPP_IN_PORT,
  decodeMessage,
  decodePacketInHeader,
  encodeBundleAdd,
  encodeFlowMod,
  encodeMessage,
  flowModLength,
  writeBundleAddFlowMod,
  writeFlowMod,
  type FlowModFields,
} from '../../../src/openflow/codec/index.js';
import { goldenCases } from './golden-cases.js';
import { hasOfctl, hex, ofpPrint } from './hex.js';

describe('golden bytes: every message the codec encodes', () => {
  describe.each(goldenCases)('$name', ({ message, bytes, ofpPrint: printed }) => {
    it('encodes to the hand-written bytes', () => {
      expect(encodeMessage(message).toString('hex')).toBe(bytes.toString('hex'));
    });

    it('decodes the hand-written bytes back to the object', () => {
      expect(decodeMessage(bytes)).toEqual(message);
    });

    it.skipIf(!hasOfctl)('reads the same to ovs-ofctl ofp-print', () => {
      const text = ofpPrint(bytes);
      if (typeof printed === 'string') expect(text).toBe(printed);
      else for (const line of printed) expect(text).toContain(line);
    });
  });
});

const rewrite: FlowModFields = {
  cookie: 0x7270000000000001n,
  idleTimeout: 300,
  priority: 1000,
  match: [
    { type: 'IN_PORT', value: 1 },
    { type: 'ETH_TYPE', value: 0x0800 },
    { type: 'IP_PROTO', value: 17 },
    { type: 'IPV4_SRC', value: '198.51.100.10' },
    { type: 'IPV4_DST', value: '198.51.100.1' },
    { type: 'UDP_SRC', value: 4000 },
    { type: 'UDP_DST', value: 10000 },
  ],
  instructions: [{ type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: OFPP_IN_PORT }] }],
};

describe('writers into a shared batch buffer', () => {
  it('writes a flow mod at an offset exactly as the standalone encoder, touching nothing around it', () => {
    const len = flowModLength(rewrite);
    const buf = Buffer.alloc(len + 16, 0xee);
    const end = writeFlowMod(buf, 8, 42, rewrite);
    expect(end).toBe(8 + len);
    expect(buf.subarray(8, end)).toEqual(
      encodeFlowMod({
        type: 'FLOW_MOD',
        xid: 42,
        cookieMask: 0n,
        tableId: 0,
        command: 0,
        hardTimeout: 0,
        bufferId: 0xffffffff,
        outPort: 0xffffffff,
        outGroup: 0xffffffff,
        flags: 0,
        ...rewrite,
      } as Parameters<typeof encodeFlowMod>[0]),
    );
    expect(buf.subarray(0, 8)).toEqual(Buffer.alloc(8, 0xee));
    expect(buf.subarray(end)).toEqual(Buffer.alloc(8, 0xee));
  });

  it('lets the command be overridden, so one spec list serves for ADD and DELETE_STRICT', () => {
    const buf = Buffer.alloc(flowModLength(rewrite));
    writeFlowMod(buf, 0, 1, rewrite, OFPFC_DELETE_STRICT);
    expect(buf[25]).toBe(OFPFC_DELETE_STRICT);
  });

  it('defaults to NO_BUFFER, out_port and out_group ANY, table 0 and the spec default priority', () => {
    const buf = Buffer.alloc(flowModLength({}));
    writeFlowMod(buf, 0, 9, {});
    expect(buf.toString('hex')).toBe(
      hex`
        04 0e 0038 00000009   # FLOW_MOD, length 56, xid 9
        0000000000000000 0000000000000000   # cookie, cookie_mask
        00 00 0000 0000 8000  # table 0, ADD, no timeouts, priority 0x8000
        ffffffff ffffffff ffffffff   # NO_BUFFER, out_port ANY, out_group ANY
        0000 0000             # flags, pad
        0001 0004 00000000    # empty match
      `.toString('hex'),
    );
  });

  it.each([
    ['a UDP port above 65535', { match: [{ type: 'UDP_DST', value: 70_000 }] }],
    ['a negative priority', { priority: -1 }],
    ['a fractional idle timeout', { idleTimeout: 1.5 }],
    [
      'a TTL above 255',
      { instructions: [{ type: 'APPLY_ACTIONS', actions: [{ type: 'SET_NW_TTL', ttl: 256 }] }] },
    ],
    ['table 256', { tableId: 256 }],
  ] as [string, FlowModFields][])(
    'refuses %s with OF_BAD_ARGUMENT instead of truncating it',
    (_what, fields) => {
      const buf = Buffer.alloc(flowModLength(fields));
      expect(() => writeFlowMod(buf, 0, 1, fields)).toThrow(
        expect.objectContaining({ code: 'OF_BAD_ARGUMENT' }) as unknown as Error,
      );
    },
  );

  it('wraps a flow mod in a bundle add with the inner xid equal to the outer one', () => {
    const len = 24 + flowModLength(rewrite);
    const buf = Buffer.alloc(len);
    expect(writeBundleAddFlowMod(buf, 0, 77, 5, OFPBF_ATOMIC, rewrite)).toBe(len);
    const inner = Buffer.alloc(flowModLength(rewrite));
    writeFlowMod(inner, 0, 77, rewrite);
    expect(buf).toEqual(
      encodeBundleAdd({
        type: 'BUNDLE_ADD_MESSAGE',
        xid: 77,
        bundleId: 5,
        flags: OFPBF_ATOMIC,
        message: inner,
      }),
    );
    expect(inner.readUInt32BE(4)).toBe(buf.readUInt32BE(4));
  });
});

describe('PACKET_IN', () => {
  const packetIn = hex`
    04 0a 0054 00000000   # version 1.3, PACKET_IN, length 84, xid 0
    ffffffff              # buffer_id NO_BUFFER
    002a 00 00            # total_len 42, reason NO_MATCH, table 0
    0000000000000000      # cookie
    0001 000c 80000004 00000001 00000000   # match: IN_PORT 1, padded to 16
    0000                  # pad 2
    ffffffffffff 0272aabbccdd 0806   # frame: broadcast ARP from 02:72:aa:bb:cc:dd
    0001 0800 06 04 0001 0272aabbccdd c633640a 000000000000 c6336401   # who-has 198.51.100.1
  `;

  it('is decoded only far enough to be counted and dropped', () => {
    expect(decodePacketInHeader(packetIn)).toEqual({
      type: 'PACKET_IN',
      xid: 0,
      bufferId: 0xffffffff,
      totalLen: 42,
      reason: 0,
      tableId: 0,
      cookie: 0n,
      restLength: 60,
    });
    expect(decodeMessage(packetIn).type).toBe('PACKET_IN');
  });

  it.skipIf(!hasOfctl)('is a well-formed PACKET_IN to ovs-ofctl ofp-print', () => {
    expect(ofpPrint(packetIn)).toContain(
      'OFPT_PACKET_IN (OF1.3) (xid=0x0): cookie=0x0 total_len=42 in_port=1 (via no_match) data_len=42 (unbuffered)',
    );
  });
});
