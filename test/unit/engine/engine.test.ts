import { beforeEach, describe, expect, it } from 'vitest';
import { OffloadEngine } from '../../../src/engine/engine.js';
import { silentLogger } from '../../../src/log.js';
import { channel, policy, rtpLeg, v4 } from '../core/fixtures.js';
import { alice, bob, bridge, cfg, mediaFlows, roles, setup } from './harness.js';

describe('the offload engine', () => {
  let s: ReturnType<typeof setup>;
  beforeEach(() => {
    s = setup();
  });

  it('probes a new native_rtp bridge, then forwards once the switch saw RTP from both remotes', async () => {
    await bridge(s);
    expect(s.engine.statusOf('B')).toMatchObject({ state: 'probing', reason: 'remote-not-learned' });
    expect(roles(s.port)).toEqual(['egress-watch', 'egress-watch', 'ingress-probe', 'ingress-probe']);
    await mediaFlows(s);
    expect(s.engine.statusOf('B')).toMatchObject({ state: 'offloaded', reason: null });
    expect(roles(s.port)).toEqual(['egress-watch', 'egress-watch', 'rtp-forward', 'rtp-forward']);
    // The wildcard local address was resolved to the interface's single address.
    const fwd = [...s.port.table.values()].find((v) => v.spec.owner.role === 'rtp-forward')!;
    expect(fwd.spec.match.dstIp).toBe('198.51.100.1');
  });

  it('upgrades probes in place: the egress watches are never re-sent', async () => {
    await bridge(s);
    s.port.ops.length = 0;
    await mediaFlows(s);
    expect(s.port.ops.filter((o) => o.startsWith('del'))).toEqual([]);
    expect(s.port.ops).toHaveLength(2);
  });

  it('removes every flow of a bridge when a party hangs up', async () => {
    await bridge(s);
    await mediaFlows(s);
    s.source.emit({ kind: 'hangup', channelId: '1.2', cause: 16, causeText: 'Normal Clearing' });
    await s.engine.idle();
    expect(s.port.table.size).toBe(0);
    expect(s.engine.statusOf('B')).toMatchObject({ state: 'not-offloaded', reason: 'not-two-party' });
  });

  it('reverts on hold and comes back after unhold', async () => {
    await bridge(s);
    await mediaFlows(s);
    s.source.emit({ kind: 'channel-hold', channelId: '1.1' });
    await s.engine.idle();
    expect(s.port.table.size).toBe(0);
    expect(s.engine.statusOf('B')).toMatchObject({ reason: 'held' });
    s.source.emit({ kind: 'channel-unhold', channelId: '1.1' });
    await s.engine.idle();
    expect(s.engine.statusOf('B')?.state).toBe('probing');
    await mediaFlows(s);
    expect(s.engine.statusOf('B')?.state).toBe('offloaded');
  });

  it('never offloads a simple_bridge (recording) and says why', async () => {
    await bridge(s, 'simple_bridge');
    expect(s.port.table.size).toBe(0);
    expect(s.engine.statusOf('B')).toMatchObject({ state: 'not-offloaded', reason: 'technology' });
  });

  it('follows a re-INVITE: the media-path hint re-reads legs and moves the flows', async () => {
    await bridge(s);
    await mediaFlows(s);
    s.source.legs.set('1.2', rtpLeg('1.2', v4('0.0.0.0', 10002), v4('198.51.100.12', 5002)));
    s.source.emit({ kind: 'media-path-hint', channelId: '1.2' });
    await s.engine.idle();
    const matches = [...s.port.table.values()].map((v) => v.spec.match.srcIp);
    expect(matches).toContain('198.51.100.12');
    expect(matches).not.toContain('198.51.100.11');
    // The new remote is not confirmed yet: back to probing, nothing rewritten toward it.
    expect(s.engine.statusOf('B')?.state).toBe('probing');
  });

  it('keeps flows through a short Asterisk outage and drops them after the grace', async () => {
    await bridge(s);
    await mediaFlows(s);
    s.source.emit({ kind: 'disconnected', source: 'ami', reason: 'ECONNRESET' });
    s.clock.advance(4000);
    await s.engine.idle();
    expect(s.engine.statusOf('B')?.state).toBe('offloaded');
    s.clock.advance(2000);
    await s.engine.idle();
    expect(s.port.table.size).toBe(0);
    expect(s.engine.statusOf('B')).toMatchObject({ reason: 'pbx-disconnected' });
  });

  it('keeps the offload across a reconnect within the grace (resync, no churn)', async () => {
    await bridge(s);
    await mediaFlows(s);
    s.source.bridges = [{ id: 'B', technology: 'native_rtp', bridgeClass: 'basic', channels: [alice, bob] }];
    s.port.ops.length = 0;
    s.source.emit({ kind: 'disconnected', source: 'ami', reason: 'ECONNRESET' });
    s.source.emit({ kind: 'connected', source: 'ami', startupTime: 'x', restarted: false });
    await new Promise((r) => setImmediate(r));
    await s.engine.idle();
    expect(s.engine.statusOf('B')?.state).toBe('offloaded');
    expect(s.port.ops).toEqual([]);
  });

  it('drops every flow when Asterisk restarted', async () => {
    await bridge(s);
    await mediaFlows(s);
    s.source.bridges = [];
    s.source.emit({ kind: 'connected', source: 'ami', startupTime: 'y', restarted: true });
    await new Promise((r) => setImmediate(r));
    await s.engine.idle();
    expect(s.port.table.size).toBe(0);
  });

  it('reverts everything with the kill switch and offloads nothing while it is on', async () => {
    await bridge(s);
    await mediaFlows(s);
    s.engine.setKillSwitch(true);
    await s.engine.idle();
    expect(s.port.table.size).toBe(0);
    expect(s.engine.statusOf('B')?.reason).toBe('kill-switch');
  });

  it('decides but installs nothing in dry-run', async () => {
    const d = setup({ dryRun: true, policy: { ...cfg.policy, trustRemoteAddress: true } });
    await bridge(d);
    expect(d.port.table.size).toBe(0);
    expect(d.engine.statusOf('B')?.state).toBe('would-offload');
  });

  it('adopts its own flows after an agent restart without deleting or re-adding any', async () => {
    await bridge(s);
    await mediaFlows(s);
    const before = new Map([...s.port.table].map(([k, v]) => [k, v.addedAt]));
    // A new engine on the same switch, as after kill -9 and restart.
    // A fresh agent has not seen the calls age: adopted offloads must not wait for it.
    const again = new OffloadEngine(
      s.source,
      s.port,
      { lookup: async () => '02:00:00:00:00:aa' },
      { single: async () => '198.51.100.1' },
      { ...cfg, policy: { ...cfg.policy, minBridgeAgeMs: 60_000 } },
      s.clock,
      silentLogger,
    );
    again.setSwitchFacts({ bridgeMac: '02:00:00:00:00:01', uplinkPort: 1 });
    s.engine.stop();
    again.start();
    s.port.ops.length = 0;
    s.source.bridges = [{ id: 'B', technology: 'native_rtp', bridgeClass: 'basic', channels: [alice, bob] }];
    // Asterisk's resync may arrive before the switch was read: nothing may be sent then.
    s.source.emit({ kind: 'connected', source: 'ami', startupTime: 'x', restarted: false });
    await new Promise((r) => setImmediate(r));
    await again.idle();
    expect(s.port.ops).toEqual([]);
    await again.switchReady();
    s.source.emit({ kind: 'connected', source: 'ami', startupTime: 'x', restarted: false });
    await new Promise((r) => setImmediate(r));
    await again.idle();
    await again.fullSync();
    expect(s.port.ops).toEqual([]);
    expect(new Map([...s.port.table].map(([k, v]) => [k, v.addedAt]))).toEqual(before);
    expect(again.statusOf('B')?.state).toBe('offloaded');
  });

  it('reverts and backs off when Asterisk keeps sending on an offloaded leg', async () => {
    const a = setup({ auditIntervalMs: 1000 });
    await bridge(a);
    await mediaFlows(a);
    for (let i = 0; i < 4; i++) {
      for (const v of a.port.table.values()) if (v.spec.owner.role === 'egress-watch') v.packets += 50;
      await a.engine.audit();
      await a.engine.idle();
    }
    expect(a.engine.statusOf('B')).toMatchObject({ state: 'not-offloaded', reason: 'backoff' });
    expect([...a.port.table.values()].filter((v) => v.spec.owner.role === 'rtp-forward')).toHaveLength(0);
  });

  it('re-adds a flow that expired while the call is still up', async () => {
    await bridge(s);
    await mediaFlows(s);
    const key = [...s.port.table.keys()][0]!;
    s.port.expire(key);
    await s.engine.idle();
    expect(s.port.table.has(key)).toBe(true);
  });
});

