import { describe, expect, it } from 'vitest';
import { mergeHop, NextHopCache, sameHop } from '../../../src/net/next-hop-cache.js';
import { SolicitThrottle } from '../../../src/net/next-hop-solicit.js';
import type { NeighbourTarget } from '../../../src/net/parse-route.js';
import type { Clock } from '../../../src/time/clock.js';

function manualClock(): Clock & { advance(ms: number): void } {
  let t = 0;
  return {
    now: () => t,
    setTimeout: () => ({ cancel: () => undefined }),
    advance: (ms) => {
      t += ms;
    },
  };
}

const ON_LINK: NeighbourTarget = { address: '198.51.100.10', device: 'breth0', via: null };
const MAC_A = '00:00:5e:00:53:0a';
const MAC_B = '00:00:5e:00:53:0b';
const hop = (mac: string) => ({ mac, device: 'breth0', via: null, state: 'REACHABLE' as const });

function cache(over: { maxEntries?: number; idleMs?: number } = {}) {
  const clock = manualClock();
  const forgotten: string[] = [];
  const c = new NextHopCache(
    { clock, ttlMs: 100, unknownTtlMs: 10, maxEntries: over.maxEntries ?? 10, idleMs: over.idleMs ?? 1000 },
    (k) => forgotten.push(k),
  );
  return { clock, c, forgotten };
}

describe('NextHopCache', () => {
  it('keeps a known hop fresh for ttlMs and "not yet" for unknownTtlMs', () => {
    const { clock, c } = cache();
    c.set('a', ON_LINK, hop(MAC_A));
    c.set('b', ON_LINK, null);
    clock.advance(10);
    expect(c.fresh('a')?.hop).toEqual(hop(MAC_A));
    expect(c.fresh('b')).toBeUndefined();
    expect(c.get('b')?.hop).toBeNull();
    clock.advance(90);
    expect(c.fresh('a')).toBeUndefined();
  });

  it('set returns the entry it replaced', () => {
    const { c } = cache();
    expect(c.set('a', ON_LINK, hop(MAC_A))).toBeUndefined();
    expect(c.set('a', ON_LINK, hop(MAC_B))?.hop).toEqual(hop(MAC_A));
  });

  it('evicts the least recently looked up past maxEntries and reports it', () => {
    const { c, forgotten } = cache({ maxEntries: 2 });
    for (const k of ['a', 'b']) {
      c.touch(k);
      c.set(k, ON_LINK, null);
    }
    c.touch('a');
    c.touch('c');
    expect(forgotten).toEqual(['b']);
    expect(c.keys()).toEqual(['a']);
  });

  it('dropIdle forgets what was not looked up within idleMs; inUse lists the rest', () => {
    const { clock, c, forgotten } = cache({ idleMs: 50 });
    c.touch('old');
    c.set('old', ON_LINK, null);
    clock.advance(40);
    c.touch('new');
    c.set('new', ON_LINK, null);
    c.set('untouched', ON_LINK, null);
    clock.advance(20);
    c.dropIdle();
    expect(forgotten).toEqual(['old']);
    expect(c.inUse()).toEqual(['new']);
    expect(c.keys().sort()).toEqual(['new', 'untouched']);
  });
});

describe('mergeHop', () => {
  it('keeps a known MAC as stale-kept when the same neighbour has no entry', () => {
    const previous = { target: ON_LINK, hop: hop(MAC_A), readAt: 0 };
    expect(mergeHop(previous, ON_LINK, null)).toEqual({ ...hop(MAC_A), state: 'stale-kept' });
  });
  it('drops it when the route now points at another neighbour', () => {
    const previous = { target: ON_LINK, hop: hop(MAC_A), readAt: 0 };
    const viaGw: NeighbourTarget = { address: '198.51.100.11', device: 'breth0', via: '198.51.100.11' };
    expect(mergeHop(previous, viaGw, null)).toBeNull();
  });
  it('takes what was observed', () => {
    expect(mergeHop(undefined, ON_LINK, { mac: MAC_B, state: 'STALE' })).toEqual({
      mac: MAC_B,
      device: 'breth0',
      via: null,
      state: 'STALE',
    });
  });
  it('sameHop ignores the state', () => {
    expect(sameHop(hop(MAC_A), { ...hop(MAC_A), state: 'stale-kept' })).toBe(true);
    expect(sameHop(hop(MAC_A), hop(MAC_B))).toBe(false);
    expect(sameHop(null, null)).toBe(true);
  });
});

describe('SolicitThrottle', () => {
  it('nudges an address at most once per interval, again after forget', () => {
    const clock = manualClock();
    const seen: string[] = [];
    const t = new SolicitThrottle((a) => void seen.push(a), clock, 100);
    t.nudge('a', ON_LINK);
    t.nudge('a', ON_LINK);
    t.nudge('b', ON_LINK);
    clock.advance(100);
    t.nudge('a', ON_LINK);
    t.forget('b');
    t.nudge('b', ON_LINK);
    expect(seen).toEqual(['a', 'b', 'a', 'b']);
  });
  it('swallows a solicitor that throws or rejects', async () => {
    const clock = manualClock();
    const t = new SolicitThrottle(
      () => {
        throw new Error('boom');
      },
      clock,
      100,
    );
    expect(() => t.nudge('a', ON_LINK)).not.toThrow();
    const r = new SolicitThrottle(() => Promise.reject(new Error('no')), clock, 100);
    r.nudge('a', ON_LINK);
    await Promise.resolve();
  });
});
