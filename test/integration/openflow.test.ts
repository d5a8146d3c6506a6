import { spawn, type ChildProcess } from 'node:child_process';
import type dgram from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Testbed } from '../../src/lab/testbed/index.js';
import {
  OFPFF_CHECK_OVERLAP,
  OFPFF_SEND_FLOW_REM,
  OFPP_CONTROLLER,
  OFPP_IN_PORT,
  OFPP_LOCAL,
  OFPRR_IDLE_TIMEOUT,
  OpenFlowBatchError,
  OpenFlowConnection,
  type FlowModFields,
  type FlowRemoved,
  type Match,
} from '../../src/openflow/index.js';

/** Test flows carry this cookie tag, so teardown can remove exactly them. */
const TAG = 0x7e57n << 48n;
const TAG_MASK = 0xffffn << 48n;
const DSCP_EF = 46;
const FRESH_TTL = 64;
/** A typical 20 ms G.711 RTP packet: 12-byte header + 160 bytes of audio. */
const RTP_BYTES = 172;
/** What the switch counts per packet: Ethernet 14 + IPv4 20 + UDP 8, no FCS. */
const FRAME_V4 = RTP_BYTES + 42;

interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

type Family = 4 | 6;

/** One leg of a bridged call: packets from `remote` to `local` leave toward `peer` from `relay`. */
function rewriteFlow(
  bed: Testbed,
  family: Family,
  cookie: bigint,
  remote: Endpoint,
  local: Endpoint,
  relay: Endpoint,
  peer: Endpoint,
  extra: Partial<FlowModFields> = {},
): FlowModFields {
  const v6 = family === 6;
  const match: Match = [
    { type: 'IN_PORT', value: bed.uplink.ofport },
    { type: 'ETH_TYPE', value: v6 ? 0x86dd : 0x0800 },
    { type: 'IP_PROTO', value: 17 },
    v6 ? { type: 'IPV6_SRC', value: remote.ip } : { type: 'IPV4_SRC', value: remote.ip },
    v6 ? { type: 'IPV6_DST', value: local.ip } : { type: 'IPV4_DST', value: local.ip },
    { type: 'UDP_SRC', value: remote.port },
    { type: 'UDP_DST', value: local.port },
  ];
  return {
    cookie,
    priority: 1000,
    idleTimeout: 300,
    flags: OFPFF_SEND_FLOW_REM,
    match,
    instructions: [
      {
        type: 'APPLY_ACTIONS',
        actions: [
          { type: 'SET_FIELD', field: { type: 'ETH_SRC', value: bed.pbx.mac } },
          { type: 'SET_FIELD', field: { type: 'ETH_DST', value: bed.far.mac } },
          {
            type: 'SET_FIELD',
            field: v6 ? { type: 'IPV6_SRC', value: relay.ip } : { type: 'IPV4_SRC', value: relay.ip },
          },
          {
            type: 'SET_FIELD',
            field: v6 ? { type: 'IPV6_DST', value: peer.ip } : { type: 'IPV4_DST', value: peer.ip },
          },
          { type: 'SET_FIELD', field: { type: 'UDP_SRC', value: relay.port } },
          { type: 'SET_FIELD', field: { type: 'UDP_DST', value: peer.port } },
          { type: 'SET_FIELD', field: { type: 'IP_DSCP', value: DSCP_EF } },
          { type: 'SET_NW_TTL', ttl: FRESH_TTL },
          // A switch never sends a packet back out its input port unless told IN_PORT (1.3.5 §4.5).
          { type: 'OUTPUT', port: OFPP_IN_PORT },
        ],
      },
    ],
    ...extra,
  };
}

interface Received {
  readonly address: string;
  readonly port: number;
}

