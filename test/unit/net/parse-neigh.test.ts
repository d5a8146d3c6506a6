import { describe, expect, it } from 'vitest';
import { usableNeighbour } from '../../../src/net/neigh-state.js';
import { parseNeighShow } from '../../../src/net/parse-neigh.js';
import { fixtureJson } from './helpers.js';

describe('parseNeighShow', () => {
  it.each([
    ['neigh-none.json', []],
    [
      'neigh-incomplete.json',
      [{ address: '198.51.100.250', lladdr: null, states: ['INCOMPLETE'], router: false }],
    ],
    ['neigh-failed.json', [{ address: '198.51.100.250', lladdr: null, states: ['FAILED'], router: false }]],
    [
      'neigh-reachable-v4.json',
      [{ address: '198.51.100.10', lladdr: 'be:15:15:e3:a6:fe', states: ['REACHABLE'], router: false }],
    ],
    [
      'neigh-reachable-v6.json',
      [{ address: '2001:db8:100::10', lladdr: 'be:15:15:e3:a6:fe', states: ['REACHABLE'], router: false }],
    ],
    [
      'neigh-permanent.json',
      [{ address: '198.51.100.77', lladdr: '02:00:5e:10:00:01', states: ['PERMANENT'], router: false }],
    ],
    [
      'neigh-stale.json',
      [{ address: '198.51.100.78', lladdr: '02:00:5e:10:00:02', states: ['STALE'], router: false }],
    ],
    [
      'neigh-noarp-nudall.json',
      [{ address: '198.51.100.79', lladdr: '02:00:5e:10:00:03', states: ['NOARP'], router: false }],
    ],
    [
      'neigh-router-v6.json',
      [{ address: '2001:db8:100::fe', lladdr: '02:00:5e:10:00:05', states: ['REACHABLE'], router: true }],
    ],
  ])('reads %s', (file, expected) => {
    expect(parseNeighShow(fixtureJson(file))).toEqual(expected.map((e) => ({ device: null, ...e })));
  });

  it('reads a whole table with entries of both families and states', () => {
    const entries = parseNeighShow(fixtureJson('neigh-all.json'));
    expect(entries.map((e) => [e.address, e.states[0]])).toEqual([
      ['198.51.100.250', 'INCOMPLETE'],
      ['198.51.100.10', 'REACHABLE'],
      ['2001:db8:100::10', 'REACHABLE'],
      ['2001:db8:100::250', 'INCOMPLETE'],
    ]);
  });

  it('rejects output that is not an array as bad output of neigh show', () => {
    expect(() => parseNeighShow({})).toThrow(
      expect.objectContaining({ code: 'NET_NEIGH_SHOW', reason: 'bad-output' }),
    );
  });

  it('skips entries without an address', () => {
    expect(parseNeighShow([{ lladdr: '02:00:5e:00:00:01' }, 'x'])).toEqual([]);
  });
});

describe('usableNeighbour', () => {
  it.each(['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT', 'NOARP'])(
    'uses the MAC of a %s entry',
    (state) => {
      expect(usableNeighbour('02:00:5E:10:00:01', [state])).toEqual({ mac: '02:00:5e:10:00:01', state });
    },
  );

  it.each([
    ['INCOMPLETE without an address', null, ['INCOMPLETE']],
    ['FAILED without an address', null, ['FAILED']],
    ['FAILED with a leftover address', '02:00:5e:10:00:01', ['FAILED']],
    ['INCOMPLETE with an address', '02:00:5e:10:00:01', ['INCOMPLETE']],
    ['NONE', '02:00:5e:10:00:01', ['NONE']],
    ['no state at all', '02:00:5e:10:00:01', []],
    ['a usable state mixed with FAILED', '02:00:5e:10:00:01', ['STALE', 'FAILED']],
    ['a NOARP entry of a tunnel (an IPv4 lladdr)', '192.0.2.1', ['NOARP']],
    ['an all-zero MAC', '00:00:00:00:00:00', ['NOARP']],
    ['a MAC of the wrong length', '02:00:5e:10:00', ['REACHABLE']],
  ])('gives nothing for %s', (_name, lladdr, states) => {
    expect(usableNeighbour(lladdr, states)).toBeNull();
  });
});
