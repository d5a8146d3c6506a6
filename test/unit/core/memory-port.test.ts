import { describe, expect, it } from 'vitest';
import { flowKey } from '../../../src/plan/flow-spec.js';
import { planPair, type PlanOptions } from '../../../src/plan/planner.js';
import { MemoryPort } from './memory-port.js';

const opts: PlanOptions = {
  cookieTag: 0xab,
  table: 0,
  priority: 1000,
  idleTimeout: 30,
  watchIdleTimeout: 300,
  ttl: 64,
  bridgeMac: '02:00:00:00:00:01',
  uplinkPort: 1,
  vlan: null,
};
const flows = (remote: string) =>
  planPair(
    'B1',
    'forward',
    [
      {
        channelId: 'a',
        local: { address: '2001:db8:100::1', port: 10000, family: 6 },
        remote: { address: remote, port: 4000, family: 6 },
        nextHopMac: '02:00:00:00:00:aa',
        dscp: 46,
      },
      {
        channelId: 'b',
        local: { address: '2001:db8:100::1', port: 10002, family: 6 },
        remote: { address: '2001:db8:200::2', port: 5000, family: 6 },
        nextHopMac: '02:00:00:00:00:bb',
        dscp: 46,
      },
    ],
    opts,
  );

// The unit tests' switch reads flows back through the OpenFlow codec, as the agent reads a real
// switch: a key built from an address spelled otherwise than the switch prints it must not match.
describe('the in-memory switch of the unit tests', () => {
  it('reports back exactly the keys of flows written with canonical addresses', async () => {
    const port = new MemoryPort();
    const written = flows('2001:db8:200::1');
    await port.apply(written, []);
    const keys = (await port.dump(0n, 0n)).map((f) => f.key).sort();
    expect(keys).toEqual(written.map(flowKey).sort());
  });

  it('reports the switch’s spelling for an address written in another one, so its key differs', async () => {
    const port = new MemoryPort();
    const written = flows('2001:DB8:200:0:0:0:0:1');
    await port.apply(written, []);
    const keys = new Set((await port.dump(0n, 0n)).map((f) => f.key));
    const unmatched = written.map(flowKey).filter((k) => !keys.has(k));
    expect(unmatched.length).toBeGreaterThan(0);
    expect([...keys].join('\n')).toContain('2001:db8:200::1');
  });
});
