import { describe, expect, it, vi } from 'vitest';
import { CallModel } from '../../../src/model/call-model.js';
import type { PbxEvent } from '../../../src/model/pbx.js';
import { channel } from './fixtures.js';

const enter = (bridgeId: string, id: string, swap: string | null = null): PbxEvent => ({
  kind: 'channel-entered',
  bridgeId,
  channel: channel(id, `PJSIP/p-${id}`),
  technology: 'simple_bridge',
  memberCount: 0,
  swapChannelId: swap,
});

describe('bridge membership (a Set, read as an array in join order)', () => {
  it('keeps join order through joins, a repeated join, a swap, a leave and a merge', () => {
    const m = new CallModel();
    for (const id of ['1', '2', '3']) m.apply(enter('B', id), 1);
    m.apply(enter('B', '2'), 2); // a repeated BridgeEnter does not duplicate
    m.apply(enter('B', '4', '1'), 3); // 4 replaces 1
    expect(m.bridges.get('B')!.members).toEqual(['2', '3', '4']);
    m.apply({ kind: 'channel-left', bridgeId: 'B', channel: channel('3', 'PJSIP/p-3'), memberCount: 0 }, 4);
    m.apply(enter('C', '9'), 5);
    m.apply({ kind: 'bridge-merged', toBridgeId: 'C', fromBridgeId: 'B' }, 6);
    expect(m.bridges.has('B')).toBe(false);
    expect(m.bridges.get('C')!.members).toEqual(['9', '2', '4']);
    expect(m.channels.get('2')!.bridgeId).toBe('C');
    expect(m.bridges.get('C')!.twoPartySince).toBeNull();
  });

  it('looks up only the moved channels when a pair merges into a bridge of 10,000', () => {
    const m = new CallModel();
    for (let i = 0; i < 10_000; i++) m.apply(enter('big', `c${i}`), 1);
    m.apply(enter('pair', 'x'), 2);
    m.apply(enter('pair', 'y'), 2);
    const get = vi.spyOn(m.channels, 'get');
    m.apply({ kind: 'bridge-merged', toBridgeId: 'big', fromBridgeId: 'pair' }, 3);
    expect(get.mock.calls.length).toBe(2);
    expect(m.bridges.get('big')!.members.length).toBe(10_002);
    get.mockClear();
    // A hold marks the legs of its own bridge stale and touches nothing else.
    m.apply(enter('pair2', 'p'), 4);
    m.apply(enter('pair2', 'q'), 4);
    get.mockClear();
    m.apply({ kind: 'channel-hold', channelId: 'p' }, 5);
    expect(get.mock.calls.length).toBe(3);
    expect(m.channels.get('q')!.legStale).toBe(true);
  });
});