describe('technology re-reads', () => {
  it('reads a simple_bridge again a few times, so a bridge that returns to native_rtp without a hint is offloaded', async () => {
    const s = setup({ policy: { ...policy, minBridgeAgeMs: 0, trustRemoteAddress: true } });
    await bridge(s, 'simple_bridge');
    expect(s.engine.statusOf('B')?.reason).toBe('technology');
    s.source.tech.set('B', 'native_rtp');
    s.clock.advance(100);
    await new Promise((r) => setImmediate(r));
    await s.engine.idle();
    expect(s.engine.statusOf('B')?.state).toBe('offloaded');
  });

  it('reads the technology once more shortly after a hint that came before the change (ARI MIXMONITOR_FILENAME)', async () => {
    const s = setup();
    await bridge(s);
    await mediaFlows(s);
    expect(s.engine.statusOf('B')?.state).toBe('offloaded');
    // The variable is set, the technology read still says native_rtp, then the hook moves the bridge.
    s.source.emit({ kind: 'media-path-hint', channelId: '1.1' });
    await s.engine.idle();
    expect(s.engine.statusOf('B')?.state).toBe('offloaded');
    s.source.tech.set('B', 'simple_bridge');
    const reads = s.source.requests;
    s.clock.advance(10);
    await new Promise((r) => setImmediate(r));
    await s.engine.idle();
    expect(s.engine.statusOf('B')).toMatchObject({ state: 'not-offloaded', reason: 'technology' });
    expect(s.source.requests).toBeGreaterThan(reads);
  });

  it('reverts on a suspected recording without a request, and re-offloads once a read says native_rtp', async () => {
    const s = setup();
    await bridge(s);
    await mediaFlows(s);
    expect(s.engine.statusOf('B')?.state).toBe('offloaded');
    // ARI's MIXMONITOR_FILENAME: a read now would still say native_rtp.
    const reads = s.source.requests;
    s.source.emit({ kind: 'recording-suspected', channelId: '1.1' });
    await s.engine.idle();
    expect(s.engine.statusOf('B')).toMatchObject({ state: 'not-offloaded', reason: 'technology' });
    expect(s.source.requests).toBe(reads);
    // The hook attached, then went away: the re-reads find native_rtp again.
    s.source.tech.set('B', 'simple_bridge');
    s.clock.advance(20);
    await new Promise((r) => setImmediate(r));
    await s.engine.idle();
    expect(s.engine.statusOf('B')?.state).toBe('not-offloaded');
    s.source.tech.set('B', 'native_rtp');
    for (const ms of [50, 100, 400]) {
      s.clock.advance(ms);
      await new Promise((r) => setImmediate(r));
      await s.engine.idle();
    }
    await mediaFlows(s);
    expect(s.engine.statusOf('B')?.state).toBe('offloaded');
  });

  it('stops re-reading after a bounded number of tries', async () => {
    const s = setup();
    await bridge(s, 'simple_bridge');
    const reads = () => s.source.requests;
    for (const ms of [20, 50, 100, 400, 1600, 6400]) {
      s.clock.advance(ms);
      await new Promise((r) => setImmediate(r));
      await s.engine.idle();
    }
    const after = reads();
    s.clock.advance(60_000);
    await new Promise((r) => setImmediate(r));
    await s.engine.idle();
    expect(reads()).toBe(after);
  });
});

