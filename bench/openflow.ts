/**
 * Flow-mod throughput of our OpenFlow client against ovs-ofctl, on the same switch in the
 * same run: 20,000 flows of the real shape (exact UDP 5-tuple from the uplink, six
 * set_fields + DSCP + TTL, output IN_PORT, idle 300, priority 1000, unique cookies under a
 * test tag).
 *
 * - client, pipelined: every FLOW_MOD in one write, one BARRIER at the end;
 * - client, bundle: the same inside one ONF bundle (open, adds, barrier, commit);
 * - `ovs-ofctl -O OpenFlow13 --bundle add-flows FILE`: its fastest mode;
 * - `ovs-ofctl add-flow`, one process per flow (200 flows), as a script would;
 * - the raw limit: the same FLOW_MODs (and the same DELETE_STRICTs) encoded before the clock
 *   starts, written on one socket in one write with one barrier, by a minimal writer that
 *   does nothing else: what this switch can take. `client_vs_raw` is the client's rate over it.
 *
 * Times are wall-clock from the request to the switch confirming it (barrier / commit reply /
 * process exit); each result is checked with an AGGREGATE request before it counts.
 */

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testbed } from '../src/lab/testbed/index.js';
import {
  OFPFC_ADD,
  OFPFC_DELETE_STRICT,
  OFPFF_SEND_FLOW_REM,
  OFPP_IN_PORT,
  OpenFlowConnection,
  codec,
  type FlowModFields,
} from '../src/openflow/index.js';
import type { BenchContext, BenchSection } from './section.js';

const TAG = 0x7e57n << 48n;
const TAG_MASK = 0xffffn << 48n;
const FLOWS = 20_000;
const PER_PROCESS_FLOWS = 200;
const PRIORITY = 1000;
const IDLE = 300;
const DSCP_EF = 46;
const TTL = 64;

interface FlowParams {
  readonly cookie: bigint;
  readonly remoteIp: string;
  readonly remotePort: number;
  readonly pbxPort: number;
  readonly peerIp: string;
  readonly peerPort: number;
  readonly relayPort: number;
}

/** Flow i: remote i → PBX port i, rewritten toward another far endpoint. All 5-tuples distinct. */
function params(bed: Testbed, i: number): FlowParams {
  const far = bed.far.ipv4;
  return {
    cookie: TAG | BigInt(i + 1),
    remoteIp: far[i % far.length]!,
    remotePort: 4000 + 2 * Math.floor(i / far.length),
    pbxPort: 10_000 + 2 * (i % 25_000),
    peerIp: far[(i + 1) % far.length]!,
    peerPort: 30_000 + 2 * (i % 10_000),
    relayPort: 60_000 - 2 * (i % 20_000),
  };
}

function spec(bed: Testbed, p: FlowParams): FlowModFields {
  return {
    cookie: p.cookie,
    priority: PRIORITY,
    idleTimeout: IDLE,
    flags: OFPFF_SEND_FLOW_REM,
    match: [
      { type: 'IN_PORT', value: bed.uplink.ofport },
      { type: 'ETH_TYPE', value: 0x0800 },
      { type: 'IP_PROTO', value: 17 },
      { type: 'IPV4_SRC', value: p.remoteIp },
      { type: 'IPV4_DST', value: bed.pbx.ipv4 },
      { type: 'UDP_SRC', value: p.remotePort },
      { type: 'UDP_DST', value: p.pbxPort },
    ],
    instructions: [
      {
        type: 'APPLY_ACTIONS',
        actions: [
          { type: 'SET_FIELD', field: { type: 'ETH_SRC', value: bed.pbx.mac } },
          { type: 'SET_FIELD', field: { type: 'ETH_DST', value: bed.far.mac } },
          { type: 'SET_FIELD', field: { type: 'IPV4_SRC', value: bed.pbx.ipv4 } },
          { type: 'SET_FIELD', field: { type: 'IPV4_DST', value: p.peerIp } },
          { type: 'SET_FIELD', field: { type: 'UDP_SRC', value: p.relayPort } },
          { type: 'SET_FIELD', field: { type: 'UDP_DST', value: p.peerPort } },
          { type: 'SET_FIELD', field: { type: 'IP_DSCP', value: DSCP_EF } },
          { type: 'SET_NW_TTL', ttl: TTL },
          { type: 'OUTPUT', port: OFPP_IN_PORT },
        ],
      },
    ],
  };
}

