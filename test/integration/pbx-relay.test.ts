import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallGenerator, type RtpEndpoint } from '../../src/lab/callgen/index.js';
import { AmiProbe, SimulatedPbx, type SimCall } from '../../src/lab/pbx/index.js';
import { Testbed } from '../../src/lab/testbed/index.js';

const CALLS = 100;
const MEDIA_MS = 6000;

let bed: Testbed;
let pbx: SimulatedPbx;
let ami: AmiProbe;
const gen = new CallGenerator();
const calls: {
  call: SimCall;
  caller: RtpEndpoint;
  callee: RtpEndpoint;
  farCaller: string;
  farCallee: string;
}[] = [];

beforeAll(async () => {
  bed = await Testbed.create({ farHosts: 16 });
  pbx = await SimulatedPbx.start({
    version: 22,
    driver: 'pjsip',
    ami: {
      host: '127.0.0.1',
      port: 0,
      users: [{ username: 'agent', secret: 'pw', read: 'all', write: 'all' }],
    },
    openRtpSocket: (family, address, port) =>
      bed.udpSocket('pbx', family === 6 ? 'udp6' : 'udp4', address, port),
    localAddress: { ipv4: bed.pbx.ipv4, ipv6: bed.pbx.ipv6 },
    endpoints: { alice: { extension: '2001' }, bob: { extension: '2002' } },
  });
  ami = await AmiProbe.connect('127.0.0.1', pbx.amiAddress().port);
  await ami.login('agent', 'pw', 'call');
  for (let i = 0; i < CALLS; i++) {
    const a = bed.far.ipv4[i % bed.far.ipv4.length]!;
    const b = bed.far.ipv4[(i + 7) % bed.far.ipv4.length]!;
    const pa = 30000 + 4 * i;
    const pb = 30002 + 4 * i;
    const call = await pbx.placeCall({
      caller: { endpoint: 'alice', remote: { address: a, port: pa } },
      callee: { endpoint: 'bob', remote: { address: b, port: pb } },
    });
    const caller = gen.add({
      rtp: await bed.udpSocket('far', 'udp4', a, pa),
      rtcp: await bed.udpSocket('far', 'udp4', a, pa + 1),
      target: { address: bed.pbx.ipv4, port: call.caller.localRtpPort },
    });
    const callee = gen.add({
      rtp: await bed.udpSocket('far', 'udp4', b, pb),
      rtcp: await bed.udpSocket('far', 'udp4', b, pb + 1),
      target: { address: bed.pbx.ipv4, port: call.callee.localRtpPort },
    });
    calls.push({ call, caller, callee, farCaller: `${a}:${pa}`, farCallee: `${b}:${pb}` });
  }
}, 120_000);

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
  ami?.close();
  await pbx?.stop();
  await bed?.destroy();
});

describe(`${CALLS} calls through the simulated PBX on the testbed`, () => {
  it('shows every call as a two-party native_rtp bridge in BridgeList', async () => {
    const list = await ami.list('BridgeList');
    expect(list.items).toHaveLength(CALLS);
    expect(list.items.every((m) => m.get('BridgeTechnology') === 'native_rtp')).toBe(true);
    expect(list.items.every((m) => m.get('BridgeNumChannels') === '2')).toBe(true);
    const ids = new Set(list.items.map((m) => m.get('BridgeUniqueid')));
    expect(calls.every(({ call }) => ids.has(call.bridgeId))).toBe(true);
  });

  it('relays every packet it receives between the far endpoints, only from the PBX legs, SSRC passed through', async () => {
    const cpuBefore = process.cpuUsage();
    const statsBefore = pbx.relayStats();
    const udpBefore = await pbxUdpErrors();
    gen.start();
    await new Promise((r) => setTimeout(r, MEDIA_MS));
    gen.stop();
    await new Promise((r) => setTimeout(r, 500));
    const cpu = process.cpuUsage(cpuBefore);
    const stats = pbx.relayStats();
    const totals = gen.totals();
    for (const { call, caller, callee } of calls) {
      for (const [rx, tx, leg] of [
        [caller, callee, call.caller],
        [callee, caller, call.callee],
      ] as const) {
        const r = rx.stats();
        expect(r.duplicated).toBe(0);
        expect(r.sources).toEqual({ [`${bed.pbx.ipv4}:${leg.localRtpPort}`]: r.received });
        // p2p relay: the sender's own SSRC arrives, and one marker after the relay start.
        expect(Object.keys(r.streams)).toEqual([tx.ssrc.toString(16).padStart(8, '0')]);
        expect(r.markers).toBe(1);
      }
    }
    const received = stats.packetsReceived - statsBefore.packetsReceived;
    const relayed = stats.packetsRelayed - statsBefore.packetsRelayed;
    const relayMs = stats.relayCpuMs - statsBefore.relayCpuMs;
    // The PBX loses nothing: every packet it received was relayed, and none of its
    // sockets overflowed.
    expect(relayed).toBe(received);
    expect(await pbxUdpErrors()).toBe(udpBefore);
    // Everything else crossed OVS's userspace datapath twice, on 2 cores shared with other
    // work; a drop there is the switch's, reported and bounded here.
    const lostInSwitch = totals.sent - received + (relayed - totals.received);
    expect(lostInSwitch).toBeLessThanOrEqual(Math.ceil(totals.sent * 0.02));
    console.log(
      `[pbx-relay] ${CALLS} calls, ${MEDIA_MS / 1000} s: sent ${totals.sent}, PBX received ${received}, relayed ${relayed}, ` +
        `far received ${totals.received}, lost in the switch ${lostInSwitch}, generator late-skip ${totals.skippedMs} ms, ` +
        `relay path ${relayMs.toFixed(0)} ms (${((relayMs / MEDIA_MS) * 100).toFixed(1)}% of a core, ` +
        `${((relayMs * 1000) / relayed).toFixed(1)} µs/packet); test process CPU (PBX + generator) ` +
        `${(((cpu.user + cpu.system) / 1000 / MEDIA_MS) * 100).toFixed(1)}% of a core`,
    );
  });

  it("answers Getvar with both legs' RTP addresses: bound PBX address and learned far address", async () => {
    for (const { call, farCaller, farCallee } of calls) {
      for (const [leg, far] of [
        [call.caller, farCaller],
        [call.callee, farCallee],
      ] as const) {
        const src = await ami.action('Getvar', { Channel: leg.channel, Variable: 'CHANNEL(rtp,src)' });
        expect(src.get('Value')).toBe(`${bed.pbx.ipv4}:${leg.localRtpPort}`);
        const dest = await ami.action('Getvar', { Channel: leg.uniqueid, Variable: 'CHANNEL(rtp,dest)' });
        expect(dest.get('Value')).toBe(far);
      }
    }
  });
});
