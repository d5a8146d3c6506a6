import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NextHopResolver, type NextHop, type NextHopResolverOptions } from '../../../src/net/next-hop.js';
import type { NeighbourTarget } from '../../../src/net/parse-route.js';
import { FakeIp, FakeSpawner, settle } from './helpers.js';

const NS = 'rtpotestpbx';
const FAR = '198.51.100.10';
const FAR6 = '2001:db8:100::10';
const GW = '198.51.100.11';
const BEHIND_GW = '203.0.113.7';
const MAC_A = '00:00:5e:00:53:0a';
const MAC_B = '00:00:5e:00:53:0b';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(options: Partial<NextHopResolverOptions> = {}): {
  ip: FakeIp;
  spawner: FakeSpawner;
  resolver: NextHopResolver;
  changes: [string, NextHop | null][];
} {
  const ip = new FakeIp();
  ip.routes.set(FAR, { dev: 'breth0' });
  ip.routes.set(FAR6, { dev: 'breth0' });
  ip.routes.set(BEHIND_GW, { dev: 'breth0', gateway: GW });
  const spawner = new FakeSpawner();
  const resolver = new NextHopResolver({
    netns: NS,
    runner: ip.runner,
    ttlMs: 60_000,
    unknownTtlMs: 1_000,
    monitor: { spawner: spawner.spawn, backoff: { initialDelayMs: 100 }, random: () => 1 },
    ...options,
  });
  const changes: [string, NextHop | null][] = [];
  resolver.on('changed', (address, hop) => changes.push([address, hop]));
  return { ip, spawner, resolver, changes };
}

const routeGets = (ip: FakeIp): number => ip.calls.filter((c) => c.includes('route')).length;