/** The same flow in ovs-ofctl's syntax (`ovs-fields(7)`, `ovs-actions(7)`). */
function ofctlText(bed: Testbed, p: FlowParams): string {
  return (
    `cookie=0x${p.cookie.toString(16)},priority=${PRIORITY},idle_timeout=${IDLE},send_flow_rem,` +
    `udp,in_port=${bed.uplink.ofport},nw_src=${p.remoteIp},nw_dst=${bed.pbx.ipv4},tp_src=${p.remotePort},tp_dst=${p.pbxPort},` +
    `actions=set_field:${bed.pbx.mac}->eth_src,set_field:${bed.far.mac}->eth_dst,` +
    `set_field:${bed.pbx.ipv4}->ip_src,set_field:${p.peerIp}->ip_dst,` +
    `set_field:${p.relayPort}->udp_src,set_field:${p.peerPort}->udp_dst,` +
    `set_field:${DSCP_EF}->ip_dscp,mod_nw_ttl:${TTL},in_port`
  );
}

function ofctl(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('ovs-ofctl', args, { maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`ovs-ofctl ${args.join(' ')}: ${stderr || err.message}`));
      else resolve();
    });
  });
}

/** All mods with `command` and a final barrier, encoded into one buffer; the barrier's xid. */
function preEncode(specs: readonly FlowModFields[], command: number): { bytes: Buffer; barrierXid: number } {
  let total = 8;
  for (const f of specs) total += codec.flowModLength(f);
  const bytes = Buffer.allocUnsafe(total);
  let off = 0;
  for (let i = 0; i < specs.length; i++) off = codec.writeFlowMod(bytes, off, i + 1, specs[i]!, command);
  const barrierXid = specs.length + 1;
  codec.writeHeader(bytes, off, codec.OFPT_BARRIER_REQUEST, 8, barrierXid);
  return { bytes, barrierXid };
}

/**
 * The minimal writer: HELLO, then (clock started) the pre-encoded bytes in one write, and
 * the time until the barrier's reply. Any ERROR fails the run, so it counts only accepted work.
 */
