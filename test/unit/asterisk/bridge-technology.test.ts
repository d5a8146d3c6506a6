import { describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_TECHNOLOGY_COSTS,
  planTechnologyQuery,
  TechnologyQuery,
  type TechnologyBackend,
} from '../../../src/asterisk/ami/bridge-technology.js';
import { silentLogger } from '../../../src/asterisk/ami/logger.js';

describe('planTechnologyQuery', () => {
  it.each([
    // requested, native bridges in total, expected miss ratio, method
    [1, 1, 0, 'list'], // one item of a filtered list is smaller than a BridgeInfo
    [1, 1000, 0.1, 'info'],
    [50, 1000, 0.1, 'info'],
    [300, 1000, 0.1, 'list'],
    [1000, 1000, 0.1, 'list'],
    [5, 5, 0, 'list'],
    [10, 100, 0, 'info'],
    [50, 100, 0, 'list'],
    [10, 1000, 0, 'info'],
    [1000, 1000, 1, 'info'], // every asked bridge would miss the list anyway
  ] as const)('%i asked of %i native (miss %f) → %s', (requested, nativeEstimate, missRatio, method) => {
    expect(
      planTechnologyQuery({ requested, nativeEstimate, missRatio, costs: DEFAULT_TECHNOLOGY_COSTS }).method,
    ).toBe(method);
  });
});

describe('TechnologyQuery', () => {
  function backend(
    native: Set<string>,
    known: number,
  ): TechnologyBackend & { infos: string[]; lists: number } {
    const b = {
      infos: [] as string[],
      lists: 0,
      bridgeInfo: async (id: string) => {
        b.infos.push(id);
        return {
          technology: id.startsWith('gone') ? null : native.has(id) ? 'native_rtp' : 'simple_bridge',
          bytes: 1000,
        };
      },
      nativeBridges: async () => {
        b.lists++;
        return { ids: native, bytes: 170 + 250 * native.size };
      },
      knownBridgeCount: () => known,
    };
    return b;
  }

  it('coalesces calls made while a run is pending, and spaces runs by the minimum interval', async () => {
    vi.useFakeTimers();
    try {
      let now = 0;
      const be = backend(new Set(['a', 'b']), 2);
      const q = new TechnologyQuery(be, { minIntervalMs: 100, now: () => now, logger: silentLogger });
      const p1 = q.query(['a']);
      const p2 = q.query(['a', 'b', 'gone-1']);
      await vi.advanceTimersByTimeAsync(0);
      expect(await p1).toEqual(new Map([['a', 'native_rtp']]));
      expect(await p2).toEqual(
        new Map([
          ['a', 'native_rtp'],
          ['b', 'native_rtp'],
        ]),
      );
      expect(q.stats().runs).toBe(1);
      const p3 = q.query(['b']);
      await vi.advanceTimersByTimeAsync(50);
      expect(q.stats().runs).toBe(1); // still inside the interval
      now = 100;
      await vi.advanceTimersByTimeAsync(50);
      await p3;
      expect(q.stats().runs).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers a query made while a run is in flight from a later run, never from the stale one', async () => {
    const native = new Set<string>();
    // Many known bridges: one asked is cheaper by BridgeInfo, which this test holds open.
    const be = backend(native, 1000);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const info = be.bridgeInfo;
    be.bridgeInfo = async (id) => {
      const answer = await info(id); // read now, before the change below
      await gate;
      return answer;
    };
    const q = new TechnologyQuery(be, { minIntervalMs: 0, now: () => 0, logger: silentLogger });
    const first = q.query(['x']);
    await new Promise((r) => setTimeout(r, 5)); // the first run is now out
    // The bridge switches back to native_rtp (a recording stopped) while the first run is out.
    native.add('x');
    const second = q.query(['x']);
    release();
    expect(await first).toEqual(new Map([['x', 'simple_bridge']]));
    expect(await second).toEqual(new Map([['x', 'native_rtp']]));
    expect(be.infos).toEqual(['x', 'x']);
  });

  it('rejects every waiter of a failed run, and the next run starts afresh', async () => {
    const be = backend(new Set(), 1);
    let fail = true;
    be.bridgeInfo = async () => {
      if (fail) throw new Error('down');
      return { technology: 'simple_bridge', bytes: 1000 };
    };
    const q = new TechnologyQuery(be, { minIntervalMs: 0, now: () => 0, logger: silentLogger });
    await expect(q.query(['x'])).rejects.toThrow('down');
    fail = false;
    expect(await q.query(['x'])).toEqual(new Map([['x', 'simple_bridge']]));
  });

  it('learns the list item size from replies', async () => {
    const ids = new Set(Array.from({ length: 100 }, (_, i) => `b${i}`));
    const be = backend(ids, 100);
    be.nativeBridges = async () => ({ ids, bytes: 170 + 400 * ids.size });
    const q = new TechnologyQuery(be, { minIntervalMs: 0, now: () => 0, logger: silentLogger });
    await q.query([...ids]);
    expect(q.costs.listItemBytes).toBeGreaterThan(DEFAULT_TECHNOLOGY_COSTS.listItemBytes);
  });
});