describe('after the switch lost every flow', () => {
  it('reinstalls forwarding at once for remotes the switch already saw, without probing again', async () => {
    const s = setup();
    await bridge(s);
    await mediaFlows(s);
    s.port.table.clear(); // a restarted vswitchd keeps no flow
    await s.engine.switchReady();
    await s.engine.idle();
    expect(roles(s.port)).toEqual(['egress-watch', 'egress-watch', 'rtp-forward', 'rtp-forward']);
    expect(s.engine.statusOf('B')?.state).toBe('offloaded');
  });
});

describe('a resync with Asterisk', () => {
  it('keeps calls bridged while the listing was under way', async () => {
    const s = setup();
    await s.ready;
    s.source.tech.set('B', 'native_rtp');
    const carol = channel('1.3', 'PJSIP/carol-00000003');
    s.source.legs.set('1.3', rtpLeg('1.3', v4('0.0.0.0', 10004), v4('198.51.100.12', 6000)));
    // The listing shows only an old bridge; call B is bridged while the listing is out.
    const list = s.source.listBridges.bind(s.source);
    s.source.listBridges = async () => {
      const snapshot = [{ id: 'OLD', technology: 'native_rtp', bridgeClass: 'basic', channels: [carol] }];
      s.source.emit({
        kind: 'bridge-created',
        bridgeId: 'B',
        technology: 'simple_bridge',
        bridgeClass: 'basic',
      });
      s.source.emit({
        kind: 'channel-entered',
        bridgeId: 'B',
        channel: alice,
        technology: 'simple_bridge',
        memberCount: 1,
        swapChannelId: null,
      });
      s.source.emit({
        kind: 'channel-entered',
        bridgeId: 'B',
        channel: bob,
        technology: 'simple_bridge',
        memberCount: 2,
        swapChannelId: null,
      });
      await list();
      return snapshot;
    };
    s.source.emit({ kind: 'connected', source: 'ami', startupTime: 'x', restarted: false });
    await new Promise((r) => setImmediate(r));
    await s.engine.idle();
    expect(s.engine.model.bridges.get('B')?.members).toEqual(['1.1', '1.2']);
    expect(s.engine.model.bridges.has('OLD')).toBe(true);
    expect(s.engine.statusOf('B')?.state).toBe('probing');
  });
});

