import { describe, expect, it } from 'vitest';
import {
  MultipartAssembler,
  OFPMP_FLOW,
  OFPMP_PORT_DESC,
  OFPMPF_REPLY_MORE,
  readFlowStatsBody,
  readMultipart,
  writeFlowStatsBody,
  type FlowStatsEntry,
} from '../../../src/openflow/codec/index.js';
import { ProtocolError } from '../../../src/openflow/errors.js';
import { hex } from './hex.js';

function entry(i: number): FlowStatsEntry {
  return {
    tableId: 0,
    durationSec: i,
    durationNsec: 0,
    priority: 1000,
    idleTimeout: 300,
    hardTimeout: 0,
    flags: 1,
    cookie: 0x7270000000000000n | BigInt(i),
    packetCount: BigInt(i * 10),
    byteCount: BigInt(i * 2020),
    match: [
      { type: 'IN_PORT', value: 1 },
      { type: 'ETH_TYPE', value: 0x0800 },
      { type: 'IP_PROTO', value: 17 },
      { type: 'UDP_DST', value: 10000 + i },
    ],
    instructions: [{ type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: 0xfffffff8, maxLen: 0 }] }],
  };
}

describe('multipart reply reassembly', () => {
  const entries = Array.from({ length: 5 }, (_, i) => entry(i));
  const body = writeFlowStatsBody(entries);

  it('returns nothing until the part without MORE, then the joined body', () => {
    const asm = new MultipartAssembler(9, OFPMP_FLOW);
    // Cut the body at arbitrary points, even inside an entry: joining comes before decoding.
    const cuts = [0, 17, 100, 101, body.length];
    const results: (Buffer | undefined)[] = [];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const last = i + 2 === cuts.length;
      results.push(
        asm.add({
          xid: 9,
          mpType: OFPMP_FLOW,
          flags: last ? 0 : OFPMPF_REPLY_MORE,
          body: body.subarray(cuts[i], cuts[i + 1]),
        }),
      );
    }
    expect(results.slice(0, -1)).toEqual([undefined, undefined, undefined]);
    expect(readFlowStatsBody(results.at(-1)!)).toEqual(entries);
    expect(asm.parts).toBe(4);
  });

  it('copies each part, so reused read buffers cannot corrupt the reply', () => {
    const asm = new MultipartAssembler(1, OFPMP_FLOW);
    const scratch = Buffer.from(body.subarray(0, 50));
    asm.add({ xid: 1, mpType: OFPMP_FLOW, flags: OFPMPF_REPLY_MORE, body: scratch });
    scratch.fill(0);
    const whole = asm.add({ xid: 1, mpType: OFPMP_FLOW, flags: 0, body: body.subarray(50) });
    expect(whole).toEqual(body);
  });

  it('refuses a part of another xid or type, and anything after the last part', () => {
    const asm = new MultipartAssembler(1, OFPMP_FLOW);
    expect(() => asm.add({ xid: 2, mpType: OFPMP_FLOW, flags: 0, body })).toThrow(ProtocolError);
    expect(() => asm.add({ xid: 1, mpType: OFPMP_PORT_DESC, flags: 0, body })).toThrow(ProtocolError);
    asm.add({ xid: 1, mpType: OFPMP_FLOW, flags: 0, body });
    expect(() => asm.add({ xid: 1, mpType: OFPMP_FLOW, flags: 0, body })).toThrow(ProtocolError);
  });

  it('reads the MORE flag and xid from a part header', () => {
    expect(
      readMultipart(hex`
        04 13 0010 0000002a   # MULTIPART_REPLY, length 16, xid 42
        0001 0001 00000000    # type FLOW, flags REPLY_MORE, pad
      `),
    ).toMatchObject({ xid: 42, mpType: OFPMP_FLOW, flags: OFPMPF_REPLY_MORE, body: Buffer.alloc(0) });
  });

  it('reports a flow stats entry whose length overruns the body at the entry offset', () => {
    const bad = Buffer.from(body);
    bad.writeUInt16BE(0x7ff8, body.length - body.length / entries.length);
    let err: unknown;
    try {
      readFlowStatsBody(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'OF_PROTOCOL', offset: body.length - body.length / entries.length });
  });
});
