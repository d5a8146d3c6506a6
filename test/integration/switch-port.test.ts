import type dgram from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Testbed } from '../../src/lab/testbed/index.js';
import { OpenFlowConnection } from '../../src/openflow/index.js';
import { TAG_MASK, tagCookie } from '../../src/plan/cookie.js';
import { flowBody, flowKey } from '../../src/plan/flow-spec.js';
import { planPair, type PlanLeg, type PlanOptions } from '../../src/plan/planner.js';
import { OpenFlowPort } from '../../src/switch/openflow-port.js';

let bed: Testbed;
let conn: OpenFlowConnection;
let port: OpenFlowPort;

beforeAll(async () => {
  bed = await Testbed.create();
  conn = await OpenFlowConnection.open({ target: bed.mgmtTarget });
  port = new OpenFlowPort(conn);
});
afterAll(async () => {
  await conn?.close();
  await bed?.destroy();
});

const opts = (): PlanOptions => ({
  cookieTag: 0xab,
  table: 0,
  priority: 1000,
  idleTimeout: 30,
  watchIdleTimeout: 300,
  ttl: 64,
  bridgeMac: bed.pbx.mac,
  uplinkPort: bed.uplink.ofport,
  vlan: null,
});
const leg = (
  id: string,
  local: string,
  lport: number,
  remote: string,
  rport: number,
  family: 4 | 6 = 4,
): PlanLeg => ({
  channelId: id,
  local: { address: local, port: lport, family },
  remote: { address: remote, port: rport, family },
  nextHopMac: bed.far.mac,
  dscp: 46,
});

describe('the switch adapter on a real Open vSwitch', () => {
  it('reads back every planned flow with the same key and body, IPv4 and IPv6, so adoption never churns', async () => {
    const v4 = planPair(
      'B4',
      'forward',
      [
        leg('a', bed.pbx.ipv4, 10000, bed.far.ipv4[0]!, 4000),
        leg('b', bed.pbx.ipv4, 10002, bed.far.ipv4[1]!, 5000),
      ],
      opts(),
    );
    const v6 = planPair(
      'B6',
      'forward',
      [
        leg('c', bed.pbx.ipv6, 10004, bed.far.ipv6[0]!, 4002, 6),
        leg('d', bed.pbx.ipv6, 10006, bed.far.ipv6[1]!, 5002, 6),
      ],
      opts(),
    );
    const probe = planPair(
      'BP',
      'probe',
      [
        leg('e', bed.pbx.ipv4, 10008, bed.far.ipv4[2]!, 4004),
        leg('f', bed.pbx.ipv4, 10010, bed.far.ipv4[3]!, 5004),
      ],
      opts(),
    );
    const all = [...v4, ...v6, ...probe];
    expect(await port.apply(all, [])).toEqual([]);
    const dumped = await port.dump(tagCookie(0xab), TAG_MASK);
    expect(dumped).toHaveLength(all.length);
    const byKey = new Map(dumped.map((d) => [d.key, d]));
    for (const f of all) {
      const d = byKey.get(flowKey(f));
      expect(d, flowKey(f)).toBeDefined();
      expect(d!.body).toBe(flowBody(f));
    }
    // ovs-ofctl sees the same flows, e.g. the rewrite with OUTPUT:IN_PORT and the DSCP.
    const text = await bed.ofctl('dump-flows', `cookie=${tagCookie(0xab)}/${TAG_MASK}`);
    expect(text).toContain('in_port=1');
    expect(text).toContain('IN_PORT');
    expect(text).toMatch(/set_field:46->ip_dscp|mod_nw_tos:184/);
    expect(text).toContain('send_flow_rem');
    // Every flow the agent writes takes only unfragmented datagrams.
    const lines = text.split('\n').filter((l) => l.includes('cookie='));
    expect(lines).toHaveLength(all.length);
    for (const l of lines) expect(l).toContain('nw_frag=no');
  });

  it('deletes exactly the flows it names and reports a refused add per flow', async () => {
    const flows = planPair(
      'BD',
      'forward',
      [
        leg('g', bed.pbx.ipv4, 10020, bed.far.ipv4[4]!, 4100),
        leg('h', bed.pbx.ipv4, 10022, bed.far.ipv4[5]!, 5100),
      ],
      opts(),
    );
    await port.apply(flows, []);
    const before = (await port.dump(tagCookie(0xab), TAG_MASK)).length;
    expect(await port.apply([], [flows[0]!])).toEqual([]);
    const after = await port.dump(tagCookie(0xab), TAG_MASK);
    expect(after).toHaveLength(before - 1);
    expect(after.map((d) => d.key)).not.toContain(flowKey(flows[0]!));
    // Table 254 is OVS's hidden table: the switch refuses, and only that flow fails.
    const bad = { ...flows[0]!, table: 254 };
    const failures = await port.apply([bad, flows[0]!], []);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ op: 'add', key: flowKey(bad) });
    expect(failures[0]!.error).toMatch(/BAD_REQUEST|EPERM/);
    await port.deleteByCookie(tagCookie(0xab), TAG_MASK);
    expect(await port.dump(tagCookie(0xab), TAG_MASK)).toEqual([]);
  });

  it('hears the FLOW_REMOVED of every deleted forwarding flow', async () => {
    // A revert takes its final counters from these rather than from a dump first. They may come
    // a few ms after the delete's barrier reply (seen: 10 ms), so the test waits for them.
    const flows = planPair(
      'BR',
      'forward',
      [
        leg('i', bed.pbx.ipv4, 10030, bed.far.ipv4[6]!, 4200),
        leg('j', bed.pbx.ipv4, 10032, bed.far.ipv4[7]!, 5200),
      ],
      opts(),
    );
    await port.apply(flows, []);
    const heard: string[] = [];
    port.onFlowRemoved((r) => {
      if (r.key !== null && r.reason === 'delete') heard.push(r.key);
    });
    expect(await port.apply([], flows)).toEqual([]);
    const forwarding = flows.filter((f) => f.owner.role === 'rtp-forward').map(flowKey);
    expect(forwarding.length).toBeGreaterThan(0);
    const deadline = Date.now() + 10_000;
    while (heard.length < forwarding.length && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(heard.sort()).toEqual(forwarding.sort());
  });
});

