import { afterEach, describe, expect, it } from 'vitest';
import {
  OFPBF_ATOMIC,
  OFPBF_ORDERED,
  OFPBCT_COMMIT_REQUEST,
  OFPBCT_DISCARD_REQUEST,
  OFPBCT_OPEN_REQUEST,
  OFPFC_ADD,
  OFPFC_DELETE,
  OFPMP_FLOW,
  OFPMPF_REPLY_MORE,
  OFPP_IN_PORT,
  OFPTT_ALL,
  decodeFlowMod,
  encodeMessage,
  writeFlowStatsBody,
  type FlowModFields,
  type FlowRemoved,
  type FlowStatsEntry,
  type OfpMessage,
} from '../../../src/openflow/codec/index.js';
import {
  OpenFlowBatchError,
  OpenFlowConnection,
  OpenFlowError,
  type ConnectionStatus,
  type OpenFlowConnectionOptions,
} from '../../../src/openflow/index.js';
import { FakeClock, FakeSwitch, flush, refusal } from './fake-switch.js';

const connections: OpenFlowConnection[] = [];
afterEach(async () => {
  for (const c of connections.splice(0)) await c.close();
});

function setup(options: Partial<OpenFlowConnectionOptions> = {}): {
  sw: FakeSwitch;
  clock: FakeClock;
  conn: OpenFlowConnection;
  statuses: string[];
} {
  const sw = new FakeSwitch();
  const clock = new FakeClock();
  const conn = new OpenFlowConnection({
    target: 'unix:/nonexistent/breth0.mgmt',
    connect: sw.connect,
    clock,
    random: () => 0.5,
    ...options,
  });
  connections.push(conn);
  const statuses: string[] = [];
  conn.on('status', (to: ConnectionStatus, from: ConnectionStatus) => statuses.push(`${from}->${to}`));
  return { sw, clock, conn, statuses };
}

async function ready(options: Partial<OpenFlowConnectionOptions> = {}): Promise<ReturnType<typeof setup>> {
  const s = setup(options);
  await s.conn.connect();
  return s;
}

function flow(i: number): FlowModFields {
  return {
    cookie: 0x7270000000000000n | BigInt(i),
    priority: 1000,
    idleTimeout: 300,
    match: [
      { type: 'IN_PORT', value: 1 },
      { type: 'ETH_TYPE', value: 0x0800 },
      { type: 'IP_PROTO', value: 17 },
      { type: 'IPV4_SRC', value: '198.51.100.10' },
      { type: 'IPV4_DST', value: '198.51.100.1' },
      { type: 'UDP_SRC', value: 4000 + i },
      { type: 'UDP_DST', value: 10000 + i },
    ],
    instructions: [{ type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: OFPP_IN_PORT }] }],
  };
}

function types(messages: readonly OfpMessage[]): string[] {
  return messages.map((m) => m.type);
}

