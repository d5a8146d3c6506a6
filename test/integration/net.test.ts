import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type dgram from 'node:dgram';
import { Testbed, run } from '../../src/lab/testbed/index.js';
import {
  DiscardPortSolicitor,
  InterfaceAddresses,
  NextHopResolver,
  type NextHop,
} from '../../src/net/index.js';

// Documentation MACs (RFC 7042 §2.1.1) for entries set by hand.
const DOC_MAC_1 = '00:00:5e:00:53:01';
const DOC_MAC_2 = '00:00:5e:00:53:02';

let bed: Testbed;
let resolver: NextHopResolver;
let solicitor: DiscardPortSolicitor;
const sockets: dgram.Socket[] = [];

/** Every `ip` command here names the testbed's own namespace. */
function pbxIp(...args: string[]): Promise<unknown> {
  return run('ip', ['-n', bed.pbxNs, ...args]);
}

async function socket(role: 'pbx' | 'far', address: string): Promise<dgram.Socket> {
  const s = await bed.udpSocket(role, address.includes(':') ? 'udp6' : 'udp4', address);
  sockets.push(s);
  return s;
}

/** The PBX sends until the far address answers: ARP/ND has then resolved it on the PBX side. */
async function exchange(farAddress: string): Promise<void> {
  const pbxAddress = farAddress.includes(':') ? bed.pbx.ipv6 : bed.pbx.ipv4;
  const pbx = await socket('pbx', pbxAddress);
  const far = await socket('far', farAddress);
  far.on('message', (_m, rinfo) => far.send('pong', rinfo.port, rinfo.address));
  const answered = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer from ${farAddress}`)), 5000);
    pbx.once('message', () => {
      clearTimeout(t);
      resolve();
    });
  });
  const timer = setInterval(() => pbx.send('ping', far.address().port, farAddress), 50);
  try {
    await answered;
  } finally {
    clearInterval(timer);
  }
}

function nextChange(address: string, timeoutMs = 5000): Promise<NextHop | null> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      resolver.off('changed', listener);
      reject(new Error(`no change reported for ${address}`));
    }, timeoutMs);
    const listener = (changed: string, hop: NextHop | null): void => {
      if (changed !== address) return;
      clearTimeout(t);
      resolver.off('changed', listener);
      resolve(hop);
    };
    resolver.on('changed', listener);
  });
}

beforeAll(async () => {
  bed = await Testbed.create({ farHosts: 12 });
  solicitor = new DiscardPortSolicitor((type) =>
    bed.udpSocket('pbx', type, type === 'udp4' ? bed.pbx.ipv4 : bed.pbx.ipv6),
  );
  resolver = new NextHopResolver({ netns: bed.pbxNs, unknownTtlMs: 0 });
  resolver.start();
});

afterAll(async () => {
  const pid = resolver?.monitorPid ?? null;
  await resolver?.stop();
  solicitor?.close();
  for (const s of sockets.splice(0)) s.close();
  await bed?.destroy();
  // The monitor child is gone, not just detached.
  if (pid !== null) expect(() => process.kill(pid, 0)).toThrow();
});

describe('next hops from the kernel of the PBX namespace', () => {
  it('answers "not yet" for a far address nothing has talked to', async () => {
    await expect(resolver.lookup(bed.far.ipv4[1]!)).resolves.toBeNull();
    await expect(resolver.lookup(bed.far.ipv6[1]!)).resolves.toBeNull();
  });

  it('gives the far MAC once datagrams were exchanged', async () => {
    const far = bed.far.ipv4[2]!;
    await exchange(far);
    await expect(resolver.lookup(far)).resolves.toEqual({
      mac: bed.far.mac,
      device: 'breth0',
      via: null,
      state: expect.stringMatching(/^(REACHABLE|STALE|DELAY|PROBE)$/),
    });
  });

  it('resolves IPv6 far addresses too', async () => {
    const far = bed.far.ipv6[3]!;
    await exchange(far);
    await expect(resolver.lookup(far)).resolves.toMatchObject({
      mac: bed.far.mac,
      device: 'breth0',
      via: null,
    });
  });

  it('uses the MAC of the gateway for an address routed through one', async () => {
    const gateway = bed.far.ipv4[4]!;
    await pbxIp('route', 'add', '203.0.113.0/24', 'via', gateway);
    await exchange(gateway);
    await expect(resolver.lookup('203.0.113.7')).resolves.toMatchObject({
      mac: bed.far.mac,
      device: 'breth0',
      via: gateway,
    });
  });

  it('nudges the kernel to resolve an unknown gateway and reports the MAC when it arrives', async () => {
    const gateway = bed.far.ipv4[5]!;
    await pbxIp('route', 'add', '203.0.113.64/26', 'via', gateway);
    const nudging = new NextHopResolver({ netns: bed.pbxNs, solicit: solicitor.solicit, unknownTtlMs: 0 });
    nudging.start();
    try {
      const changed = new Promise<NextHop | null>((resolve) =>
        nudging.once('changed', (_address, hop) => resolve(hop)),
      );
      await expect(nudging.lookup('203.0.113.70')).resolves.toBeNull();
      await expect(changed).resolves.toMatchObject({ mac: bed.far.mac, via: gateway });
      expect(nudging.peek('203.0.113.70')).toMatchObject({ mac: bed.far.mac });
    } finally {
      await nudging.stop();
    }
  });

  it('follows a changed MAC through the monitor and keeps it after the entry is deleted', async () => {
    const far = bed.far.ipv4[6]!;
    await exchange(far);
    await expect(resolver.lookup(far)).resolves.toMatchObject({ mac: bed.far.mac });

    const replaced = nextChange(far);
    await pbxIp('neigh', 'replace', far, 'lladdr', DOC_MAC_1, 'dev', 'breth0', 'nud', 'reachable');
    await expect(replaced).resolves.toMatchObject({ mac: DOC_MAC_1, device: 'breth0' });

    await pbxIp('neigh', 'del', far, 'dev', 'breth0');
    await expect.poll(() => resolver.peek(far)?.state).toBe('stale-kept');
    expect(resolver.peek(far)).toMatchObject({ mac: DOC_MAC_1 });
    // A read of the table (which now has nothing) does not lose it either.
    await resolver.refresh();
    expect(resolver.peek(far)).toMatchObject({ mac: DOC_MAC_1, state: 'stale-kept' });

    const learnt = nextChange(far);
    await pbxIp('neigh', 'replace', far, 'lladdr', DOC_MAC_2, 'dev', 'breth0');
    await expect(learnt).resolves.toMatchObject({ mac: DOC_MAC_2, state: 'PERMANENT' });

    resolver.forget(far);
    expect(resolver.peek(far)).toBeUndefined();
  });

  it('fails with a typed error for an address without a route', async () => {
    await expect(resolver.lookup('192.0.2.1')).rejects.toMatchObject({
      code: 'NET_ROUTE_GET',
      reason: 'no-route',
    });
  });
});

describe('interface addresses of the PBX namespace', () => {
  it('lists the PBX addresses of breth0 and its MAC', async () => {
    const net = new InterfaceAddresses({ netns: bed.pbxNs });
    await expect(net.addresses('breth0')).resolves.toEqual({ ipv4: [bed.pbx.ipv4], ipv6: [bed.pbx.ipv6] });
    await expect(net.macOf('breth0')).resolves.toBe(bed.pbx.mac);
  });

  it('resolves wildcard local addresses to the one address of each family', async () => {
    const net = new InterfaceAddresses({ netns: bed.pbxNs });
    await expect(net.resolveLocal('0.0.0.0', 'breth0')).resolves.toEqual({
      kind: 'resolved',
      address: bed.pbx.ipv4,
      fromWildcard: true,
    });
    await expect(net.resolveLocal('::', 'breth0')).resolves.toEqual({
      kind: 'resolved',
      address: bed.pbx.ipv6,
      fromWildcard: true,
    });
  });

  it('names the command when the device does not exist', async () => {
    const net = new InterfaceAddresses({ netns: bed.pbxNs });
    await expect(net.addresses('nosuchdev')).rejects.toMatchObject({
      code: 'NET_ADDR_SHOW',
      reason: 'no-device',
    });
  });
});