async function until(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function sizes(socket: dgram.Socket): number[] {
  const got: number[] = [];
  socket.on('message', (m) => got.push(m.length));
  return got;
}

describe('fragments on a real Open vSwitch', () => {
  afterAll(async () => {
    await bed.ofctl('set-frags', 'normal');
  });

  // In `normal` mode OVS hides the ports of every fragment; in `nx-match` mode (another
  // controller may set it: it is bridge-wide) the first fragment keeps them and a flow keyed
  // on ports takes it unless it matches ip_frag=no.
  it.each([
    [4, 'nx-match'],
    [6, 'nx-match'],
    [4, 'normal'],
  ] as const)(
    'IPv%i, frag mode %s: a datagram fragmented on the way reaches the PBX whole; the switch forwards none of its fragments',
    async (family, mode) => {
      await bed.ofctl('set-frags', mode);
      expect(await bed.ofctl('get-frags')).toContain(mode);
      const type = family === 4 ? 'udp4' : 'udp6';
      const pbxIp = family === 4 ? bed.pbx.ipv4 : bed.pbx.ipv6;
      const far = family === 4 ? bed.far.ipv4 : bed.far.ipv6;
      const [aliceIp, bobIp] = [far[12]!, far[13]!];
      const base = 10_050 + 10 * family + (mode === 'normal' ? 100 : 0);
      const flows = planPair(
        `BF${family}${mode}`,
        'forward',
        [leg('p', pbxIp, base, aliceIp, 4500, family), leg('q', pbxIp, base + 2, bobIp, 5500, family)],
        { ...opts(), cookieTag: 0xac },
      );
      const sockets = [
        await bed.udpSocket('far', type, aliceIp, 4500),
        await bed.udpSocket('far', type, bobIp, 5500),
        await bed.udpSocket('pbx', type, pbxIp, base),
      ];
      const [alice, bob, pbxA] = sockets as [dgram.Socket, dgram.Socket, dgram.Socket];
      try {
        expect(await port.apply(flows, [])).toEqual([]);
        const atBob = sizes(bob);
        const atPbx = sizes(pbxA);
        // A datagram that fits in one packet is forwarded to Bob: the flow is live.
        await until('a small datagram at Bob', () => {
          if (atBob.length === 0) alice.send(Buffer.alloc(172, 0x80), base, pbxIp);
          return atBob.length > 0;
        });
        expect(atPbx).toEqual([]);
        // 4000 bytes over a 1500-byte link leave Alice as fragments; only the first carries
        // the UDP ports. The PBX reassembles the datagram only if every fragment reached it.
        alice.send(Buffer.alloc(4000, 0x80), base, pbxIp);
        await until('the fragmented datagram at the PBX', () => atPbx.includes(4000));
        expect(atBob.filter((n) => n !== 172)).toEqual([]);
      } finally {
        for (const s of sockets) s.close();
        await port.deleteByCookie(tagCookie(0xac), TAG_MASK);
      }
    },
  );
});

describe('the emergency revert script', () => {
  it('removes every flow carrying the agent tag and nothing else, without the agent', async () => {
    const { run } = await import('../../src/lab/testbed/index.js');
    const flows = planPair(
      'BE',
      'forward',
      [
        leg('i', bed.pbx.ipv4, 10030, bed.far.ipv4[6]!, 4200),
        leg('j', bed.pbx.ipv4, 10032, bed.far.ipv4[7]!, 5200),
      ],
      opts(),
    );
    await port.apply(flows, []);
    await bed.ofctl('add-flow', 'cookie=0x77,priority=5,udp,actions=NORMAL');
    const out = await run('bash', ['scripts/emergency-revert.sh', bed.mgmtTarget, '0xab']);
    expect(out.stdout).toContain('removed 4 flow(s)');
    expect(await port.dump(tagCookie(0xab), TAG_MASK)).toEqual([]);
    const left = await bed.ofctl('dump-flows');
    expect(left).toContain('cookie=0x77');
    expect(left).toMatch(/priority=0 actions=NORMAL|actions=NORMAL/);
    await expect(run('bash', ['scripts/emergency-revert.sh', bed.mgmtTarget, 'nope'])).rejects.toMatchObject({
      exitCode: 2,
    });
  });
});

describe('two agents on one bridge', () => {
  it('each adopts and cleans up only the flows carrying its own tag', async () => {
    const { Reconciler } = await import('../../src/switch/reconciler.js');
    const mine = planPair(
      'BA',
      'forward',
      [
        leg('k', bed.pbx.ipv4, 10040, bed.far.ipv4[8]!, 4300),
        leg('l', bed.pbx.ipv4, 10042, bed.far.ipv4[9]!, 5300),
      ],
      { ...opts(), cookieTag: 0xa1 },
    );
    const theirs = planPair(
      'BB',
      'forward',
      [
        leg('m', bed.pbx.ipv4, 10044, bed.far.ipv4[10]!, 4400),
        leg('n', bed.pbx.ipv4, 10046, bed.far.ipv4[11]!, 5400),
      ],
      { ...opts(), cookieTag: 0xa2 },
    );
    const a = new Reconciler(port, tagCookie(0xa1), TAG_MASK);
    const b = new Reconciler(port, tagCookie(0xa2), TAG_MASK);
    a.setDesired('BA', mine);
    b.setDesired('BB', theirs);
    await a.sync();
    await b.sync();
    // Agent A restarts knowing no call: its full sync removes its own flows only.
    const restarted = new Reconciler(port, tagCookie(0xa1), TAG_MASK);
    await restarted.refresh();
    expect((await restarted.sync()).deleted).toBe(4);
    expect(await port.dump(tagCookie(0xa1), TAG_MASK)).toEqual([]);
    expect(await port.dump(tagCookie(0xa2), TAG_MASK)).toHaveLength(4);
    await port.deleteByCookie(tagCookie(0xa2), TAG_MASK);
  });
});
