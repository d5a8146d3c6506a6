import { afterEach, describe, expect, it } from 'vitest';
import { OFPP_IN_PORT, type FlowModFields } from '../../../src/openflow/codec/index.js';
import { OpenFlowConnection, type OpenFlowConnectionOptions } from '../../../src/openflow/index.js';
import { FakeClock, FakeSwitch, flush } from './fake-switch.js';

const connections: OpenFlowConnection[] = [];
afterEach(async () => {
  for (const c of connections.splice(0)) await c.close();
});

async function ready(
  options: Partial<OpenFlowConnectionOptions> = {},
): Promise<{ sw: FakeSwitch; conn: OpenFlowConnection }> {
  const sw = new FakeSwitch();
  const conn = new OpenFlowConnection({
    target: 'unix:/nonexistent/breth0.mgmt',
    connect: sw.connect,
    clock: new FakeClock(),
    random: () => 0.5,
    ...options,
  });
  connections.push(conn);
  await conn.connect();
  return { sw, conn };
}

function flow(i: number): FlowModFields {
  return {
    cookie: 0x7270000000000000n | BigInt(i),
    priority: 1000,
    match: [
      { type: 'IN_PORT', value: 1 },
      { type: 'ETH_TYPE', value: 0x0800 },
      { type: 'IP_PROTO', value: 17 },
      { type: 'UDP_DST', value: 10000 + i },
    ],
    instructions: [{ type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: OFPP_IN_PORT }] }],
  };
}

describe('socket backpressure', () => {
  it('hands the socket nothing more after a write returned false, until it drains', async () => {
    const { sw, conn } = await ready();
    sw.socket.full = true;
    // The first batch still goes out whole (the socket takes it and says it is full).
    const first = await conn.flowMods([flow(1), flow(2)]);
    expect(first.every((o) => o.ok)).toBe(true);
    const writes = sw.socket.written.length;
    let secondDone = false;
    const second = conn.flowMods([flow(3)]).then((o) => {
      secondDone = true;
      return o;
    });
    const barrier = conn.barrier();
    await flush();
    expect(sw.socket.written.length).toBe(writes);
    expect(secondDone).toBe(false);
    sw.socket.drain();
    expect((await second).every((o) => o.ok)).toBe(true);
    await barrier;
    // The barrier asked during the stall was queued first and goes first; the batch after it.
    const tail = sw.messages.slice(-3).map((m) => m.type);
    expect(tail).toEqual(['BARRIER_REQUEST', 'FLOW_MOD', 'BARRIER_REQUEST']);
    expect(sw.flowMods().map((m) => m.cookie & 0xffn)).toEqual([1n, 2n, 3n]);
  });

  it('drops the connection when more than the bound waits for a switch that does not read', async () => {
    const { sw, conn } = await ready({ maxQueuedBytes: 200 });
    sw.socket.full = true;
    await conn.barrier();
    const pending = Array.from({ length: 30 }, () => conn.barrier().catch((e: unknown) => e));
    const errors = await Promise.all(pending);
    expect(errors.every((e) => (e as { code?: string }).code === 'OF_DISCONNECTED')).toBe(true);
    expect(conn.status).toBe('reconnecting');
  });

  it('fails a batch waiting for room when the connection is lost, without sending it', async () => {
    const { sw, conn } = await ready();
    sw.socket.full = true;
    await conn.barrier();
    const waiting = conn.flowMods([flow(9)]);
    const before = sw.flowMods().length;
    sw.socket.hangUp();
    await expect(waiting).rejects.toMatchObject({ code: 'OF_DISCONNECTED' });
    expect(sw.flowMods().length).toBe(before);
  });
});
