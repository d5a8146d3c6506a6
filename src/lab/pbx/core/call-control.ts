import * as ev from '../ami/events.js';
import type { CallOps, LegName, PartySpec, SimCall } from '../call.js';
import type { SimChannel } from '../model/objects.js';
import type { HostPort } from '../rtp/address.js';
import type { PbxContext } from './context.js';
import type { Transfers } from './transfers.js';

/** What a phone does to its call: BYE, hold, re-INVITE, REFER; and MixMonitor on a leg. */
export class CallControl implements CallOps {
  constructor(
    private readonly ctx: PbxContext,
    private readonly transfers: Transfers,
  ) {}

  /** The phone of `leg` sends BYE: chan_pjsip queues the hangup (HangupRequest) first. */
  hangupCall(call: SimCall, leg: LegName, cause: number, techCause: number): void {
    if (call.ended) return;
    const c = call.channel(leg);
    this.ctx.faults.during(c, () => {
      this.ctx.state.emit(ev.hangupRequest(c, cause));
      this.ctx.channels.hangup(c, cause, techCause);
    });
  }

  holdCall(call: SimCall, leg: LegName): void {
    const s = this.ctx.state;
    s.assertLive(call);
    const holder = call.channel(leg);
    const held = call.channel(leg === 'caller' ? 'callee' : 'caller');
    if (holder.remoteHold) return;
    holder.remoteHold = true;
    // res_pjsip_sdp_rtp: sendonly/inactive → ast_queue_hold + ast_rtp_instance_stop.
    holder.rtp.stop();
    s.emit(ev.hold(holder, holder.endpoint.mohSuggest || null));
    held.hearingMoh = true;
    s.emit(ev.mohStart(held, held.endpoint.mohSuggest));
    this.ctx.bridges.reconfigure(call.bridge, true);
  }

  unholdCall(call: SimCall, leg: LegName): void {
    const s = this.ctx.state;
    s.assertLive(call);
    const holder = call.channel(leg);
    const held = call.channel(leg === 'caller' ? 'callee' : 'caller');
    if (!holder.remoteHold) return;
    holder.remoteHold = false;
    holder.rtp.setSdpRemote(holder.rtp.sdpRemote);
    s.emit(ev.unhold(holder));
    this.ctx.bridges.stopMoh(held);
    this.ctx.bridges.reconfigure(call.bridge, true);
  }

  reinviteCall(call: SimCall, leg: LegName, remote: HostPort): void {
    this.ctx.state.assertLive(call);
    call.channel(leg).rtp.setSdpRemote(remote);
    this.ctx.bridges.reconfigure(call.bridge, true);
  }

  setDirectMedia(call: SimCall, on: boolean): void {
    this.ctx.state.assertLive(call);
    call.directOverride = on;
    this.ctx.bridges.reconfigure(call.bridge, true);
  }

  blindTransferCall(call: SimCall, transferer: LegName, target: PartySpec): Promise<SimCall> {
    return this.transfers.blindCall(call, transferer, target);
  }

  startMixMonitor(channel: SimChannel): boolean {
    if (channel.hungUp) return false;
    channel.mixMonitors++;
    // app_mixmonitor sets the variable before attaching its hook and raising MixMonitorStart
    // (recorded on 22: VarSet, then MixMonitorStart ~1 ms later); over ARI it is the only trace.
    this.ctx.state.emit(ev.varSet(channel, 'MIXMONITOR_FILENAME', `${channel.uniqueid}.wav`));
    this.ctx.state.emit(ev.mixMonitorStart(channel));
    if (channel.bridge)
      this.ctx.bridges.scheduleReconfigure(channel.bridge, this.ctx.state.o.hookSwitchDelayMs);
    return true;
  }

  stopMixMonitor(channel: SimChannel): boolean {
    if (channel.hungUp || channel.mixMonitors === 0) return false;
    channel.mixMonitors--;
    this.ctx.state.emit(ev.mixMonitorStop(channel));
    const [lo, hi] = this.ctx.state.o.unhookSwitchDelayMs;
    if (channel.bridge) this.ctx.bridges.scheduleReconfigure(channel.bridge, lo + Math.random() * (hi - lo));
    return true;
  }
}
