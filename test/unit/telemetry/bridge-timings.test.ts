import { describe, expect, it } from 'vitest';
import type { ChannelInfo, PbxEvent } from '../../../src/model/pbx.js';
import { BridgeTimings } from '../../../src/telemetry/bridge-timings.js';

const chan = (id: string): ChannelInfo => ({ id, name: `PJSIP/${id}` }) as ChannelInfo;
const entered = (bridgeId: string, id: string, memberCount: number): PbxEvent => ({
  kind: 'channel-entered',
  bridgeId,
  channel: chan(id),
  technology: 'simple_bridge',
  memberCount,
  swapChannelId: null,
});

describe('BridgeTimings', () => {
  it('measures offload time from the second member entering, not the first', () => {
    const t = new BridgeTimings();
    t.event(entered('b1', 'a', 1), 1000);
    t.event(entered('b1', 'b', 2), 4000);
    expect(t.offloaded('b1', 6500)).toBe(2.5);
  });

  it('gives no offload time for a bridge that was two-party before the agent saw it', () => {
    const t = new BridgeTimings();
    expect(t.offloaded('old', 1000)).toBeNull();
  });

  it('measures a revert from the event on a member channel that came after the offload', () => {
    const t = new BridgeTimings();
    t.event(entered('b1', 'a', 1), 0);
    t.event(entered('b1', 'b', 2), 0);
    t.offloaded('b1', 2000);
    t.event({ kind: 'channel-hold', channelId: 'a' }, 10_000);
    expect(t.reverted('b1', 10_040)).toBeCloseTo(0.04, 6);
  });

  it('gives no revert time when nothing happened to the call while offloaded (switch loss, kill switch)', () => {
    const t = new BridgeTimings();
    t.event(entered('b1', 'a', 1), 0);
    t.event(entered('b1', 'b', 2), 0);
    t.offloaded('b1', 2000);
    expect(t.reverted('b1', 9000)).toBeNull();
  });

  it('still times the revert of a hung-up call whose bridge is destroyed first, then forgets it', () => {
    const t = new BridgeTimings();
    t.event(entered('b1', 'a', 1), 0);
    t.event(entered('b1', 'b', 2), 0);
    t.offloaded('b1', 2000);
    t.event({ kind: 'hangup', channelId: 'a', cause: 16, causeText: 'Normal Clearing' }, 5000);
    t.event({ kind: 'channel-left', bridgeId: 'b1', channel: chan('b'), memberCount: 0 }, 5001);
    t.event({ kind: 'bridge-destroyed', bridgeId: 'b1' }, 5002);
    expect(t.reverted('b1', 5100)).toBeCloseTo(0.099, 6);
    expect(t.size).toBe(0);
  });

  it('forgets everything when Asterisk restarted, and keeps what it has on a plain reconnect', () => {
    const t = new BridgeTimings();
    t.event(entered('b1', 'a', 1), 0);
    t.event(entered('b1', 'b', 2), 0);
    t.event({ kind: 'connected', source: 'ami', startupTime: 'x', restarted: false }, 1);
    expect(t.size).toBeGreaterThan(0);
    t.event({ kind: 'connected', source: 'ami', startupTime: 'y', restarted: true }, 2);
    expect(t.size).toBe(0);
    expect(t.offloaded('b1', 3000)).toBeNull();
  });
});
