import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallGenerator, type RtpEndpoint } from '../../src/lab/callgen/index.js';
import { PbxProcess } from '../../src/lab/pbx/process.js';
import { Testbed } from '../../src/lab/testbed/index.js';

const CALLS = 100;
const MEDIA_MS = 5000;

let bed: Testbed;
let pbx: PbxProcess;
let dir: string;
const gen = new CallGenerator();

beforeAll(async () => {
  // The child runs plain JavaScript: bundle the entry point once.
  dir = mkdtempSync(join(tmpdir(), 'rtpo-pbx-'));
  const entry = join(dir, 'main.mjs');
  await build({
    entryPoints: [new URL('../../src/lab/pbx/main.ts', import.meta.url).pathname],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: entry,
    logLevel: 'silent',
  });
  bed = await Testbed.create({ farHosts: 8 });
  pbx = await PbxProcess.spawn(
    {
      version: 20,
      driver: 'pjsip',
      ami: {
        host: bed.pbx.ipv4,
        port: 5038,
        users: [{ username: 'agent', secret: 'pw', read: 'all', write: 'all' }],
      },
      localAddress: { ipv4: bed.pbx.ipv4, ipv6: bed.pbx.ipv6 },
      endpoints: { alice: {}, bob: {} },
    },
    { namespace: bed.pbxNs, entry },
  );
}, 60_000);

/** UDP receive errors in the pbx namespace (InErrors + RcvbufErrors of /proc/net/snmp). */
async function pbxUdpErrors(): Promise<number> {
  const lines = (await bed.exec('pbx', 'cat', ['/proc/net/snmp'])).stdout
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const [names, values] = lines.map((l) => l.split(/\s+/).slice(1));
  const at = (k: string): number => Number(values![names!.indexOf(k)]);
  return at('InErrors') + at('RcvbufErrors');
}

afterAll(async () => {
  gen.close();
  await pbx?.stop();
  await bed?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the simulated PBX as its own process in the pbx namespace', () => {
  it('listens for AMI on the namespace address it was given', () => {
    expect(pbx.ami).toEqual({ host: bed.pbx.ipv4, port: 5038 });
  });

  it('relays calls placed over IPC without loss, and its CPU can be read from /proc', async () => {
    const pairs: [RtpEndpoint, RtpEndpoint][] = [];
    for (let i = 0; i < CALLS; i++) {
      const a = bed.far.ipv4[i % 8]!;
      const b = bed.far.ipv4[(i + 3) % 8]!;
      const pa = 34000 + 4 * i;
      const call = await pbx.placeCall({
        caller: { endpoint: 'alice', remote: { address: a, port: pa } },
        callee: { endpoint: 'bob', remote: { address: b, port: pa + 2 } },
      });
      expect(call.technology).toBe('native_rtp');
      pairs.push([
        gen.add({
          rtp: await bed.udpSocket('far', 'udp4', a, pa),
          rtcp: await bed.udpSocket('far', 'udp4', a, pa + 1),
          target: { address: bed.pbx.ipv4, port: call.caller.localRtpPort },
        }),
        gen.add({
          rtp: await bed.udpSocket('far', 'udp4', b, pa + 2),
          rtcp: await bed.udpSocket('far', 'udp4', b, pa + 3),
          target: { address: bed.pbx.ipv4, port: call.callee.localRtpPort },
        }),
      ]);
    }
    const udp0 = await pbxUdpErrors();
    const cpu0 = pbx.cpu();
    const stats0 = await pbx.relayStats();
    gen.start();
    await new Promise((r) => setTimeout(r, MEDIA_MS));
    gen.stop();
    await new Promise((r) => setTimeout(r, 300));
    const cpu1 = pbx.cpu();
    const stats1 = await pbx.relayStats();
    const totals = gen.totals();
    const received = stats1.packetsReceived - stats0.packetsReceived;
    const relayed = stats1.packetsRelayed - stats0.packetsRelayed;
    // The PBX relays all it receives; what OVS's userspace datapath drops under CPU
    // contention on the shared cores is bounded and reported, not the PBX's.
    expect(relayed).toBe(received);
    const udpErrors = (await pbxUdpErrors()) - udp0;
    expect(udpErrors).toBe(0);
    const lostInSwitch = totals.sent - received + (relayed - totals.received);
    expect(lostInSwitch).toBeLessThanOrEqual(Math.ceil(totals.sent * 0.02));
    for (const [a, b] of pairs) expect([a.stats().duplicated, b.stats().duplicated]).toEqual([0, 0]);
    const share = (cpu1.cpuMs - cpu0.cpuMs) / (cpu1.atMs - cpu0.atMs);
    expect(share).toBeGreaterThan(0);
    console.log(
      `[pbx-process] ${CALLS} calls: relayed ${relayed} packets in ${MEDIA_MS / 1000} s, ` +
        `lost in the switch ${lostInSwitch}, PBX process CPU ${(share * 100).toFixed(1)}% of a core (/proc), ` +
        `relay path ${(stats1.relayCpuMs - stats0.relayCpuMs).toFixed(0)} ms`,
    );
    expect((await pbx.calls()).length).toBe(CALLS);
  });

  it('restarts over IPC with every call gone', async () => {
    await pbx.restart();
    expect(await pbx.calls()).toEqual([]);
  });

  it('loads and unloads res_rtp_offload and arms a dropped hangup over IPC', async () => {
    expect(await pbx.moduleLoad()).toBe(true);
    expect(await pbx.moduleLoad()).toBe(false);
    expect(await pbx.moduleUnload()).toBe(true);
    expect(await pbx.moduleUnload()).toBe(false);
    await pbx.moduleReload();
    const a = bed.far.ipv4[0]!;
    const call = await pbx.placeCall({
      caller: { endpoint: 'alice', remote: { address: a, port: 45000 } },
      callee: { endpoint: 'bob', remote: { address: a, port: 45002 } },
    });
    await pbx.dropNextHangup(call.id, 'caller');
    await pbx.hangup(call.id);
    expect(await pbx.calls()).toEqual([]);
  });
});
