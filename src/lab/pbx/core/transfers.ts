import type { TransferResult } from '../ami/core.js';
import * as ev from '../ami/events.js';
import type { LegName, PartySpec, SimCall } from '../call.js';
import { PbxError } from '../errors.js';
import type { SimChannel } from '../model/objects.js';
import type { Codec } from '../options.js';
import type { PbxContext } from './context.js';
import type { Dialer } from './dialing.js';

/** Blind transfers (AMI BlindTransfer, a phone's REFER) and the REFER attended transfer. */
export class Transfers {
  constructor(
    private readonly ctx: PbxContext,
    private readonly dialer: Dialer,
  ) {}

  /** AMI BlindTransfer of `transferer` to an extension. */
  blindByExten(transferer: SimChannel, exten: string, context: string): TransferResult {
    const s = this.ctx.state;
    const target = s.endpointByExten(exten);
    if (!target?.remote) return 'Invalid';
    const call = transferer.bridge ? s.callByBridge.get(transferer.bridge) : undefined;
    if (!call || call.ended) return 'Not Permitted';
    const leg: LegName = call.callerChannel === transferer ? 'caller' : 'callee';
    this.blind(call, leg, { endpoint: target.name, remote: target.remote }, context, exten, true).catch(
      () => undefined,
    );
    return 'Success';
  }

  /** A phone's REFER to `target`: resolves with the new call. */
  blindCall(call: SimCall, transferer: LegName, target: PartySpec): Promise<SimCall> {
    const s = this.ctx.state;
    s.assertLive(call);
    const ep = s.requireEndpoint(target.endpoint);
    return this.blind(call, transferer, target, call.channel(transferer).context, ep.extension, false);
  }

  private async blind(
    call: SimCall,
    transfererLeg: LegName,
    target: PartySpec,
    context: string,
    exten: string,
    isExternal: boolean,
  ): Promise<SimCall> {
    const s = this.ctx.state;
    const { bridges, channels } = this.ctx;
    const transferer = call.channel(transfererLeg);
    const transferee = call.channel(transfererLeg === 'caller' ? 'callee' : 'caller');
    const bridge = call.bridge;
    const targetEp = s.requireEndpoint(target.endpoint);
    // ast_bridge_transfer_blind takes the transferer off hold first (Unhold, even when it
    // was not held, as recorded for AMI BlindTransfer), then publishes while both are
    // still in the bridge.
    if (isExternal) s.emit(ev.unhold(transferer));
    s.emit(ev.blindTransfer('Success', transferer, transferee, bridge, isExternal, context, exten));
    call.ended = true;
    if (transferee.hearingMoh) bridges.stopMoh(transferee);
    bridges.leave(bridge, transferee);
    bridges.leave(bridge, transferer);
    bridges.destroy(bridge);
    channels.finish(transferer, 16, 0);
    transferee.context = context;
    transferee.exten = exten;
    transferee.appl = 'Dial';
    transferee.data = `${s.techPrefix()}/${targetEp.name},,`;
    const callee = await channels.newChannel(targetEp, target, transferee.rtp.codec as Codec, {
      context,
      exten: 's',
      appl: 'AppDial',
      data: '(Outgoing Line)',
    });
    if (transferee.hungUp) {
      channels.drop(callee);
      throw new PbxError('PBX_CALL_ENDED', 'the transferee hung up during the transfer');
    }
    callee.linkedid = transferee.linkedid;
    s.emit(ev.newchannel(callee));
    return this.dialer.connect(transferee, callee, false, targetEp.name);
  }

  /**
   * Attended transfer: `held.transferer` talks to the transferee, `consult.transferer`
   * (the same phone's second line) to the target. The transferee swaps into the consult
   * bridge (BridgeEnter with SwapUniqueid), AttendedTransfer reports DestType Bridge, and
   * both transferer channels hang up. Returns the new transferee–target call.
   *
   * With `merge`, the held bridge is merged into the consult bridge instead
   * (main/bridge.c bridge_do_merge): BridgeMerge, then each moved channel's BridgeLeave
   * and BridgeEnter, before the transferers leave.
   */
  attended(
    held: { call: SimCall; transferer: LegName },
    consult: { call: SimCall; transferer: LegName },
    mode: 'swap' | 'merge',
  ): SimCall {
    const s = this.ctx.state;
    const { bridges, channels } = this.ctx;
    const origTransferer = held.call.channel(held.transferer);
    const transferee = held.call.channel(held.transferer === 'caller' ? 'callee' : 'caller');
    const secondTransferer = consult.call.channel(consult.transferer);
    const target = consult.call.channel(consult.transferer === 'caller' ? 'callee' : 'caller');
    const bridge1 = held.call.bridge;
    const bridge2 = consult.call.bridge;
    if (held.call.ended || consult.call.ended)
      throw new PbxError('PBX_CALL_ENDED', 'a call of the transfer has ended');
    if (transferee.hearingMoh) bridges.stopMoh(transferee);
    if (origTransferer.remoteHold) origTransferer.remoteHold = false;
    if (mode === 'merge') {
      s.emit(ev.bridgeMerge(bridge2, bridge1));
      for (const c of [...bridge1.channels]) {
        bridges.leave(bridge1, c);
        bridges.enter(bridge2, c, null);
      }
      bridges.leave(bridge2, origTransferer);
      bridges.leave(bridge2, secondTransferer);
    } else {
      bridges.leave(bridge1, transferee);
      bridges.enter(bridge2, transferee, secondTransferer);
      bridges.leave(bridge2, secondTransferer);
    }
    s.emit(
      ev.attendedTransfer({
        result: 'Success',
        origTransferer,
        origBridge: bridge1,
        secondTransferer,
        secondBridge: bridge2,
        destBridge: bridge2,
        isExternal: false,
        transferee,
        target,
      }),
    );
    held.call.ended = true;
    consult.call.ended = true;
    s.callByBridge.delete(bridge2);
    bridges.leave(bridge1, origTransferer);
    bridges.destroy(bridge1);
    channels.finish(origTransferer, 16, 0);
    channels.finish(secondTransferer, 16, 0);
    transferee.connectedNum = target.callerNum;
    transferee.connectedName = target.callerName;
    target.connectedNum = transferee.callerNum;
    target.connectedName = transferee.callerName;
    const call = this.ctx.newCall(bridge2, transferee, target, false);
    bridges.scheduleReconfigure(bridge2, s.o.nativeSwitchDelayMs);
    return call;
  }
}
