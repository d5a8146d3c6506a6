import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { PbxEvent } from '../../../src/model/pbx.js';
import { RelayedPackets } from '../../../src/telemetry/relayed-packets.js';

const report = (channelId: string, highestSequence: number) =>
  ({ kind: 'rtcp-sent', channelId, reports: [{ sourceSsrc: 7, highestSequence }] }) as unknown as PbxEvent;

describe('the relayed-packets estimate', () => {
  it('counts sequence steps and forgets a channel at its hangup', async () => {
    const registry = new Registry();
    const r = new RelayedPackets([registry]);
    r.pbxEvent(report('1.1', 100));
    r.pbxEvent(report('1.1', 150));
    expect(
      (await registry.getSingleMetric('rtpo_asterisk_relayed_packets_total')!.get()).values[0]!.value,
    ).toBe(50);
    r.pbxEvent({ kind: 'hangup', channelId: '1.1' } as unknown as PbxEvent);
    expect(r.channels).toBe(0);
  });

  it('forgets every channel when the connection drops, since hangups meanwhile are never heard', () => {
    const r = new RelayedPackets([new Registry()]);
    for (let i = 0; i < 10; i++) r.pbxEvent(report(`1.${i}`, 1));
    expect(r.channels).toBe(10);
    r.pbxEvent({ kind: 'disconnected', source: 'ami', reason: 'test' });
    expect(r.channels).toBe(0);
  });
});
