import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NeighMonitor, type NeighMonitorOptions } from '../../../src/net/neigh-monitor.js';
import type { NeighMonitorEvent } from '../../../src/net/parse-monitor.js';
import { FakeSpawner, fixtureText, settle } from './helpers.js';

// Only timers, Date and performance (the monotonic clock) are faked: streams and promise chains keep running on setImmediate.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

function monitor(options: Partial<NeighMonitorOptions> = {}): {
  mon: NeighMonitor;
  spawner: FakeSpawner;
  events: NeighMonitorEvent[];
  exits: number[];
} {
  const spawner = new FakeSpawner();
  const mon = new NeighMonitor({
    netns: 'rtpotestpbx',
    spawner: spawner.spawn,
    backoff: { initialDelayMs: 100, maxDelayMs: 1000 },
    random: () => 1,
    stableAfterMs: 10_000,
    ...options,
  });
  const events: NeighMonitorEvent[] = [];
  const exits: number[] = [];
  mon.on('neighbour', (e) => events.push(e));
  mon.on('exited', (_err, delay) => exits.push(delay));
  return { mon, spawner, events, exits };
}

describe('NeighMonitor', () => {
  it('runs ip -n <netns> monitor neigh and emits each line it understands', async () => {
    const { mon, spawner, events } = monitor();
    mon.start();
    expect(spawner.argvs).toEqual([['-n', 'rtpotestpbx', 'monitor', 'neigh']]);
    expect(mon.status).toBe('running');
    spawner.last.write(fixtureText('monitor-neigh.txt'));
    await settle();
    const expected = fixtureText('monitor-neigh.txt').split('\n').filter(Boolean).length;
    expect(events).toHaveLength(expected);
    expect(events[0]).toMatchObject({
      kind: 'update',
      address: '198.51.100.10',
      lladdr: 'be:15:15:e3:a6:fe',
    });
    await mon.stop();
  });

  it('joins lines split across reads', async () => {
    const { mon, spawner, events } = monitor();
    mon.start();
    spawner.last.write('198.51.100.10 dev breth0 lla');
    await settle();
    expect(events).toEqual([]);
    spawner.last.write('ddr 02:00:5e:10:00:01 REACHABLE\nDeleted 198.51');
    await settle();
    spawner.last.write('.100.10 dev breth0 FAILED\n');
    await settle();
    expect(events.map((e) => [e.kind, e.lladdr])).toEqual([
      ['update', '02:00:5e:10:00:01'],
      ['deleted', null],
    ]);
    await mon.stop();
  });

  it('restarts a child that dies, with growing backoff, and announces each start', async () => {
    const { mon, spawner, exits } = monitor();
    let starts = 0;
    mon.on('started', () => starts++);
    mon.start();
    spawner.last.die(1);
    expect(mon.status).toBe('backoff');
    expect(exits).toEqual([100]);
    vi.advanceTimersByTime(99);
    expect(spawner.children).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(spawner.children).toHaveLength(2);
    expect(mon.status).toBe('running');
    spawner.last.die(1);
    vi.advanceTimersByTime(200);
    spawner.last.die(null, 'SIGSEGV');
    expect(exits).toEqual([100, 200, 400]);
    vi.advanceTimersByTime(400);
    expect(spawner.children).toHaveLength(4);
    expect(starts).toBe(4);
    await mon.stop();
  });

  it('starts backoff over after a child that ran long enough', async () => {
    const { mon, spawner, exits } = monitor();
    mon.start();
    spawner.last.die(1);
    vi.advanceTimersByTime(100);
    spawner.last.die(1);
    vi.advanceTimersByTime(200);
    vi.advanceTimersByTime(10_000);
    spawner.last.die(1);
    expect(exits).toEqual([100, 200, 100]);
    await mon.stop();
  });

  it('says what ip printed before it died', async () => {
    const { mon, spawner } = monitor();
    const errors: string[] = [];
    mon.on('exited', (err) => errors.push(err.message));
    mon.start();
    spawner.last.stderr.write('Cannot open network namespace "rtpotestpbx": No such file or directory\n');
    await settle();
    spawner.last.die(255);
    expect(errors).toEqual([
      'ip -n rtpotestpbx monitor neigh exited (code 255): Cannot open network namespace "rtpotestpbx": No such file or directory',
    ]);
    await mon.stop();
  });

  it('retries when the program cannot be spawned at all', async () => {
    const { mon, spawner, exits } = monitor();
    const errors: string[] = [];
    mon.on('exited', (err) => errors.push(`${err.code}/${err.reason}`));
    spawner.failNext = true;
    mon.start();
    expect(errors).toEqual(['NET_MONITOR/spawn']);
    expect(exits).toEqual([100]);
    vi.advanceTimersByTime(100);
    expect(mon.status).toBe('running');
    await mon.stop();
  });

  it('reports a spawn error event once even when exit follows', async () => {
    const { mon, spawner, exits } = monitor();
    mon.start();
    spawner.last.emit('error', new Error('spawn ip EACCES'));
    spawner.last.die(null);
    expect(exits).toHaveLength(1);
    await mon.stop();
  });

  it('stops cleanly: SIGTERM, no restart, no more events', async () => {
    const { mon, spawner, events, exits } = monitor();
    mon.start();
    const child = spawner.last;
    await mon.stop();
    expect(child.signals).toEqual(['SIGTERM']);
    expect(child.exited).toBe(true);
    expect(mon.status).toBe('stopped');
    child.write('198.51.100.10 dev breth0 lladdr 02:00:5e:10:00:01 REACHABLE\n');
    await settle();
    vi.advanceTimersByTime(60_000);
    expect(events).toEqual([]);
    expect(exits).toEqual([]);
    expect(spawner.children).toHaveLength(1);
  });

  it('kills a child that ignores SIGTERM', async () => {
    const { mon, spawner } = monitor({ killAfterMs: 500 });
    mon.start();
    const child = spawner.last;
    child.obeysTerm = false;
    const stopped = mon.stop();
    await settle();
    vi.advanceTimersByTime(500);
    await stopped;
    expect(child.signals).toEqual(['SIGTERM', 'SIGKILL']);
  });

  it('cancels a pending restart when stopped during backoff', async () => {
    const { mon, spawner } = monitor();
    mon.start();
    spawner.last.die(1);
    await mon.stop();
    vi.advanceTimersByTime(60_000);
    expect(spawner.children).toHaveLength(1);
    expect(mon.status).toBe('stopped');
  });

  it('can be started again after a stop', async () => {
    const { mon, spawner } = monitor();
    mon.start();
    mon.start();
    expect(spawner.children).toHaveLength(1);
    await mon.stop();
    mon.start();
    expect(spawner.children).toHaveLength(2);
    await mon.stop();
  });
});