describe('NextHopResolver.lookup', () => {
  it('reads the route, then the neighbour entry of an on-link address, inside the namespace', async () => {
    const { ip, resolver } = setup();
    ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state: 'REACHABLE' });
    await expect(resolver.lookup(FAR)).resolves.toEqual({
      mac: MAC_A,
      device: 'breth0',
      via: null,
      state: 'REACHABLE',
    });
    expect(ip.calls).toEqual([
      ['-n', NS, '-j', 'route', 'get', FAR],
      ['-n', NS, '-j', 'neigh', 'show', 'to', FAR, 'dev', 'breth0', 'nud', 'all'],
    ]);
  });

  it('uses the MAC of the gateway for an address behind one', async () => {
    const { ip, resolver } = setup();
    ip.setNeigh('breth0', GW, { lladdr: MAC_B, state: 'STALE' });
    await expect(resolver.lookup(BEHIND_GW)).resolves.toEqual({
      mac: MAC_B,
      device: 'breth0',
      via: GW,
      state: 'STALE',
    });
    expect(ip.calls[1]).toContain(GW);
  });

  it('resolves IPv6 addresses, whatever way they are written', async () => {
    const { ip, resolver } = setup();
    ip.setNeigh('breth0', FAR6, { lladdr: MAC_A, state: 'DELAY' });
    await expect(resolver.lookup('2001:DB8:100:0::10')).resolves.toMatchObject({
      mac: MAC_A,
      state: 'DELAY',
    });
    expect(resolver.peek(FAR6)).toMatchObject({ mac: MAC_A });
  });

  it.each(['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT', 'NOARP'])(
    'uses a %s entry',
    async (state) => {
      const { ip, resolver } = setup();
      ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state });
      await expect(resolver.lookup(FAR)).resolves.toMatchObject({ mac: MAC_A, state });
    },
  );

  it.each([
    ['no entry', null],
    ['an INCOMPLETE entry', { state: 'INCOMPLETE' }],
    ['a FAILED entry', { state: 'FAILED' }],
  ])('answers "not yet" (null) for %s, never a guess', async (_name, entry) => {
    const { ip, resolver } = setup();
    ip.setNeigh('breth0', FAR, entry);
    await expect(resolver.lookup(FAR)).resolves.toBeNull();
    expect(resolver.peek(FAR)).toBeNull();
  });

  it('caches a known next hop for its lifetime, then reads again', async () => {
    const { ip, resolver } = setup();
    ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state: 'REACHABLE' });
    await resolver.lookup(FAR);
    vi.advanceTimersByTime(59_999);
    await resolver.lookup(FAR);
    expect(routeGets(ip)).toBe(1);
    vi.advanceTimersByTime(1);
    await resolver.lookup(FAR);
    expect(routeGets(ip)).toBe(2);
  });

  it('asks again about an unknown next hop sooner', async () => {
    const { ip, resolver } = setup();
    await resolver.lookup(FAR);
    await resolver.lookup(FAR);
    expect(routeGets(ip)).toBe(1);
    vi.advanceTimersByTime(1_000);
    ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state: 'REACHABLE' });
    await expect(resolver.lookup(FAR)).resolves.toMatchObject({ mac: MAC_A });
    expect(routeGets(ip)).toBe(2);
  });

  it('shares one read among concurrent lookups of the same address', async () => {
    const { ip, resolver } = setup();
    ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state: 'REACHABLE' });
    ip.hold();
    const all = Promise.all([resolver.lookup(FAR), resolver.lookup(FAR), resolver.lookup(FAR)]);
    await settle();
    ip.release();
    const [a, b, c] = await all;
    expect(a).toEqual(b);
    expect(b).toEqual(c);
    expect(routeGets(ip)).toBe(1);
  });

  it('rejects with a typed error and caches nothing when there is no route', async () => {
    const { resolver } = setup();
    await expect(resolver.lookup('192.0.2.1')).rejects.toMatchObject({
      code: 'NET_ROUTE_GET',
      reason: 'no-route',
    });
    expect(resolver.peek('192.0.2.1')).toBeUndefined();
  });

  it('rejects a local destination: there is no next hop', async () => {
    const { ip, resolver } = setup();
    ip.routes.set('198.51.100.1', { dev: 'lo', type: 'local' });
    await expect(resolver.lookup('198.51.100.1')).rejects.toMatchObject({
      code: 'NET_ROUTE_GET',
      reason: 'not-unicast',
    });
  });

  it('refuses something that is not an address before running anything', async () => {
    const { ip, resolver } = setup();
    expect(() => resolver.lookup('-n')).toThrow(expect.objectContaining({ code: 'NET_BAD_ADDRESS' }));
    expect(ip.calls).toEqual([]);
  });

  it('maps a failing neighbour read to NET_NEIGH_SHOW', async () => {
    const { ip, resolver } = setup();
    ip.failures.set(`-j neigh show to ${FAR} dev breth0 nud all`, {
      ok: false,
      failure: 'timeout',
      exitCode: null,
      stderr: '',
    });
    await expect(resolver.lookup(FAR)).rejects.toMatchObject({ code: 'NET_NEIGH_SHOW', reason: 'timeout' });
  });
});

describe('NextHopResolver keeps a known MAC', () => {
  it('marks it stale-kept when the entry ages out, without a change event', async () => {
    const { ip, resolver, changes } = setup();
    ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state: 'REACHABLE' });
    await resolver.lookup(FAR);
    ip.setNeigh('breth0', FAR, null);
    vi.advanceTimersByTime(60_000);
    await expect(resolver.lookup(FAR)).resolves.toEqual({
      mac: MAC_A,
      device: 'breth0',
      via: null,
      state: 'stale-kept',
    });
    ip.setNeigh('breth0', FAR, { state: 'FAILED' });
    await resolver.refresh();
    expect(resolver.peek(FAR)).toMatchObject({ mac: MAC_A, state: 'stale-kept' });
    expect(changes).toEqual([]);
  });

  it('replaces it when the kernel learns a different MAC, with a change event', async () => {
    const { ip, resolver, changes } = setup();
    ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state: 'REACHABLE' });
    await resolver.lookup(FAR);
    ip.setNeigh('breth0', FAR, { lladdr: MAC_B, state: 'STALE' });
    await resolver.refresh();
    const hop = { mac: MAC_B, device: 'breth0', via: null, state: 'STALE' };
    expect(resolver.peek(FAR)).toEqual(hop);
    expect(changes).toEqual([[FAR, hop]]);
  });

  it('drops it when the route moves to another neighbour whose MAC is unknown', async () => {
    const { ip, resolver, changes } = setup();
    ip.setNeigh('breth0', GW, { lladdr: MAC_A, state: 'REACHABLE' });
    await resolver.lookup(BEHIND_GW);
    ip.routes.set(BEHIND_GW, { dev: 'breth0', gateway: '198.51.100.12' });
    await resolver.refresh();
    expect(resolver.peek(BEHIND_GW)).toBeNull();
    expect(changes).toEqual([[BEHIND_GW, null]]);
  });

  it('forgets it on request', async () => {
    const { ip, resolver } = setup();
    ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state: 'REACHABLE' });
    await resolver.lookup(FAR);
    resolver.forget(FAR);
    expect(resolver.peek(FAR)).toBeUndefined();
    expect(resolver.addresses()).toEqual([]);
  });

  it('does not cache the answer of a read that was forgotten while it ran', async () => {
    const { ip, resolver } = setup();
    ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state: 'REACHABLE' });
    ip.hold();
    const pending = resolver.lookup(FAR);
    await settle();
    resolver.forget(FAR);
    ip.release();
    await expect(pending).resolves.toMatchObject({ mac: MAC_A });
    expect(resolver.peek(FAR)).toBeUndefined();
  });
});