async function rawPipelined(target: string, pre: { bytes: Buffer; barrierXid: number }): Promise<number> {
  const socket = net.createConnection({ path: target.replace(/^unix:/, '') });
  const framer = new codec.OfpFramer();
  let onMessage: (m: Buffer) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('raw writer: switch closed the connection')));
  });
  failed.catch(() => undefined);
  socket.on('data', (chunk: Buffer) => framer.push(chunk, (m) => onMessage(m)));
  const next = (want: (m: Buffer) => boolean): Promise<void> =>
    Promise.race([
      failed,
      new Promise<void>((resolve, reject) => {
        onMessage = (m) => {
          if (m[1] === codec.OFPT_ERROR)
            reject(new Error(`raw writer: switch refused xid ${m.readUInt32BE(4)}`));
          else if (want(m)) resolve();
        };
      }),
    ]);
  try {
    const hello = next((m) => m[1] === codec.OFPT_HELLO);
    socket.write(codec.encodeHello(0x7fff_0000, [codec.OFP13_VERSION]));
    await hello;
    // No SET_ASYNC: the client's connection, subscribed to FLOW_REMOVED, stays open, so the
    // switch sends one per deleted flow for either writer; only the deleting client also has
    // its barrier reply behind them.
    const start = performance.now();
    const done = next((m) => m[1] === codec.OFPT_BARRIER_REPLY && m.readUInt32BE(4) === pre.barrierXid);
    socket.write(pre.bytes);
    await done;
    return (performance.now() - start) / 1000;
  } finally {
    socket.destroy();
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const round = (x: number): number => Math.round(x);

async function run(ctx: BenchContext): Promise<Record<string, number | string | boolean | null>> {
  const reps = ctx.quick ? 1 : 3;
  const bed = await Testbed.create({ farHosts: 16 });
  const conn = new OpenFlowConnection({ target: bed.mgmtTarget });
  const work = mkdtempSync(join(tmpdir(), 'rtpo-bench-of-'));
  try {
    await conn.connect();
    const all = Array.from({ length: FLOWS }, (_, i) => params(bed, i));
    const specs = all.map((p) => spec(bed, p));
    const flowFile = join(work, 'flows.txt');
    writeFileSync(flowFile, all.map((p) => ofctlText(bed, p)).join('\n') + '\n');
    const mine = { cookie: TAG, cookieMask: TAG_MASK };

    const expectCount = async (n: number, what: string): Promise<void> => {
      const got = (await conn.aggregateStats(mine)).flowCount;
      if (got !== n) throw new Error(`${what}: switch holds ${got} test flows, expected ${n}`);
    };
    const clear = async (): Promise<number> => {
      const s = await timed(() => conn.deleteFlows(mine));
      await expectCount(0, 'delete by cookie');
      return s;
    };

    // OVS frees a cleared table's rules after the fact (RCU): let that end before timing.
    const settle = async (): Promise<void> => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await conn.barrier();
    };

    // Warm-up: JIT for the encoder, and the switch's first-table allocations.
    await conn.addFlows(specs.slice(0, 2000));
    await clear();

    const rawAdds = preEncode(specs, OFPFC_ADD);
    const rawDeletes = preEncode(specs, OFPFC_DELETE_STRICT);
    const loadBefore = loadavg()[0]!;
    const pipelined: number[] = [];
    const bundled: number[] = [];
    const ofctlBundle: number[] = [];
    const deletes: number[] = [];
    const strictDeletes: number[] = [];
    const raw: number[] = [];
    const rawStrictDeletes: number[] = [];
    let statsSeconds = 0;
    const rawRound = async (): Promise<void> => {
      await settle();
      raw.push(await rawPipelined(bed.mgmtTarget, rawAdds));
      await expectCount(FLOWS, 'raw pipelined add');
      await settle();
      rawStrictDeletes.push(await rawPipelined(bed.mgmtTarget, rawDeletes));
      await expectCount(0, 'raw pipelined DELETE_STRICT');
    };
    const clientRound = async (): Promise<void> => {
      await settle();
      pipelined.push(await timed(() => conn.addFlows(specs)));
      await expectCount(FLOWS, 'client pipelined add');
      await settle();
      strictDeletes.push(
        await timed(async () => {
          const outcomes = await conn.flowMods(specs, { command: OFPFC_DELETE_STRICT });
          if (!outcomes.every((o) => o.ok)) throw new Error('client DELETE_STRICT refused');
        }),
      );
      await expectCount(0, 'client pipelined DELETE_STRICT');
    };
    for (let r = 0; r < reps; r++) {
      // Alternating, so neither always follows the same work.
      if (r % 2 === 0) {
        await rawRound();
        await clientRound();
      } else {
        await clientRound();
        await rawRound();
      }
      await conn.addFlows(specs);
      if (r === 0) {
        statsSeconds = await timed(async () => {
          const listed = await conn.flowStats(mine);
          if (listed.length !== FLOWS) throw new Error(`FLOW stats listed ${listed.length} of ${FLOWS}`);
        });
      }
      deletes.push(await clear());

      bundled.push(await timed(() => conn.bundle(specs)));
      await expectCount(FLOWS, 'client bundle');
      await clear();

      ofctlBundle.push(
        await timed(() => ofctl(['-O', 'OpenFlow13', '--bundle', 'add-flows', bed.mgmtTarget, flowFile])),
      );
      await expectCount(FLOWS, 'ovs-ofctl --bundle add-flows');
      await clear();
      ctx.log(
        `  run ${r + 1}/${reps}: raw ${raw.at(-1)!.toFixed(3)} s, client ${pipelined.at(-1)!.toFixed(3)} s, ` +
          `client bundle ${bundled.at(-1)!.toFixed(3)} s, ovs-ofctl --bundle ${ofctlBundle.at(-1)!.toFixed(3)} s, ` +
          `raw delete_strict ${rawStrictDeletes.at(-1)!.toFixed(3)} s, client delete_strict ${strictDeletes.at(-1)!.toFixed(3)} s, ` +
          `delete by cookie ${deletes.at(-1)!.toFixed(3)} s`,
      );
    }

    const perProcess = await timed(async () => {
      for (const p of all.slice(0, PER_PROCESS_FLOWS)) {
        await ofctl(['-O', 'OpenFlow13', 'add-flow', bed.mgmtTarget, ofctlText(bed, p)]);
      }
    });
    await expectCount(PER_PROCESS_FLOWS, 'ovs-ofctl add-flow per process');
    await clear();

    const clientRate = FLOWS / median(pipelined);
    const bundleRate = FLOWS / median(bundled);
    const ofctlBundleRate = FLOWS / median(ofctlBundle);
    const perProcessRate = PER_PROCESS_FLOWS / perProcess;
    const deleteRate = FLOWS / median(deletes);
    const rawRate = FLOWS / median(raw);
    const rawDeleteRate = FLOWS / median(rawStrictDeletes);
    const strictDeleteRate = FLOWS / median(strictDeletes);
    const loadAfter = loadavg()[0]!;
    ctx.log(`  ${FLOWS} flows, median of ${reps} runs, OVS userspace (netdev) datapath`);
    ctx.log(
      `  client pipelined + barrier : ${round(clientRate)} flows/s  (target ≥ 100000 and ahead of ovs-ofctl --bundle)`,
    );
    ctx.log(`  client ONF bundle          : ${round(bundleRate)} flows/s`);
    ctx.log(`  ovs-ofctl --bundle         : ${round(ofctlBundleRate)} flows/s`);
    ctx.log(`  ovs-ofctl per process      : ${round(perProcessRate)} flows/s (${PER_PROCESS_FLOWS} flows)`);
    ctx.log(`  client delete by cookie    : ${round(deleteRate)} flows/s`);
    ctx.log(`  client FLOW stats (${FLOWS})  : ${(statsSeconds * 1000).toFixed(0)} ms`);
    ctx.log(`  client / ovs-ofctl --bundle: ${(clientRate / ofctlBundleRate).toFixed(2)}x`);
    ctx.log(
      `  raw limit, pre-encoded     : ${round(rawRate)} flows/s adds, ${round(rawDeleteRate)} DELETE_STRICT/s`,
    );
    ctx.log(`  client DELETE_STRICT       : ${round(strictDeleteRate)} flows/s`);
    ctx.log(
      `  client / raw               : ${(clientRate / rawRate).toFixed(2)} adds, ${(strictDeleteRate / rawDeleteRate).toFixed(2)} deletes (target ≥ 0.9)`,
    );
    ctx.log(`  load average (1 min)       : ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
    return {
      'openflow.flows': FLOWS,
      'openflow.client_flows_per_s': round(clientRate),
      'openflow.client_bundle_flows_per_s': round(bundleRate),
      'openflow.ovsofctl_bundle_flows_per_s': round(ofctlBundleRate),
      'openflow.ovsofctl_per_process_flows_per_s': round(perProcessRate),
      'openflow.client_delete_flows_per_s': round(deleteRate),
      'openflow.client_flow_stats_ms': round(statsSeconds * 1000),
      'openflow.client_vs_ovsofctl_bundle_ratio': Number((clientRate / ofctlBundleRate).toFixed(2)),
      'openflow.raw_limit_flows_per_s': round(rawRate),
      'openflow.raw_limit_delete_flows_per_s': round(rawDeleteRate),
      'openflow.client_delete_strict_flows_per_s': round(strictDeleteRate),
      'openflow.client_vs_raw': Number((clientRate / rawRate).toFixed(2)),
      'openflow.client_vs_raw_delete': Number((strictDeleteRate / rawDeleteRate).toFixed(2)),
      'openflow.load_avg_1m': Number(((loadBefore + loadAfter) / 2).toFixed(2)),
      'openflow.runs': reps,
    };
  } finally {
    await conn.close();
    rmSync(work, { recursive: true, force: true });
    await bed.destroy();
  }
}

export const openflowSection: BenchSection = { name: 'openflow', run };
