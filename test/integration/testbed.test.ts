import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type dgram from 'node:dgram';
import { Testbed, TestbedError, run } from '../../src/lab/testbed/index.js';
import { isOurProcess } from '../../src/lab/testbed/processes.js';

async function rootLinks(): Promise<string> {
  return (await run('ip', ['-o', 'link', 'show'])).stdout.replace(/\s+$/, '');
}
async function namespaces(): Promise<string[]> {
  return (await run('ip', ['netns', 'list'])).stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean);
}

function nextMessage(
  sock: dgram.Socket,
  timeoutMs = 3000,
): Promise<{ data: Buffer; address: string; port: number }> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no datagram within timeout')), timeoutMs);
    sock.once('message', (data, rinfo) => {
      clearTimeout(t);
      resolve({ data, address: rinfo.address, port: rinfo.port });
    });
  });
}

/** Sends a datagram every 50 ms until one is received (ARP/ND resolve first). */
async function exchange(
  from: dgram.Socket,
  to: dgram.Socket,
  toAddress: string,
): Promise<{ address: string; port: number }> {
  const got = nextMessage(to, 5000);
  const timer = setInterval(() => from.send('ping', to.address().port, toAddress), 50);
  try {
    const { address, port } = await got;
    return { address, port };
  } finally {
    clearInterval(timer);
  }
}

const beds: Testbed[] = [];
afterEach(async () => {
  for (const bed of beds.splice(0)) await bed.destroy();
});

describe('the namespace + Open vSwitch testbed', () => {
  it('carries IPv4 datagrams from a far address to the PBX through breth0 and replies back', async () => {
    const bed = await Testbed.create();
    beds.push(bed);
    const pbx = await bed.udpSocket('pbx', 'udp4', bed.pbx.ipv4);
    const far = await bed.udpSocket('far', 'udp4', bed.far.ipv4[3]!);
    const seen = await exchange(far, pbx, bed.pbx.ipv4);
    expect(seen).toEqual({ address: bed.far.ipv4[3], port: far.address().port });
    const reply = await exchange(pbx, far, bed.far.ipv4[3]!);
    expect(reply).toEqual({ address: bed.pbx.ipv4, port: pbx.address().port });
    // The datagrams crossed the switch: the NORMAL flow counted them.
    const flows = await bed.ofctl('dump-flows');
    const normal = /n_packets=(\d+).*actions=NORMAL/.exec(flows);
    expect(Number(normal?.[1])).toBeGreaterThanOrEqual(2);
    pbx.close();
    far.close();
  });

  it('carries IPv6 datagrams both ways too', async () => {
    const bed = await Testbed.create();
    beds.push(bed);
    const pbx = await bed.udpSocket('pbx', 'udp6', bed.pbx.ipv6);
    const far = await bed.udpSocket('far', 'udp6', bed.far.ipv6[1]!);
    expect(await exchange(far, pbx, bed.pbx.ipv6)).toEqual({
      address: bed.far.ipv6[1],
      port: far.address().port,
    });
    expect(await exchange(pbx, far, bed.far.ipv6[1]!)).toEqual({
      address: bed.pbx.ipv6,
      port: pbx.address().port,
    });
    pbx.close();
    far.close();
  });

  it('does not deliver through the kernel when the switch forwards nothing', async () => {
    const bed = await Testbed.create();
    beds.push(bed);
    const pbx = await bed.udpSocket('pbx', 'udp4', bed.pbx.ipv4);
    const far = await bed.udpSocket('far', 'udp4', bed.far.ipv4[0]!);
    await exchange(far, pbx, bed.pbx.ipv4); // resolves ARP on both sides
    await bed.ofctl('del-flows'); // the switch now drops everything
    let received = 0;
    pbx.on('message', () => received++);
    for (let i = 0; i < 10; i++) far.send('x', pbx.address().port, bed.pbx.ipv4);
    await new Promise((r) => setTimeout(r, 500));
    expect(received).toBe(0);
    pbx.close();
    far.close();
  });

  it('leaves nothing behind after teardown, also when the test body throws', async () => {
    const before = await rootLinks();
    const bed = await Testbed.create();
    const { pbxNs, farNs, runDir } = bed;
    const pids = [bed.vswitchdPid(), bed.ovs.pid('ovsdb-server')];
    expect(pids.every((p) => p !== null && p > 0)).toBe(true);
    await expect(
      (async () => {
        try {
          await bed.udpSocket('far', 'udp4', bed.far.ipv4[0]!);
          throw new Error('test body failed');
        } finally {
          await bed.destroy();
        }
      })(),
    ).rejects.toThrow('test body failed');
    const ns = await namespaces();
    expect(ns).not.toContain(pbxNs);
    expect(ns).not.toContain(farNs);
    expect(existsSync(runDir)).toBe(false);
    expect(isOurProcess(pids[0]!, 'ovs-vswitchd')).toBe(false);
    expect(isOurProcess(pids[1]!, 'ovsdb-server')).toBe(false);
    // Nothing in the root namespace was created, moved or changed.
    expect(await rootLinks()).toBe(before);
  });

  it('lets two instances exist side by side', async () => {
    const a = await Testbed.create();
    beds.push(a);
    const b = await Testbed.create();
    beds.push(b);
    expect(a.prefix).not.toBe(b.prefix);
    for (const bed of [a, b]) {
      const pbx = await bed.udpSocket('pbx', 'udp4', bed.pbx.ipv4);
      const far = await bed.udpSocket('far', 'udp4', bed.far.ipv4[0]!);
      await exchange(far, pbx, bed.pbx.ipv4);
      pbx.close();
      far.close();
    }
  });

  it('refuses a name that is taken and touches nothing', async () => {
    const a = await Testbed.create();
    beds.push(a);
    const nsBefore = await namespaces();
    const linksBefore = await rootLinks();
    const err = await Testbed.create({ prefix: a.prefix }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TestbedError);
    expect((err as TestbedError).code).toBe('LAB_NAME_TAKEN');
    expect((err as Error).message).toContain(a.pbxNs);
    expect(await namespaces()).toEqual(nsBefore);
    expect(await rootLinks()).toBe(linksBefore);
    // The first instance still works.
    const pbx = await a.udpSocket('pbx', 'udp4', a.pbx.ipv4);
    const far = await a.udpSocket('far', 'udp4', a.far.ipv4[0]!);
    await exchange(far, pbx, a.pbx.ipv4);
    pbx.close();
    far.close();
  });

  it('rejects a prefix outside its own name space', async () => {
    const err = await Testbed.create({ prefix: 'eth0' }).catch((e: unknown) => e);
    expect((err as TestbedError).code).toBe('LAB_BAD_OPTION');
  });

  it('comes back after ovs-vswitchd restarts, with addresses and no flows but NORMAL', async () => {
    const bed = await Testbed.create();
    beds.push(bed);
    await bed.ofctl('add-flow', 'priority=5,udp,actions=NORMAL');
    const oldPid = bed.vswitchdPid();
    await bed.restartVswitchd();
    expect(bed.vswitchdPid()).not.toBe(oldPid);
    expect(await bed.ofctl('dump-flows')).not.toContain('priority=5');
    const pbx = await bed.udpSocket('pbx', 'udp4', bed.pbx.ipv4);
    const far = await bed.udpSocket('far', 'udp4', bed.far.ipv4[0]!);
    await exchange(far, pbx, bed.pbx.ipv4);
    pbx.close();
    far.close();
  });
});
