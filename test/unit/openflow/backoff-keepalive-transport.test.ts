import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, reconnectDelay } from '../../../src/openflow/backoff.js';
import { EchoKeepalive } from '../../../src/openflow/keepalive.js';
import { parseTarget } from '../../../src/openflow/transport.js';
import { FakeClock } from './fake-switch.js';

describe('reconnect backoff', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 5000, multiplier: 2, jitter: 0.2 };

  it('doubles from the initial delay and stops at the cap (jitter centred)', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((a) => reconnectDelay(a, policy, () => 0.5))).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000, 5000,
    ]);
  });

  it('spreads each delay by at most the jitter fraction either way', () => {
    expect(reconnectDelay(3, policy, () => 0)).toBe(320);
    expect(reconnectDelay(3, policy, () => 0.999999)).toBe(480);
  });

  it('never exceeds the cap, jitter included', () => {
    expect(reconnectDelay(30, policy, () => 0.999999)).toBe(5000);
  });

  it('has defaults that reach the cap within a few seconds of retries', () => {
    expect(reconnectDelay(1, DEFAULT_BACKOFF, () => 0.5)).toBe(DEFAULT_BACKOFF.initialDelayMs);
    expect(reconnectDelay(10, DEFAULT_BACKOFF, () => 0.5)).toBe(DEFAULT_BACKOFF.maxDelayMs);
  });
});

describe('echo keepalive', () => {
  function keepalive(clock: FakeClock): { probes: number[]; dead: number[]; k: EchoKeepalive } {
    const probes: number[] = [];
    const dead: number[] = [];
    const k = new EchoKeepalive({
      clock,
      intervalMs: 1000,
      deadAfterMs: 2500,
      sendProbe: () => probes.push(clock.now()),
      onDead: (silent) => dead.push(silent),
    });
    return { probes, dead, k };
  }

  it('probes after each interval of silence and declares death at the bound', async () => {
    const clock = new FakeClock();
    const { probes, dead, k } = keepalive(clock);
    k.start();
    await clock.advance(5000);
    expect(probes).toEqual([1000, 2000]);
    expect(dead).toEqual([2500]);
  });

  it('sends nothing while the peer keeps talking', async () => {
    const clock = new FakeClock();
    const { probes, dead, k } = keepalive(clock);
    k.start();
    for (let i = 0; i < 20; i++) {
      await clock.advance(500);
      k.heard();
    }
    expect(probes).toEqual([]);
    expect(dead).toEqual([]);
    k.stop();
  });

  it('does nothing once stopped', async () => {
    const clock = new FakeClock();
    const { probes, dead, k } = keepalive(clock);
    k.start();
    k.stop();
    await clock.advance(10_000);
    expect([probes, dead]).toEqual([[], []]);
  });
});

describe('OpenFlow targets', () => {
  it.each([
    ['unix:/run/openvswitch/breth0.mgmt', { kind: 'unix', path: '/run/openvswitch/breth0.mgmt' }],
    ['tcp:127.0.0.1:6653', { kind: 'tcp', host: '127.0.0.1', port: 6653 }],
    ['tcp:ovs.example:6633', { kind: 'tcp', host: 'ovs.example', port: 6633 }],
    ['tcp:[2001:db8::1]:6653', { kind: 'tcp', host: '2001:db8::1', port: 6653 }],
  ])('reads %s', (text, target) => {
    expect(parseTarget(text)).toEqual(target);
  });

  it.each([
    'unix:',
    'tcp:host',
    'tcp:host:0',
    'tcp:host:70000',
    'ssl:host:6653',
    '/run/x.mgmt',
    'tcp:2001:db8::1:6653',
  ])('refuses %j with OF_BAD_ARGUMENT', (text) => {
    expect(() => parseTarget(text)).toThrow(
      expect.objectContaining({ code: 'OF_BAD_ARGUMENT' }) as unknown as Error,
    );
  });
});