function collect(sock: dgram.Socket): Received[] {
  const got: Received[] = [];
  sock.on('message', (_data, rinfo) => got.push({ address: rinfo.address, port: rinfo.port }));
  return got;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Paced like a phone: one packet per 20 ms (bursts overflow the netdev datapath's AF_PACKET buffer). */
async function sendPaced(from: dgram.Socket, to: Endpoint, count: number): Promise<void> {
  const payload = Buffer.alloc(RTP_BYTES, 0x80);
  for (let i = 0; i < count; i++) {
    from.send(payload, to.port, to.ip);
    await sleep(20);
  }
}

/**
 * Resolves the far host's neighbour entry for the PBX address before anything is counted, with
 * sockets on other ports: datagrams queued behind resolution are released together, and a
 * straggler must not match a test flow.
 */
async function warmUp(bed: Testbed, family: Family, farIp: string, pbxIp: string): Promise<void> {
  const type = family === 4 ? 'udp4' : 'udp6';
  const from = await bed.udpSocket('far', type, farIp, 0);
  const to = await bed.udpSocket('pbx', type, pbxIp, 0);
  try {
    const got = collect(to);
    await until(`a first datagram from ${farIp} to ${pbxIp}`, async () => {
      from.send(Buffer.from('warm-up'), to.address().port, pbxIp);
      await sleep(50);
      return got.length > 0;
    });
  } finally {
    from.close();
    to.close();
  }
}

/** tcpdump in a namespace, printing each IP header (-v) as packets arrive (-l). */
class Capture {
  private readonly lines: string[] = [];
  private readonly proc: ChildProcess;
  private listening: Promise<void>;

  constructor(ns: string, iface: string, filter: string) {
    this.proc = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-i', iface, '-nn', '-t', '-v', '-l', filter], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    this.proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const parts = out.split('\n');
      out = parts.pop()!;
      this.lines.push(...parts);
    });
    this.listening = new Promise((resolve, reject) => {
      this.proc.stderr!.on('data', (d: Buffer) => {
        if (d.toString().includes('listening on')) resolve();
      });
      this.proc.once('exit', (code) => reject(new Error(`tcpdump exited with ${code}`)));
    });
  }

  ready(): Promise<void> {
    return this.listening;
  }

  /** Header lines: `IP (tos 0xb8, ttl 64, …` or `IP6 (class 0xb8, hlim 64, …`. */
  headers(): string[] {
    return this.lines.filter((l) => l.startsWith('IP'));
  }

  stop(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
  }
}