describe('NextHopResolver.refresh', () => {
  it('re-reads every cached address and reports the ones that failed', async () => {
    const { ip, resolver } = setup();
    ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state: 'REACHABLE' });
    await resolver.lookup(FAR);
    await resolver.lookup(FAR6);
    await resolver.lookup(BEHIND_GW);
    ip.routes.delete(BEHIND_GW);
    const result = await resolver.refresh();
    expect(result.refreshed).toBe(2);
    expect(result.failed.map((f) => [f.address, f.error.code, f.error.reason])).toEqual([
      [BEHIND_GW, 'NET_ROUTE_GET', 'no-route'],
    ]);
    // One batch reads all three again; the one it could not answer is read once more alone.
    expect(ip.batches.flat().sort()).toEqual([FAR, FAR6, BEHIND_GW].map((a) => `route get ${a}`).sort());
    expect(routeGets(ip)).toBe(4);
  });

  it('learns a MAC that appeared for an address cached as unknown', async () => {
    const { ip, resolver, changes } = setup();
    await resolver.lookup(FAR);
    ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state: 'REACHABLE' });
    await resolver.refresh();
    expect(changes).toEqual([[FAR, { mac: MAC_A, device: 'breth0', via: null, state: 'REACHABLE' }]]);
  });
});

describe('NextHopResolver nudges', () => {
  it('asks the solicitor to make the kernel resolve an address without an entry, at most once a second', async () => {
    const asked: [string, NeighbourTarget][] = [];
    const { ip, resolver } = setup({ solicit: (address, target) => void asked.push([address, target]) });
    await expect(resolver.lookup(BEHIND_GW)).resolves.toBeNull();
    expect(asked).toEqual([[BEHIND_GW, { device: 'breth0', address: GW, via: GW }]]);
    vi.advanceTimersByTime(999);
    await resolver.refresh();
    expect(asked).toHaveLength(1);
    vi.advanceTimersByTime(1);
    await resolver.refresh();
    expect(asked).toHaveLength(2);
    ip.setNeigh('breth0', GW, { lladdr: MAC_A, state: 'REACHABLE' });
    vi.advanceTimersByTime(5_000);
    await resolver.refresh();
    expect(asked).toHaveLength(2);
  });

  it('survives a solicitor that throws or rejects', async () => {
    const { resolver } = setup({
      solicit: () => {
        throw new Error('no socket');
      },
    });
    await expect(resolver.lookup(FAR)).resolves.toBeNull();
    const rejecting = setup({ solicit: () => Promise.reject(new Error('EPERM')) }).resolver;
    await expect(rejecting.lookup(FAR)).resolves.toBeNull();
    await settle();
  });
});