describe('switch counters', () => {
  it('count from the offload on: packets a probe saw while Asterisk relayed are not reported as forwarded', async () => {
    const s = setup();
    await bridge(s);
    await mediaFlows(s); // each probe counted 3 packets, then was upgraded in place
    expect((s.engine.statusOf('B')?.legs ?? []).map((l) => l.packets)).toEqual([0, 0]);
    for (const v of s.port.table.values()) if (v.spec.owner.role === 'rtp-forward') v.packets += 50;
    await s.engine.audit();
    expect((s.engine.statusOf('B')?.legs ?? []).map((l) => l.packets)).toEqual([50, 50]);
    expect(s.engine.statusOf('B')?.detail).toContain('all checks pass');
  });
});

describe('the audit', () => {
  it('does not take flows written after its dump was asked for as removed', async () => {
    const s = setup({ auditIntervalMs: 1000 });
    await bridge(s);
    await mediaFlows(s);
    // The switch answers the dump as of the request; the reply arrives after a re-INVITE
    // moved one leg, i.e. after flows with new matches were written.
    const dump = s.port.dump.bind(s.port);
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = true; // only the audit's dump
    s.port.dump = async (cookie, mask) => {
      const asked = await dump(cookie, mask);
      if (held) {
        held = false;
        await gate;
      }
      return asked;
    };
    const audited = s.engine.audit();
    s.source.legs.set('1.2', rtpLeg('1.2', v4('0.0.0.0', 10002), v4('198.51.100.12', 5002)));
    s.source.emit({ kind: 'media-path-hint', channelId: '1.2' });
    await s.engine.idle();
    expect(s.engine.statusOf('B')?.state).toBe('probing');
    const ops = s.port.ops.length;
    release();
    await audited;
    await s.engine.idle();
    // Nothing forgotten, nothing sent again: the flows toward the new remote were newer.
    expect(s.port.ops.slice(ops)).toEqual([]);
    expect(s.engine.reconciler.installedCount).toBe(4);
    expect(s.engine.statusOf('B')?.state).toBe('probing');
  });

  it('still finds a flow the switch lost, among more bridges than it audits in one slice', async () => {
    const s = setup({ auditIntervalMs: 1000 });
    await bridge(s);
    await mediaFlows(s);
    // Bridges the engine tracks beyond B, so the pass yields to the event loop on the way.
    for (let i = 0; i < 600; i++) s.engine.schedule(`X${i}`);
    await s.engine.idle();
    const fwd = [...s.port.table].find(([, v]) => v.spec.owner.role === 'rtp-forward')!;
    s.port.table.delete(fwd[0]);
    await s.engine.audit();
    await s.engine.idle();
    expect(s.port.table.has(fwd[0])).toBe(true);
    expect(s.engine.statusOf('B')?.state).toBe('offloaded');
  });
});