describe('the OpenFlow client against Open vSwitch 3.1', () => {
  let bed: Testbed;
  let conn: OpenFlowConnection;
  const sockets: dgram.Socket[] = [];
  const captures: Capture[] = [];

  async function udp(role: 'pbx' | 'far', family: Family, ip: string, port: number): Promise<dgram.Socket> {
    const s = await bed.udpSocket(role, family === 4 ? 'udp4' : 'udp6', ip, port);
    sockets.push(s);
    return s;
  }

  async function testFlows(): Promise<bigint[]> {
    const entries = await conn.flowStats({ cookie: TAG, cookieMask: TAG_MASK });
    return entries.map((e) => e.cookie).sort((a, b) => (a < b ? -1 : 1));
  }

  beforeAll(async () => {
    bed = await Testbed.create({ farHosts: 4 });
    conn = new OpenFlowConnection({ target: bed.mgmtTarget });
    await conn.connect();
  });

  afterEach(async () => {
    for (const c of captures.splice(0)) c.stop();
    for (const s of sockets.splice(0)) s.close();
    if (conn?.status === 'ready') await conn.deleteFlows({ cookie: TAG, cookieMask: TAG_MASK });
  });

  afterAll(async () => {
    for (const c of captures.splice(0)) c.stop();
    await conn?.close();
    await bed?.destroy();
  });

  it('completes the handshake on the .mgmt socket and lists the uplink and LOCAL ports', async () => {
    expect(conn.status).toBe('ready');
    expect(conn.features).toMatchObject({ nTables: 254, nBuffers: 0 });
    const ports = await conn.portDesc();
    expect(ports.find((p) => p.portNo === bed.uplink.ofport)?.name).toBe(bed.uplink.name);
    expect(ports.find((p) => p.portNo === OFPP_LOCAL)).toMatchObject({ name: 'breth0', hwAddr: bed.pbx.mac });
  });

  it.each([4, 6] as const)(
    'IPv%i: relays both directions of a call in the switch with rewritten source, DSCP and TTL, and none reaches the PBX',
    async (family) => {
      const pbxIp = family === 4 ? bed.pbx.ipv4 : bed.pbx.ipv6;
      const farIps = family === 4 ? bed.far.ipv4 : bed.far.ipv6;
      const alice = { ip: farIps[0]!, port: 4000 };
      const bob = { ip: farIps[1]!, port: 4002 };
      const legA = { ip: pbxIp, port: 10_000 };
      const legB = { ip: pbxIp, port: 10_002 };
      const a = await udp('far', family, alice.ip, alice.port);
      const b = await udp('far', family, bob.ip, bob.port);
      const pa = await udp('pbx', family, legA.ip, legA.port);
      const pb = await udp('pbx', family, legB.ip, legB.port);
      await warmUp(bed, family, alice.ip, pbxIp);
      await warmUp(bed, family, bob.ip, pbxIp);

      const cookieAB = TAG | 0xa0n;
      const cookieBA = TAG | 0xb0n;
      await conn.addFlows([
        rewriteFlow(bed, family, cookieAB, alice, legA, legB, bob),
        rewriteFlow(bed, family, cookieBA, bob, legB, legA, alice),
      ]);
      // Cross-check with OVS's own tool.
      const dump = await bed.ofctl('dump-flows');
      expect(dump).toContain(`cookie=0x${cookieAB.toString(16)}`);
      expect(dump).toContain(`cookie=0x${cookieBA.toString(16)}`);

      const atAlice = collect(a);
      const atBob = collect(b);
      const atPbx = [...collect(pa), ...collect(pb)];
      const atPbxCount = (): number => atPbx.length;
      const capture = new Capture(bed.farNs, bed.far.iface, `udp and src host ${pbxIp}`);
      captures.push(capture);
      await capture.ready();
      // Sent with a low TTL: 64 on the wire proves the switch set it.
      a.setTTL(3);
      b.setTTL(3);
      const n = 20;
      await Promise.all([sendPaced(a, legA, n), sendPaced(b, legB, n)]);
      await until(`${n} datagrams at each far end`, () => atAlice.length >= n && atBob.length >= n);

      expect(atBob).toHaveLength(n);
      expect(atAlice).toHaveLength(n);
      expect(new Set(atBob.map((r) => `${r.address}:${r.port}`))).toEqual(
        new Set([`${legB.ip}:${legB.port}`]),
      );
      expect(new Set(atAlice.map((r) => `${r.address}:${r.port}`))).toEqual(
        new Set([`${legA.ip}:${legA.port}`]),
      );
      await sleep(200);
      expect(atPbxCount()).toBe(0);

      await until('the capture to see every rewritten packet', () => capture.headers().length >= 2 * n);
      const headers = capture.headers();
      const marks =
        family === 4
          ? [`tos 0x${(DSCP_EF << 2).toString(16)}`, `ttl ${FRESH_TTL}`]
          : [`class 0x${(DSCP_EF << 2).toString(16)}`, `hlim ${FRESH_TTL}`];
      for (const h of headers) for (const mark of marks) expect(h).toContain(mark);

      // The switch counted every packet on its flow (statistics lag up to ~1 s).
      const frame = family === 4 ? FRAME_V4 : RTP_BYTES + 62;
      let seen = '';
      await until('FLOW stats to show the packets', async () => {
        const entries = await conn.flowStats({ cookie: TAG, cookieMask: TAG_MASK });
        seen = entries.map((e) => `${e.cookie.toString(16)}: ${e.packetCount} packets`).join(', ');
        return entries.length === 2 && entries.every((e) => e.packetCount === BigInt(n));
      }).catch((err: Error) => {
        throw new Error(`${err.message} (last seen ${seen})`);
      });
      const entries = await conn.flowStats({ cookie: TAG, cookieMask: TAG_MASK });
      for (const e of entries) expect(e.byteCount).toBe(BigInt(n * frame));
    },
  );

  it('deletes exactly the flows under a cookie mask; another flow survives and the PBX hears the remote again', async () => {
    const [alice, bob, carol] = bed.far.ipv4.slice(0, 3).map((ip, i) => ({ ip, port: 4000 + 2 * i }));
    const legA = { ip: bed.pbx.ipv4, port: 10_000 };
    const legB = { ip: bed.pbx.ipv4, port: 10_002 };
    const legC = { ip: bed.pbx.ipv4, port: 10_004 };
    const a = await udp('far', 4, alice!.ip, alice!.port);
    const pa = await udp('pbx', 4, legA.ip, legA.port);
    await warmUp(bed, 4, alice!.ip, legA.ip);
    const pair = [TAG | 0x1_00n, TAG | 0x1_01n];
    const other = TAG | 0x2_00n;
    await conn.addFlows([
      rewriteFlow(bed, 4, pair[0]!, alice!, legA, legB, bob!),
      rewriteFlow(bed, 4, pair[1]!, bob!, legB, legA, alice!),
      rewriteFlow(bed, 4, other, carol!, legC, legC, carol!),
    ]);
    expect(await testFlows()).toEqual([...pair, other]);

    // With the flow in place the PBX hears nothing from alice.
    const atPbx = collect(pa);
    await sendPaced(a, legA, 5);
    await sleep(100);
    expect(atPbx).toHaveLength(0);

    await conn.deleteFlows({ cookie: TAG | 0x1_00n, cookieMask: ~0xffn & 0xffff_ffff_ffff_ffffn });
    expect(await testFlows()).toEqual([other]);
    const dump = await bed.ofctl('dump-flows');
    expect(dump).not.toContain(`cookie=0x${pair[0]!.toString(16)}`);
    expect(dump).toContain(`cookie=0x${other.toString(16)}`);

    // Back through NORMAL to the PBX (the datapath cache may carry one more packet the old way).
    await until('the PBX socket to receive again', async () => {
      a.send(Buffer.alloc(RTP_BYTES), legA.port, legA.ip);
      await sleep(20);
      return atPbx.length > 0;
    });
    expect(atPbx[0]).toEqual({ address: alice!.ip, port: alice!.port });
  });

  it('reports FLOW_REMOVED with the final counters when an idle flow times out', async () => {
    const alice = { ip: bed.far.ipv4[0]!, port: 4010 };
    const leg = { ip: bed.pbx.ipv4, port: 10_010 };
    const a = await udp('far', 4, alice.ip, alice.port);
    const pbx = await udp('pbx', 4, leg.ip, leg.port);
    await warmUp(bed, 4, alice.ip, leg.ip);
    const cookie = TAG | 0x1d1en;
    const removed = new Promise<FlowRemoved>((resolve) => {
      const listener = (m: FlowRemoved): void => {
        if (m.cookie !== cookie) return;
        conn.off('flowRemoved', listener);
        resolve(m);
      };
      conn.on('flowRemoved', listener);
    });
    // The flow sends Alice's packets back to her; once it has expired they reach the PBX.
    const forwarded = collect(a);
    const atPbx = collect(pbx);
    await conn.addFlows([rewriteFlow(bed, 4, cookie, alice, leg, leg, alice, { idleTimeout: 1 })]);
    const sent = 5;
    await sendPaced(a, leg, sent);
    // On a loaded machine a pause over the 1 s idle timeout ends the flow early: the counters
    // must then equal what the flow really forwarded, whatever that was.
    await until(
      `all ${sent} datagrams at Alice or at the PBX`,
      () => forwarded.length + atPbx.length >= sent,
      20_000,
    );
    const m = await removed;
    expect(forwarded.length + atPbx.length).toBe(sent);
    expect(m).toMatchObject({
      reason: OFPRR_IDLE_TIMEOUT,
      idleTimeout: 1,
      priority: 1000,
      packetCount: BigInt(forwarded.length),
    });
    expect(m.byteCount).toBe(BigInt(forwarded.length * FRAME_V4));
    expect(await testFlows()).toEqual([]);
  });

  it('rejects a bad FLOW_MOD with an OpenFlowError naming type and code, and applies the good ones of the batch', async () => {
    const alice = { ip: bed.far.ipv4[0]!, port: 4020 };
    const leg = { ip: bed.pbx.ipv4, port: 10_020 };
    const good = (i: number): FlowModFields =>
      rewriteFlow(bed, 4, TAG | BigInt(0x300 + i), { ...alice, port: 4020 + 2 * i }, leg, leg, alice);
    const noProto = good(9);
    const missingPrereq: FlowModFields = {
      ...noProto,
      match: noProto.match!.filter((f) => f.type !== 'IP_PROTO'),
    };

    const err = await conn.addFlows([missingPrereq]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenFlowBatchError);
    expect((err as OpenFlowBatchError).failures[0]!.error).toMatchObject({
      code: 'OF_ERROR',
      errorType: 4,
      errorCode: 9,
      typeName: 'BAD_MATCH',
      codeName: 'BAD_PREREQ',
    });

    const outcomes = await conn.flowMods([good(0), { ...good(1), tableId: 255 }, good(2)]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : `${o.error.typeName}/${o.error.codeName}`))).toEqual([
      'ok',
      'FLOW_MOD_FAILED/BAD_TABLE_ID',
      'ok',
    ]);
    expect(await testFlows()).toEqual([TAG | 0x300n, TAG | 0x302n]);

    // A delete is checked the same way: a UDP port without IP_PROTO before it.
    await expect(
      conn.deleteFlows({ cookie: TAG, cookieMask: TAG_MASK, match: [{ type: 'UDP_DST', value: leg.port }] }),
    ).rejects.toMatchObject({ code: 'OF_ERROR', typeName: 'BAD_MATCH', codeName: 'BAD_PREREQ' });
  });

  it('maps a thousand refusals in one batch to their mods: replies are read as they come, so OVS never stops reading', async () => {
    // OVS stops reading a connection while 100 replies to it are unsent (connmgr OFCONN_REPLY_MAX);
    // each ERROR here echoes a 248-byte request.
    const leg = { ip: bed.pbx.ipv4, port: 10_200 };
    const mods = Array.from({ length: 2000 }, (_, i) => ({
      ...rewriteFlow(
        bed,
        4,
        TAG | BigInt(0x10000 + i),
        { ip: bed.far.ipv4[i % 4]!, port: 6000 + 2 * i },
        leg,
        leg,
        {
          ip: bed.far.ipv4[0]!,
          port: 4000,
        },
      ),
      tableId: i % 2 === 1 ? 255 : 0,
    }));
    const outcomes = await conn.flowMods(mods);
    const refused = outcomes.flatMap((o, i) => (o.ok ? [] : [i]));
    expect(refused).toEqual(mods.flatMap((_, i) => (i % 2 === 1 ? [i] : [])));
    expect(outcomes.every((o) => o.ok || o.error.codeName === 'BAD_TABLE_ID')).toBe(true);
    expect((await conn.aggregateStats({ cookie: TAG, cookieMask: TAG_MASK })).flowCount).toBe(1000);
  });

  it('receives no PACKET_IN even from a flow that sends to the controller (SET_ASYNC masks them)', async () => {
    const alice = { ip: bed.far.ipv4[0]!, port: 4030 };
    const leg = { ip: bed.pbx.ipv4, port: 10_030 };
    const a = await udp('far', 4, alice.ip, alice.port);
    await warmUp(bed, 4, alice.ip, leg.ip);
    const toController = rewriteFlow(bed, 4, TAG | 0xc0n, alice, leg, leg, alice, {
      instructions: [
        { type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: OFPP_CONTROLLER, maxLen: 0xffff }] },
      ],
    });
    await conn.addFlows([toController]);
    // The barrier covers the OpenFlow table, not the datapath's cached megaflows: until the
    // revalidators have caught up (later on a loaded machine), a packet may still take the
    // warm-up's cached path and not be counted. So keep sending until the flow has sent three
    // packets to the controller; the count seen last goes into the failure message.
    let seen: bigint[] = [];
    await until(
      'the flow to count three packets',
      async () => {
        await sendPaced(a, leg, 1);
        seen = (await conn.flowStats({ cookie: TAG, cookieMask: TAG_MASK })).map((e) => e.packetCount);
        return (seen[0] ?? 0n) >= 3n;
      },
      30_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message} (last counts: ${seen.join(', ') || 'no flow'})`);
    });
    await conn.barrier();
    expect(conn.stats.packetInDrained).toBe(0);
  });

  it('commits a bundle of flows atomically, and applies none when one is bad or the commit fails', async () => {
    const leg = { ip: bed.pbx.ipv4, port: 10_100 };
    const flows = Array.from({ length: 50 }, (_, i) =>
      rewriteFlow(
        bed,
        4,
        TAG | BigInt(0x400 + i),
        { ip: bed.far.ipv4[i % 4]!, port: 5000 + 2 * i },
        leg,
        leg,
        {
          ip: bed.far.ipv4[0]!,
          port: 4000,
        },
      ),
    );
    await conn.bundle(flows);
    expect((await conn.aggregateStats({ cookie: TAG, cookieMask: TAG_MASK })).flowCount).toBe(50);
    await conn.deleteFlows({ cookie: TAG, cookieMask: TAG_MASK });

    // One add refused at add time (a field twice): the bundle is discarded.
    const dup = flows[25]!;
    const bad = [
      ...flows.slice(0, 25),
      { ...dup, match: [...dup.match!, dup.match!.at(-1)!] },
      ...flows.slice(26),
    ];
    const refused = (await conn.bundle(bad).catch((e: unknown) => e)) as OpenFlowBatchError;
    expect(refused).toBeInstanceOf(OpenFlowBatchError);
    expect(refused.atomic).toBe(true);
    expect(refused.failures.map((f) => [f.index, f.error.codeName])).toEqual([[25, 'DUP_FIELD']]);
    expect(await testFlows()).toEqual([]);

    // The commit itself fails: an overlap only found when the bundle is applied.
    await conn.addFlows([flows[0]!]);
    const wide: FlowModFields = {
      ...flows[1]!,
      cookie: TAG | 0x4ffn,
      flags: OFPFF_CHECK_OVERLAP,
      match: flows[0]!.match!.filter((f) => f.type !== 'IPV4_SRC' && f.type !== 'UDP_SRC'),
    };
    const failed = (await conn
      .bundle([...flows.slice(1, 10), wide])
      .catch((e: unknown) => e)) as OpenFlowBatchError;
    expect(failed).toBeInstanceOf(OpenFlowBatchError);
    expect(failed.commitError).toMatchObject({ typeName: 'EXPERIMENTER', codeName: 'MSG_FAILED' });
    expect(failed.failures.map((f) => [f.index, f.error.codeName])).toEqual([[9, 'OVERLAP']]);
    expect(await testFlows()).toEqual([TAG | 0x400n]);
  });

  it('reconnects by itself after ovs-vswitchd restarts, reports it, and works again (flows are gone)', async () => {
    await conn.addFlows([
      rewriteFlow(
        bed,
        4,
        TAG | 0x500n,
        { ip: bed.far.ipv4[0]!, port: 4000 },
        { ip: bed.pbx.ipv4, port: 10_000 },
        { ip: bed.pbx.ipv4, port: 10_002 },
        { ip: bed.far.ipv4[1]!, port: 4002 },
      ),
    ]);
    const statuses: string[] = [];
    const onStatus = (to: string, from: string): void => void statuses.push(`${from}->${to}`);
    conn.on('status', onStatus);
    const reconnected = new Promise<number>((resolve) =>
      conn.once('reconnected', (info) => resolve(info.downtimeMs)),
    );
    await bed.restartVswitchd();
    const downtimeMs = await reconnected;
    conn.off('status', onStatus);
    expect(conn.status).toBe('ready');
    expect(statuses[0]).toBe('ready->reconnecting');
    expect(statuses.at(-1)).toBe('handshaking->ready');
    expect(downtimeMs).toBeGreaterThan(0);
    // A restarted vswitchd keeps no OpenFlow flows: the agent must resync.
    expect(await testFlows()).toEqual([]);
    await conn.addFlows([
      rewriteFlow(
        bed,
        4,
        TAG | 0x501n,
        { ip: bed.far.ipv4[0]!, port: 4000 },
        { ip: bed.pbx.ipv4, port: 10_000 },
        { ip: bed.pbx.ipv4, port: 10_002 },
        { ip: bed.far.ipv4[1]!, port: 4002 },
      ),
    ]);
    expect(await testFlows()).toEqual([TAG | 0x501n]);
  });
});