describe('NextHopResolver with the neighbour monitor', () => {
  async function started(): Promise<ReturnType<typeof setup>> {
    const s = setup();
    s.resolver.start();
    await settle();
    return s;
  }

  it('runs ip -n <netns> monitor neigh and stops it', async () => {
    const { spawner, resolver } = await started();
    expect(spawner.argvs).toEqual([['-n', NS, 'monitor', 'neigh']]);
    expect(resolver.monitorStatus).toBe('running');
    await resolver.stop();
    expect(spawner.last.signals).toEqual(['SIGTERM']);
    expect(resolver.monitorStatus).toBe('stopped');
  });

  it('fires changed when an address cached as unknown gets a MAC', async () => {
    const { spawner, resolver, changes } = await started();
    await resolver.lookup(FAR);
    spawner.last.write(`${FAR} dev breth0 lladdr ${MAC_A} REACHABLE\n`);
    await settle();
    const hop = { mac: MAC_A, device: 'breth0', via: null, state: 'REACHABLE' };
    expect(changes).toEqual([[FAR, hop]]);
    expect(resolver.peek(FAR)).toEqual(hop);
    await resolver.stop();
  });

  it('updates every address behind a gateway when the gateway changes MAC', async () => {
    const { ip, spawner, resolver, changes } = await started();
    ip.routes.set('203.0.113.8', { dev: 'breth0', gateway: GW });
    ip.setNeigh('breth0', GW, { lladdr: MAC_A, state: 'REACHABLE' });
    await resolver.lookup(BEHIND_GW);
    await resolver.lookup('203.0.113.8');
    spawner.last.write(`${GW} dev breth0 lladdr ${MAC_B} REACHABLE\n`);
    await settle();
    expect(changes.map(([a, h]) => [a, h?.mac, h?.via])).toEqual([
      [BEHIND_GW, MAC_B, GW],
      ['203.0.113.8', MAC_B, GW],
    ]);
    await resolver.stop();
  });

  it('keeps the MAC through FAILED and Deleted lines, and follows state changes silently', async () => {
    const { ip, spawner, resolver, changes } = await started();
    ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state: 'REACHABLE' });
    await resolver.lookup(FAR);
    spawner.last.write(`${FAR} dev breth0 lladdr ${MAC_A} STALE\n`);
    await settle();
    expect(resolver.peek(FAR)).toMatchObject({ mac: MAC_A, state: 'STALE' });
    spawner.last.write(`${FAR} dev breth0 FAILED\nDeleted ${FAR} dev breth0 FAILED\n`);
    await settle();
    expect(resolver.peek(FAR)).toEqual({ mac: MAC_A, device: 'breth0', via: null, state: 'stale-kept' });
    spawner.last.write(`${FAR} dev breth0 lladdr ${MAC_A} REACHABLE\n`);
    await settle();
    expect(resolver.peek(FAR)).toMatchObject({ mac: MAC_A, state: 'REACHABLE' });
    expect(changes).toEqual([]);
    await resolver.stop();
  });

  it('ignores lines for other devices, other addresses, miss lines and forgotten addresses', async () => {
    const { ip, spawner, resolver, changes } = await started();
    ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state: 'REACHABLE' });
    await resolver.lookup(FAR);
    await resolver.lookup(FAR6);
    spawner.last.write(
      [
        `${FAR} dev eth9 lladdr ${MAC_B} REACHABLE`,
        `198.51.100.99 dev breth0 lladdr ${MAC_B} REACHABLE`,
        `miss ${FAR6} dev breth0 INCOMPLETE`,
        '',
      ].join('\n'),
    );
    await settle();
    resolver.forget(FAR);
    spawner.last.write(`${FAR} dev breth0 lladdr ${MAC_B} REACHABLE\n`);
    await settle();
    expect(changes).toEqual([]);
    expect(resolver.peek(FAR)).toBeUndefined();
    expect(resolver.peek(FAR6)).toBeNull();
    await resolver.stop();
  });

  it('lets a monitor line that arrives during a read win over the read', async () => {
    const { ip, spawner, resolver } = await started();
    ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state: 'REACHABLE' });
    ip.hold();
    const pending = resolver.lookup(FAR);
    await settle();
    spawner.last.write(`${FAR} dev breth0 lladdr ${MAC_B} REACHABLE\n`);
    await settle();
    ip.release();
    await expect(pending).resolves.toMatchObject({ mac: MAC_B });
    expect(resolver.peek(FAR)).toMatchObject({ mac: MAC_B });
    await resolver.stop();
  });

  it('re-reads the cache after the monitor restarts, since it missed lines meanwhile', async () => {
    const { ip, spawner, resolver, changes } = await started();
    const warnings: string[] = [];
    resolver.on('warning', (e) => warnings.push(e.code));
    await resolver.lookup(FAR);
    spawner.last.die(1);
    ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state: 'REACHABLE' });
    expect(resolver.monitorStatus).toBe('backoff');
    vi.advanceTimersByTime(100);
    await settle();
    expect(spawner.children).toHaveLength(2);
    expect(warnings).toEqual(['NET_MONITOR']);
    expect(changes).toEqual([]);
    vi.advanceTimersByTime(250);
    await settle();
    expect(changes).toEqual([[FAR, { mac: MAC_A, device: 'breth0', via: null, state: 'REACHABLE' }]]);
    await resolver.stop();
  });
});