describe('delivery confirmation', () => {
  const report = (ssrc: number, seq: number) => [
    { sourceSsrc: ssrc, fractionLost: 0, cumulativeLost: 0, highestSequence: seq },
  ];

  async function offloadedWithReports(s: ReturnType<typeof setup>): Promise<void> {
    await bridge(s);
    // Before the offload, bob reports receiving alice's stream (SSRC 7) and alice bob's (SSRC 8).
    s.source.emit({
      kind: 'rtcp-received',
      channelId: '1.2',
      from: v4('198.51.100.11', 5001),
      reports: report(7, 1000),
    });
    s.source.emit({
      kind: 'rtcp-received',
      channelId: '1.1',
      from: v4('198.51.100.10', 4001),
      reports: report(8, 2000),
    });
    await mediaFlows(s);
    expect(s.engine.statusOf('B')?.state).toBe('offloaded');
  }

  it('reverts with back-off when the far side keeps reporting but receives nothing the switch forwarded', async () => {
    const s = setup({ deliveryGraceMs: 10_000 });
    await offloadedWithReports(s);
    s.clock.advance(12_000);
    for (const v of s.port.table.values()) if (v.spec.owner.role === 'rtp-forward') v.packets += 500;
    // Fresh reports from bob: alice's stream has not advanced since the offload.
    s.source.emit({
      kind: 'rtcp-received',
      channelId: '1.2',
      from: v4('198.51.100.11', 5001),
      reports: report(7, 1000),
    });
    s.source.emit({
      kind: 'rtcp-received',
      channelId: '1.1',
      from: v4('198.51.100.10', 4001),
      reports: report(8, 2500),
    });
    await s.engine.audit();
    await s.engine.idle();
    expect(s.engine.statusOf('B')).toMatchObject({ state: 'not-offloaded', reason: 'backoff' });
    expect(s.engine.statusOf('B')?.detail).toContain('reports no new RTP');
  });

  it('keeps the offload while reports advance, and says nothing about silence', async () => {
    const s = setup({ deliveryGraceMs: 10_000 });
    await offloadedWithReports(s);
    s.clock.advance(12_000);
    // Silence: nothing forwarded, reports frozen: no conclusion.
    s.source.emit({
      kind: 'rtcp-received',
      channelId: '1.2',
      from: v4('198.51.100.11', 5001),
      reports: report(7, 1000),
    });
    await s.engine.audit();
    await s.engine.idle();
    expect(s.engine.statusOf('B')?.state).toBe('offloaded');
    // Media flowing and reported: fine.
    for (const v of s.port.table.values()) if (v.spec.owner.role === 'rtp-forward') v.packets += 500;
    s.source.emit({
      kind: 'rtcp-received',
      channelId: '1.2',
      from: v4('198.51.100.11', 5001),
      reports: report(7, 1500),
    });
    s.source.emit({
      kind: 'rtcp-received',
      channelId: '1.1',
      from: v4('198.51.100.10', 4001),
      reports: report(8, 2500),
    });
    await s.engine.audit();
    await s.engine.idle();
    expect(s.engine.statusOf('B')?.state).toBe('offloaded');
  });
});

describe('a next hop that changes', () => {
  it('re-plans the bridges toward that remote with the new MAC', async () => {
    let mac = '02:00:00:00:00:aa';
    const s = setup({}, () => mac);
    await bridge(s);
    await mediaFlows(s);
    expect(s.engine.statusOf('B')?.state).toBe('offloaded');
    mac = '02:00:00:00:00:bb';
    s.engine.nextHopChanged('198.51.100.11');
    await s.engine.idle();
    const toBob = [...s.port.table.values()].find(
      (v) => v.spec.owner.role === 'rtp-forward' && v.spec.owner.channelId === '1.1',
    )!;
    expect(toBob.spec.actions).toContainEqual({ type: 'set-eth-dst', mac: '02:00:00:00:00:bb' });
  });
});
