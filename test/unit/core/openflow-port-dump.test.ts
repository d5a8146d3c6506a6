import { describe, expect, it } from 'vitest';
import type { FlowStatsEntry, FlowStatsFilter, OpenFlowConnection } from '../../../src/openflow/index.js';
import { OpenFlowPort } from '../../../src/switch/openflow-port.js';

/** A connection whose FLOW stats requests the test answers by hand. */
function stubConnection(): {
  conn: OpenFlowConnection;
  requests: { filter: FlowStatsFilter; answer: (e: FlowStatsEntry[]) => void; fail: (e: Error) => void }[];
} {
  const requests: {
    filter: FlowStatsFilter;
    answer: (e: FlowStatsEntry[]) => void;
    fail: (e: Error) => void;
  }[] = [];
  const conn = {
    on: () => conn,
    flowStats: (filter: FlowStatsFilter) =>
      new Promise<FlowStatsEntry[]>((answer, fail) => requests.push({ filter, answer, fail })),
  };
  return { conn: conn as unknown as OpenFlowConnection, requests };
}

const entry = (cookie: bigint): FlowStatsEntry => ({
  tableId: 0,
  durationSec: 1,
  durationNsec: 0,
  priority: 1000,
  idleTimeout: 0,
  hardTimeout: 0,
  flags: 0,
  cookie,
  packetCount: 3n,
  byteCount: 300n,
  match: [],
  instructions: [],
});

describe('flow dumps through the switch adapter', () => {
  it('coalesces dumps of the same cookie/mask asked for while one is in flight', async () => {
    const { conn, requests } = stubConnection();
    const port = new OpenFlowPort(conn);
    const a = port.dump(0xab00n, 0xff00n);
    const b = port.dump(0xab00n, 0xff00n);
    const other = port.dump(0xac00n, 0xff00n);
    expect(requests).toHaveLength(2);
    requests[0]!.answer([entry(0xab01n)]);
    requests[1]!.answer([]);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.map((f) => f.cookie)).toEqual([0xab01n]);
    expect(rb).toEqual(ra);
    expect(rb).not.toBe(ra);
    expect(await other).toEqual([]);
    // Once answered, the next dump asks the switch again.
    const later = port.dump(0xab00n, 0xff00n);
    expect(requests).toHaveLength(3);
    requests[2]!.answer([]);
    expect(await later).toEqual([]);
  });

  it('fails every sharer of a failed dump, and the next one asks afresh', async () => {
    const { conn, requests } = stubConnection();
    const port = new OpenFlowPort(conn);
    const a = port.dump(1n, 1n);
    const b = port.dump(1n, 1n);
    requests[0]!.fail(new Error('gone'));
    await expect(a).rejects.toThrow('gone');
    await expect(b).rejects.toThrow('gone');
    void port.dump(1n, 1n);
    expect(requests).toHaveLength(2);
  });
});