describe('handshake', () => {
  it('offers only 1.3, reads features and config, asks for async messages, masks PACKET_IN, then is ready', async () => {
    const { sw, conn, statuses } = setup();
    sw.fragFlags = 2;
    await conn.connect();
    expect(types(sw.messages)).toEqual([
      'HELLO',
      'FEATURES_REQUEST',
      'GET_CONFIG_REQUEST',
      'SET_CONFIG',
      'SET_ASYNC',
      'BARRIER_REQUEST',
    ]);
    expect(sw.messages[0]).toMatchObject({ version: 4, versions: [4] });
    // The frag mode is bridge-wide: written back as read.
    expect(sw.messages[3]).toMatchObject({ type: 'SET_CONFIG', flags: 2, missSendLen: 128 });
    expect(sw.messages[4]).toMatchObject({
      type: 'SET_ASYNC',
      packetInMask: [0, 0],
      portStatusMask: [7, 7],
      flowRemovedMask: [15, 0],
    });
    expect(statuses).toEqual(['idle->connecting', 'connecting->handshaking', 'handshaking->ready']);
    expect(conn.features?.datapathId).toBe(0x00005a7dd5229941n);
  });

  it('tells a switch without 1.3 HELLO_FAILED/INCOMPATIBLE and does not become ready', async () => {
    const { sw, conn } = setup();
    sw.hello = { type: 'HELLO', xid: 1, version: 6, versions: [1, 5, 6] };
    void conn.connect().catch(() => undefined);
    await flush();
    expect(sw.received[0]!.find((m) => m.type === 'ERROR')).toMatchObject({ errorType: 0, errorCode: 0 });
    expect(sw.sockets[0]!.destroyed).toBe(true);
    expect(conn.status).toBe('reconnecting');
  });

  it('gives up a handshake that stalls and retries', async () => {
    const { sw, clock, conn } = setup({ handshakeTimeoutMs: 1000 });
    sw.answerBarriers = false;
    void conn.connect().catch(() => undefined);
    await flush();
    expect(conn.status).toBe('handshaking');
    await clock.advance(1000);
    expect(conn.status).toBe('reconnecting');
    expect(sw.sockets[0]!.destroyed).toBe(true);
  });

  it('retries a refused connection with growing delays and resolves connect() once up', async () => {
    const { sw, clock, conn } = setup();
    sw.refuseConnections = 3;
    const up = conn.connect();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      await flush();
      expect(conn.status).toBe('reconnecting');
      delays.push(...clock.pendingDelays());
      await clock.advance(clock.pendingDelays()[0]!);
    }
    await up;
    expect(conn.status).toBe('ready');
    // random() = 0.5 puts the jitter at zero: the bare exponential backoff.
    expect(delays).toEqual([100, 200, 400]);
  });
});

describe('switch messages', () => {
  it('answers the switch ECHO_REQUEST with the same xid and payload', async () => {
    const { sw } = await ready();
    sw.send({ type: 'ECHO_REQUEST', xid: 0, data: Buffer.from('probe') });
    await flush();
    expect(sw.messages.at(-1)).toEqual({ type: 'ECHO_REPLY', xid: 0, data: Buffer.from('probe') });
  });

  it('emits FLOW_REMOVED and PORT_STATUS, and counts and drops PACKET_IN', async () => {
    const { sw, conn } = await ready();
    const removed: FlowRemoved[] = [];
    const ports: number[] = [];
    conn.on('flowRemoved', (m) => removed.push(m));
    conn.on('portStatus', (m) => ports.push(m.port.portNo));
    const fr: FlowRemoved = {
      type: 'FLOW_REMOVED',
      xid: 0,
      cookie: 0x7270000000000001n,
      priority: 1000,
      reason: 0,
      tableId: 0,
      durationSec: 8,
      durationNsec: 0,
      idleTimeout: 2,
      hardTimeout: 0,
      packetCount: 300n,
      byteCount: 60600n,
      match: flow(1).match!,
    };
    sw.send(fr);
    sw.socket.deliver(
      Buffer.from('040a0018000000000000000100000000000000000000000000000000', 'hex')
        .subarray(0, 24)
        .fill(0, 8),
    );
    sw.send({
      type: 'PORT_STATUS',
      xid: 0,
      reason: 2,
      port: {
        portNo: 1,
        hwAddr: '02:00:00:00:00:01',
        name: 'up',
        config: 1,
        state: 1,
        curr: 0,
        advertised: 0,
        supported: 0,
        peer: 0,
        currSpeed: 0,
        maxSpeed: 0,
      },
    });
    await flush();
    expect(removed).toEqual([fr]);
    expect(ports).toEqual([1]);
    expect(conn.stats.packetInDrained).toBe(1);
  });

  it('does not decode a FLOW_REMOVED nobody listens for (a mass delete brings one per flow)', async () => {
    const warnings: string[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (m: string) => warnings.push(m) };
    const { sw, conn } = await ready({ logger });
    // A FLOW_REMOVED too short to decode: heard, it is logged as bad; unheard, it is skipped.
    const bad = Buffer.from('040b001000000000' + '0000000000000001', 'hex');
    sw.socket.deliver(bad);
    await flush();
    expect(warnings.filter((w) => w.includes('bad message'))).toEqual([]);
    const removed: unknown[] = [];
    conn.on('flowRemoved', (m) => removed.push(m));
    sw.socket.deliver(bad);
    await flush();
    expect(warnings.filter((w) => w.includes('bad message'))).toHaveLength(1);
    expect(removed).toEqual([]);
    await conn.barrier();
  });

  it('keeps reading when a listener throws', async () => {
    const { sw, conn } = await ready();
    conn.on('flowRemoved', () => {
      throw new Error('listener bug');
    });
    const barrier = conn.barrier();
    sw.send({
      type: 'FLOW_REMOVED',
      xid: 0,
      cookie: 1n,
      priority: 1,
      reason: 2,
      tableId: 0,
      durationSec: 0,
      durationNsec: 0,
      idleTimeout: 0,
      hardTimeout: 0,
      packetCount: 0n,
      byteCount: 0n,
      match: [],
    });
    await expect(barrier).resolves.toBeUndefined();
  });

  it('logs an ERROR that matches no request without disturbing others', async () => {
    const { sw, conn } = await ready();
    sw.send(refusal({ xid: 0x7fff0000 }, 1, 1));
    await flush();
    expect(conn.stats.unsolicitedErrors).toBe(1);
    await expect(conn.barrier()).resolves.toBeUndefined();
  });
});

