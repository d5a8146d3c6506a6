import { describe, expect, it } from 'vitest';
import { parseMonitorLine } from '../../../src/net/parse-monitor.js';
import { fixtureText } from './helpers.js';

const base = { device: 'breth0', lladdr: null, router: false };

describe('parseMonitorLine', () => {
  it.each([
    [
      '198.51.100.10 dev breth0 lladdr be:15:15:e3:a6:fe REACHABLE ',
      {
        ...base,
        kind: 'update',
        address: '198.51.100.10',
        lladdr: 'be:15:15:e3:a6:fe',
        states: ['REACHABLE'],
      },
    ],
    [
      '2001:db8:100::fe dev breth0 lladdr 02:00:5e:10:00:05 router REACHABLE ',
      {
        ...base,
        kind: 'update',
        address: '2001:db8:100::fe',
        lladdr: '02:00:5e:10:00:05',
        states: ['REACHABLE'],
        router: true,
      },
    ],
    [
      '198.51.100.10 dev breth0 FAILED ',
      { ...base, kind: 'update', address: '198.51.100.10', states: ['FAILED'] },
    ],
    [
      'Deleted 198.51.100.10 dev breth0 FAILED ',
      { ...base, kind: 'deleted', address: '198.51.100.10', states: ['FAILED'] },
    ],
    [
      'Deleted 2001:db8:100::fe dev breth0 router FAILED ',
      { ...base, kind: 'deleted', address: '2001:db8:100::fe', states: ['FAILED'], router: true },
    ],
    [
      '[2026-11-22T10:06:40.178016] 198.51.100.10 dev breth0 lladdr 02:00:5e:10:00:99 PERMANENT ',
      {
        ...base,
        kind: 'update',
        address: '198.51.100.10',
        lladdr: '02:00:5e:10:00:99',
        states: ['PERMANENT'],
      },
    ],
    // Older iproute2 and other kernels: a Deleted line that still names the address, counters, probes.
    [
      'Deleted 198.51.100.20 dev breth0 lladdr 02:00:5E:10:00:07 ref 1 used 10/10/5 probes 3 STALE',
      { ...base, kind: 'deleted', address: '198.51.100.20', lladdr: '02:00:5e:10:00:07', states: ['STALE'] },
    ],
    [
      '[NEIGH]198.51.100.21 dev breth0 lladdr 02:00:5e:10:00:08 proxy extern_learn DELAY',
      { ...base, kind: 'update', address: '198.51.100.21', lladdr: '02:00:5e:10:00:08', states: ['DELAY'] },
    ],
    [
      'miss 198.51.100.250 dev breth0 INCOMPLETE',
      { ...base, kind: 'miss', address: '198.51.100.250', states: ['INCOMPLETE'] },
    ],
  ])('reads %j', (line, expected) => {
    expect(parseMonitorLine(line)).toEqual(expected);
  });

  it.each([
    '',
    '   ',
    'Timestamp: Sun Nov 22 10:06:40 2026 178016 usec',
    '??? 12 dev breth0',
    '[2026-11-22T10:06:40',
  ])('ignores %j', (line) => {
    expect(parseMonitorLine(line)).toBeNull();
  });

  it('reads every line captured from ip monitor neigh and ip -ts monitor neigh', () => {
    for (const file of ['monitor-neigh.txt', 'monitor-neigh-ts.txt']) {
      const lines = fixtureText(file)
        .split('\n')
        .filter((l) => l.trim() !== '');
      const events = lines.map(parseMonitorLine);
      expect(events.every((e) => e !== null && e.device === 'breth0' && e.states.length === 1)).toBe(true);
    }
    const plain = fixtureText('monitor-neigh.txt').split('\n').filter(Boolean).map(parseMonitorLine);
    const stamped = fixtureText('monitor-neigh-ts.txt').split('\n').filter(Boolean).map(parseMonitorLine);
    expect(stamped).toEqual(plain.slice(0, stamped.length));
  });
});