describe('NextHopResolver cache bounds', () => {
  it('keeps at most maxEntries addresses, forgetting the least recently looked up', async () => {
    const { ip, resolver } = setup({ maxEntries: 3 });
    const addrs = ['198.51.100.21', '198.51.100.22', '198.51.100.23', '198.51.100.24'];
    for (const a of addrs) {
      ip.routes.set(a, { dev: 'breth0' });
      ip.setNeigh('breth0', a, { lladdr: MAC_A, state: 'REACHABLE' });
    }
    for (const a of addrs.slice(0, 3)) await resolver.lookup(a);
    await resolver.lookup(addrs[0]!); // used again: the oldest is now .22
    await resolver.lookup(addrs[3]!);
    expect(resolver.addresses().sort()).toEqual(['198.51.100.21', '198.51.100.23', '198.51.100.24']);
  });

  it('re-reads on refresh only addresses looked up within idleMs; the rest are forgotten', async () => {
    const { ip, resolver } = setup({ idleMs: 10_000 });
    for (const a of ['198.51.100.31', '198.51.100.32']) {
      ip.routes.set(a, { dev: 'breth0' });
      ip.setNeigh('breth0', a, { lladdr: MAC_A, state: 'REACHABLE' });
    }
    await resolver.lookup('198.51.100.31');
    vi.advanceTimersByTime(8_000);
    await resolver.lookup('198.51.100.32');
    vi.advanceTimersByTime(5_000);
    ip.calls.length = 0;
    await resolver.refresh();
    expect(ip.calls.some((c) => c.includes('198.51.100.31'))).toBe(false);
    expect(ip.calls.some((c) => c.includes('198.51.100.32'))).toBe(true);
    expect(resolver.addresses()).toEqual(['198.51.100.32']);
  });
});

describe('NextHopResolver lookups asked together', () => {
  it('share one batch of route reads and one read of the neighbour table', async () => {
    const { ip, resolver } = setup();
    ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state: 'REACHABLE' });
    ip.setNeigh('breth0', GW, { lladdr: MAC_B, state: 'STALE' });
    const [far, behind, far6] = await Promise.all([
      resolver.lookup(FAR),
      resolver.lookup(BEHIND_GW),
      resolver.lookup(FAR6),
    ]);
    expect(far).toEqual({ mac: MAC_A, device: 'breth0', via: null, state: 'REACHABLE' });
    expect(behind).toMatchObject({ mac: MAC_B, device: 'breth0', via: GW });
    expect(far6).toBeNull();
    expect(ip.calls).toEqual([
      ['-n', NS, '-j', '-force', '-batch', '-'],
      ['-n', NS, '-j', 'neigh', 'show', 'nud', 'all'],
    ]);
    expect(ip.batches).toEqual([[`route get ${FAR}`, `route get ${BEHIND_GW}`, `route get ${FAR6}`]]);
  });

  it('reads an address the batch did not answer on its own, so its error is its own', async () => {
    const { ip, resolver } = setup();
    ip.setNeigh('breth0', FAR, { lladdr: MAC_A, state: 'REACHABLE' });
    const nowhere = '192.0.2.99';
    const [far, lost] = await Promise.allSettled([resolver.lookup(FAR), resolver.lookup(nowhere)]);
    expect(far).toMatchObject({ status: 'fulfilled', value: { mac: MAC_A } });
    expect(lost).toMatchObject({ status: 'rejected', reason: { code: 'NET_ROUTE_GET', reason: 'no-route' } });
    expect(ip.calls).toContainEqual(['-n', NS, '-j', 'route', 'get', nowhere]);
    expect(ip.calls.filter((c) => c.includes('route') && c.includes(FAR))).toEqual([]);
  });
});