describe('pipelined flow mods', () => {
  it('writes the mods and one barrier in a single write, then maps ERRORs to their mods by xid', async () => {
    const { sw, conn } = await ready();
    sw.onMessage = (m) =>
      m.type === 'FLOW_MOD' && (m.cookie & 0xffn) % 2n === 1n ? [refusal(m, 4, 9)] : undefined;
    const writesBefore = sw.socket.written.length;
    const outcomes = await conn.flowMods([0, 1, 2, 3, 4].map(flow));
    expect(sw.socket.written.length - writesBefore).toBe(1);
    expect(types(sw.messages.slice(-6))).toEqual([...Array(5).fill('FLOW_MOD'), 'BARRIER_REQUEST']);
    expect(outcomes.map((o) => (o.ok ? 'ok' : `${o.error.typeName}/${o.error.codeName}`))).toEqual([
      'ok',
      'BAD_MATCH/BAD_PREREQ',
      'ok',
      'BAD_MATCH/BAD_PREREQ',
      'ok',
    ]);
    const refused = outcomes[1]!;
    expect(!refused.ok && refused.error.xid).toBe(sw.flowMods()[1]!.xid);
  });

  it('sends the specs as ADDs with their fields, on consecutive xids', async () => {
    const { sw, conn } = await ready();
    await conn.addFlows([flow(7), flow(8)]);
    const [a, b] = sw.flowMods();
    expect(a).toMatchObject({
      command: OFPFC_ADD,
      cookie: 0x7270000000000007n,
      priority: 1000,
      idleTimeout: 300,
    });
    expect(a!.match).toEqual(flow(7).match);
    expect(b!.xid).toBe(a!.xid + 1);
  });

  it('rejects addFlows with an OpenFlowBatchError naming each refused flow', async () => {
    const { sw, conn } = await ready();
    sw.onMessage = (m) =>
      m.type === 'FLOW_MOD' && m.cookie === flow(2).cookie ? [refusal(m, 5, 3)] : undefined;
    const err = (await conn.addFlows([1, 2, 3].map(flow)).catch((e: unknown) => e)) as OpenFlowBatchError;
    expect(err.code).toBe('OF_BATCH_FAILED');
    expect(err.atomic).toBe(false);
    expect(err.failures.map((f) => [f.index, f.error.codeName])).toEqual([[1, 'OVERLAP']]);
  });

  it('sends nothing when a spec cannot be encoded', async () => {
    const { sw, conn } = await ready();
    const sent = sw.messages.length;
    const bad: FlowModFields = { ...flow(1), match: [{ type: 'IPV4_SRC', value: '198.51.100.300' }] };
    await expect(conn.flowMods([flow(0), bad])).rejects.toMatchObject({ code: 'OF_BAD_ARGUMENT' });
    await flush();
    expect(sw.messages.length).toBe(sent);
  });

  it('refuses a delete that names neither cookie mask nor match unless told it is meant', async () => {
    const { sw, conn } = await ready();
    await expect(conn.deleteFlows({ cookie: 0x7270n })).rejects.toMatchObject({ code: 'OF_BAD_ARGUMENT' });
    expect(sw.flowMods()).toHaveLength(0);
    await conn.deleteFlows({ unfiltered: true });
    expect(sw.flowMods()).toMatchObject([{ command: OFPFC_DELETE, cookieMask: 0n, match: [] }]);
  });

  it('deletes by cookie mask in all tables and surfaces a refusal as OpenFlowError', async () => {
    const { sw, conn } = await ready();
    await conn.deleteFlows({ cookie: 0x7270000000000000n, cookieMask: 0xffff000000000000n });
    expect(sw.flowMods().at(-1)).toMatchObject({
      command: OFPFC_DELETE,
      cookie: 0x7270000000000000n,
      cookieMask: 0xffff000000000000n,
      tableId: OFPTT_ALL,
      match: [],
    });
    sw.onMessage = (m) => (m.type === 'FLOW_MOD' ? [refusal(m, 5, 2)] : undefined);
    const err = await conn.deleteFlows({ cookie: 1n, cookieMask: 1n, tableId: 254 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenFlowError);
    expect(err).toMatchObject({ code: 'OF_ERROR', errorType: 5, errorCode: 2, codeName: 'BAD_TABLE_ID' });
  });
});

describe('bundles', () => {
  it('opens, adds with inner xid = outer xid, fences with a barrier, then commits', async () => {
    const { sw, conn } = await ready();
    await conn.bundle([flow(1), flow(2)]);
    const msgs = sw.messages.slice(-5);
    expect(types(msgs)).toEqual([
      'BUNDLE_CONTROL',
      'BUNDLE_ADD_MESSAGE',
      'BUNDLE_ADD_MESSAGE',
      'BARRIER_REQUEST',
      'BUNDLE_CONTROL',
    ]);
    const flags = OFPBF_ATOMIC | OFPBF_ORDERED;
    expect(msgs[0]).toMatchObject({ bundleType: OFPBCT_OPEN_REQUEST, flags });
    expect(msgs[4]).toMatchObject({ bundleType: OFPBCT_COMMIT_REQUEST, flags });
    for (const add of msgs.slice(1, 3)) {
      if (add.type !== 'BUNDLE_ADD_MESSAGE') throw new Error('not an add');
      expect(add.flags).toBe(flags);
      expect(decodeFlowMod(add.message).xid).toBe(add.xid);
    }
  });

  it('discards instead of committing when the switch refuses an add, so nothing applies', async () => {
    const { sw, conn } = await ready();
    sw.onMessage = (m) =>
      m.type === 'BUNDLE_ADD_MESSAGE' && decodeFlowMod(m.message).cookie === flow(2).cookie
        ? [refusal(m, 4, 10)]
        : undefined;
    const err = (await conn
      .bundle([flow(1), flow(2), flow(3)])
      .catch((e: unknown) => e)) as OpenFlowBatchError;
    expect(err.code).toBe('OF_BATCH_FAILED');
    expect(err.atomic).toBe(true);
    expect(err.failures.map((f) => [f.index, f.error.codeName])).toEqual([[1, 'DUP_FIELD']]);
    const controls = sw.messages
      .filter((m) => m.type === 'BUNDLE_CONTROL')
      .map((m) => m.type === 'BUNDLE_CONTROL' && m.bundleType);
    expect(controls).toEqual([OFPBCT_OPEN_REQUEST, OFPBCT_DISCARD_REQUEST]);
  });

  it('reports a failed commit with the failing add and MSG_FAILED', async () => {
    const { sw, conn } = await ready();
    let addXid = 0;
    sw.onMessage = (m) => {
      if (m.type === 'BUNDLE_ADD_MESSAGE' && decodeFlowMod(m.message).cookie === flow(2).cookie)
        addXid = m.xid;
      if (m.type === 'BUNDLE_CONTROL' && m.bundleType === OFPBCT_COMMIT_REQUEST) {
        return [refusal({ xid: addXid }, 5, 3), refusal(m, 0xffff, 2313, 0x4f4e4600)];
      }
      return undefined;
    };
    const err = (await conn.bundle([flow(1), flow(2)]).catch((e: unknown) => e)) as OpenFlowBatchError;
    expect(err.code).toBe('OF_BATCH_FAILED');
    expect(err.commitError).toMatchObject({ typeName: 'EXPERIMENTER', codeName: 'MSG_FAILED' });
    expect(err.failures.map((f) => [f.index, f.error.codeName])).toEqual([[1, 'OVERLAP']]);
  });
});

describe('multipart replies', () => {
  const entry = (i: number): FlowStatsEntry => ({
    tableId: 0,
    durationSec: i,
    durationNsec: 0,
    priority: 1000,
    idleTimeout: 300,
    hardTimeout: 0,
    flags: 1,
    cookie: BigInt(i),
    packetCount: BigInt(i),
    byteCount: BigInt(i * 202),
    match: flow(i).match!,
    instructions: [{ type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: OFPP_IN_PORT, maxLen: 0 }] }],
  });

  it('joins FLOW stats parts until the one without MORE', async () => {
    const { sw, conn } = await ready();
    const entries = [0, 1, 2, 3, 4].map(entry);
    const body = writeFlowStatsBody(entries);
    sw.onMessage = (m) =>
      m.type === 'FLOW_STATS_REQUEST'
        ? [
            {
              type: 'MULTIPART_REPLY',
              xid: m.xid,
              mpType: OFPMP_FLOW,
              flags: OFPMPF_REPLY_MORE,
              body: body.subarray(0, 77),
            },
            {
              type: 'MULTIPART_REPLY',
              xid: m.xid,
              mpType: OFPMP_FLOW,
              flags: OFPMPF_REPLY_MORE,
              body: body.subarray(77, 300),
            },
            { type: 'MULTIPART_REPLY', xid: m.xid, mpType: OFPMP_FLOW, flags: 0, body: body.subarray(300) },
          ]
        : undefined;
    expect(await conn.flowStats({ cookie: 0n, cookieMask: 0n })).toEqual(entries);
  });

  it('matches replies to requests by xid whatever order they come in', async () => {
    const { sw, conn } = await ready();
    const held: OfpMessage[] = [];
    sw.onMessage = (m) => {
      if (m.type === 'FLOW_STATS_REQUEST' || m.type === 'AGGREGATE_STATS_REQUEST') {
        held.push(m);
        return [];
      }
      return undefined;
    };
    const flows = conn.flowStats();
    const agg = conn.aggregateStats();
    await flush();
    const [f, a] = held;
    sw.send({
      type: 'AGGREGATE_STATS_REPLY',
      xid: a!.xid,
      flags: 0,
      stats: { packetCount: 5n, byteCount: 6n, flowCount: 7 },
    });
    sw.send({ type: 'FLOW_STATS_REPLY', xid: f!.xid, flags: 0, entries: [entry(9)] });
    expect(await agg).toEqual({ packetCount: 5n, byteCount: 6n, flowCount: 7 });
    expect(await flows).toEqual([entry(9)]);
  });

  it('rejects a request the switch refuses, with its OpenFlowError', async () => {
    const { sw, conn } = await ready();
    sw.onMessage = (m) => (m.type === 'PORT_DESC_REQUEST' ? [refusal(m, 1, 2)] : undefined);
    await expect(conn.portDesc()).rejects.toMatchObject({
      code: 'OF_ERROR',
      typeName: 'BAD_REQUEST',
      codeName: 'BAD_MULTIPART',
    });
  });
});

