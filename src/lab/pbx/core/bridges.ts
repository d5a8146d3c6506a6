import { randomUUID } from 'node:crypto';
import * as ev from '../ami/events.js';
import { chooseTechnology } from '../bridging.js';
import { SimBridge, type SimChannel } from '../model/objects.js';
import type { BridgeOps } from './context.js';
import type { PbxState } from './state.js';

/**
 * Basic bridges (main/bridge.c): channels enter and leave with their snapshots, the
 * technology is re-chosen a moment after a change (smart_bridge_operation), and the
 * relay of each leg follows the choice.
 */
export class BridgeMechanics implements BridgeOps {
  constructor(private readonly s: PbxState) {}

  newBridge(): SimBridge {
    const bridge = new SimBridge(randomUUID(), Date.now());
    this.s.bridgeMap.set(bridge.uniqueid, bridge);
    this.s.emit(ev.bridgeCreate(bridge));
    return bridge;
  }

  enter(bridge: SimBridge, c: SimChannel, swap: SimChannel | null): void {
    bridge.channels.push(c);
    c.bridge = bridge;
    // The snapshot is taken during the push, before the technology is re-chosen.
    this.s.emit(ev.bridgeEnter(bridge, c, swap));
  }

  leave(bridge: SimBridge, c: SimChannel): void {
    const i = bridge.channels.indexOf(c);
    if (i < 0) return;
    bridge.channels.splice(i, 1);
    c.bridge = null;
    if (c.leg) {
      c.leg.peer = null;
      c.leg.forward = 'none';
      c.leg.directTarget = null;
    }
    c.directMedia = false;
    this.s.emit(ev.bridgeLeave(bridge, c));
    for (const other of bridge.channels) {
      if (!other.leg) continue;
      other.leg.peer = null;
      other.leg.forward = 'none';
    }
  }

  destroy(bridge: SimBridge): void {
    if (bridge.destroyed) return;
    bridge.destroyed = true;
    this.s.cancel(bridge.reconfigureTimer);
    bridge.reconfigureTimer = null;
    this.s.bridgeMap.delete(bridge.uniqueid);
    const call = this.s.callByBridge.get(bridge);
    if (call) call.ended = true;
    this.s.callByBridge.delete(bridge);
    this.s.emit(ev.bridgeDestroy(bridge));
  }

  scheduleReconfigure(bridge: SimBridge, delayMs: number): void {
    this.s.cancel(bridge.reconfigureTimer);
    bridge.reconfigureTimer = null;
    if (delayMs <= 0) {
      this.reconfigure(bridge, true);
      return;
    }
    bridge.reconfigureTimer = this.s.later(delayMs, () => {
      bridge.reconfigureTimer = null;
      if (!bridge.destroyed) this.reconfigure(bridge, true);
    });
  }

  /**
   * bridge_reconfigured: re-choose the technology, (re)start or stop the relay, and set
   * BRIDGEPEER/BRIDGEPVTCALLID again on both channels (the only trace on AMI).
   */
  reconfigure(bridge: SimBridge, restartRelay: boolean): void {
    if (bridge.destroyed) return;
    const call = this.s.callByBridge.get(bridge);
    const choice = chooseTechnology(
      bridge.channels,
      call?.directOverride ?? null,
      call?.dtmfFeatures ?? false,
    );
    bridge.technology = choice.technology;
    bridge.nativeMode = choice.mode;
    const held = bridge.channels.some((c) => c.remoteHold);
    for (const c of bridge.channels) {
      const peer = c.peer();
      if (!c.leg) continue;
      c.leg.peer = peer?.leg ?? null;
      c.leg.counter = call?.counter ?? null;
      const direct = choice.mode === 'remote';
      c.directMedia = direct;
      c.leg.directTarget = direct && peer?.leg ? peer.leg.remote : null;
      if (peer === null || held || direct) c.leg.forward = 'none';
      else c.leg.forward = choice.technology === 'native_rtp' ? 'p2p' : 'core';
      if (restartRelay) c.leg.restartRelay();
    }
    if (bridge.channels.length === 2) {
      const [a, b] = bridge.channels as [SimChannel, SimChannel];
      this.setBridgeVar(a, 'BRIDGEPEER', b.name);
      this.setBridgeVar(b, 'BRIDGEPEER', a.name);
      this.setBridgeVar(a, 'BRIDGEPVTCALLID', b.pvtCallId);
      this.setBridgeVar(b, 'BRIDGEPVTCALLID', a.pvtCallId);
    }
  }

  stopMoh(c: SimChannel): void {
    if (!c.hearingMoh) return;
    c.hearingMoh = false;
    this.s.emit(ev.mohStop(c));
  }

  private setBridgeVar(c: SimChannel, name: string, value: string): void {
    c.vars.set(name, value);
    this.s.emit(ev.varSet(c, name, value));
  }
}