describe('liveness, loss and reconnection', () => {
  it('probes a silent switch with ECHO_REQUEST and declares it dead after the bound', async () => {
    const { sw, clock, conn } = await ready({ echoIntervalMs: 1000, deadAfterMs: 3000 });
    sw.answerEchoes = false;
    await clock.advance(1000);
    expect(sw.messages.at(-1)?.type).toBe('ECHO_REQUEST');
    await clock.advance(1000);
    expect(conn.status).toBe('ready');
    await clock.advance(1000);
    expect(conn.status).toBe('reconnecting');
    expect(sw.sockets[0]!.destroyed).toBe(true);
  });

  it('stays up while the switch answers its probes', async () => {
    const { clock, conn } = await ready({ echoIntervalMs: 1000, deadAfterMs: 3000 });
    await clock.advance(20_000);
    expect(conn.status).toBe('ready');
    expect(conn.stats.readyCount).toBe(1);
  });

  it('rejects pending requests with OF_DISCONNECTED when the switch goes away', async () => {
    const { sw, conn } = await ready();
    sw.answerBarriers = false;
    const pending = conn.flowMods([flow(1)]);
    await flush();
    sw.socket.hangUp();
    await expect(pending).rejects.toMatchObject({ code: 'OF_DISCONNECTED' });
  });

  it('reconnects by itself, reports it, and ignores anything from the old socket', async () => {
    const { sw, clock, conn, statuses } = await ready();
    const reconnected: number[] = [];
    const removed: bigint[] = [];
    conn.on('reconnected', (info) => reconnected.push(info.attempts));
    conn.on('flowRemoved', (m) => removed.push(m.cookie));
    const old = sw.socket;
    old.hangUp();
    await flush();
    expect(conn.status).toBe('reconnecting');
    await expect(conn.barrier()).rejects.toMatchObject({ code: 'OF_DISCONNECTED' });
    await clock.advance(100);
    expect(conn.status).toBe('ready');
    expect(reconnected).toEqual([1]);
    expect(statuses.slice(3)).toEqual([
      'ready->reconnecting',
      'reconnecting->connecting',
      'connecting->handshaking',
      'handshaking->ready',
    ]);
    // A late message on the dead socket must not count.
    old.destroyed = false;
    old.deliver(
      encodeMessage({
        type: 'FLOW_REMOVED',
        xid: 0,
        cookie: 9n,
        priority: 1,
        reason: 2,
        tableId: 0,
        durationSec: 0,
        durationNsec: 0,
        idleTimeout: 0,
        hardTimeout: 0,
        packetCount: 0n,
        byteCount: 0n,
        match: [],
      }),
    );
    old.emit('close');
    await flush();
    expect(removed).toEqual([]);
    expect(conn.status).toBe('ready');
    await expect(conn.barrier()).resolves.toBeUndefined();
  });

  it('drops the connection on bytes that cannot be framed, then reconnects', async () => {
    const { sw, clock, conn } = await ready();
    sw.socket.deliver(Buffer.from('0400000400000001', 'hex'));
    await flush();
    expect(conn.status).toBe('reconnecting');
    await clock.advance(100);
    expect(conn.status).toBe('ready');
  });

  it('times out a request the switch never answers with OF_TIMEOUT', async () => {
    const { sw, clock, conn } = await ready({
      requestTimeoutMs: 500,
      echoIntervalMs: 60_000,
      deadAfterMs: 120_000,
    });
    sw.answerBarriers = false;
    const barrier = conn.barrier();
    const settled = expect(barrier).rejects.toMatchObject({ code: 'OF_TIMEOUT', timeoutMs: 500 });
    await clock.advance(500);
    await settled;
  });

  it('after close(): pending requests fail, no reconnection, connect() and requests refuse', async () => {
    const { sw, clock, conn, statuses } = await ready();
    sw.answerBarriers = false;
    const pending = conn.barrier();
    await conn.close();
    await expect(pending).rejects.toMatchObject({ code: 'OF_DISCONNECTED' });
    await clock.advance(60_000);
    expect(sw.sockets).toHaveLength(1);
    expect(statuses.at(-1)).toBe('ready->closed');
    await expect(conn.connect()).rejects.toMatchObject({ code: 'OF_DISCONNECTED' });
    await expect(conn.barrier()).rejects.toMatchObject({ code: 'OF_DISCONNECTED' });
  });

  it('with reconnect disabled, ends closed and fails connect() when the first attempt fails', async () => {
    const { sw, conn } = setup({ reconnect: false });
    sw.refuseConnections = 1;
    await expect(conn.connect()).rejects.toMatchObject({ code: 'OF_DISCONNECTED' });
    expect(conn.status).toBe('closed');
  });
});
