import { channelBlock } from '../ami/blocks.js';
import * as ev from '../ami/events.js';
import type { SimCall } from '../call.js';
import { PbxError } from '../errors.js';
import {
  type SimBridge,
  AST_STATE_RING,
  AST_STATE_RINGING,
  AST_STATE_UP,
  type SimChannel,
} from '../model/objects.js';
import type { Codec, ResolvedEndpoint } from '../options.js';
import type { PbxContext } from './context.js';

interface PendingAtxfer {
  readonly transferee: SimChannel;
  readonly origBridge: SimBridge;
  readonly consultBridge: SimBridge;
  readonly targetBridge: SimBridge;
  readonly one: SimChannel;
  readonly two: SimChannel;
  readonly target: SimChannel;
}

/** AMI Atxfer through a Local pair, completed by the transferer's hangup. */
export class AtxferMachine {
  /** AMI Atxfers waiting for their transferer to hang up, by transferer. */
  private readonly pending = new Map<SimChannel, PendingAtxfer>();

  constructor(private readonly ctx: PbxContext) {}

  /** AMI Atxfer to an extension; false when it cannot start. */
  byExten(transferer: SimChannel, exten: string, context: string): boolean {
    const s = this.ctx.state;
    const target = s.endpointByExten(exten);
    const call = transferer.bridge ? s.callByBridge.get(transferer.bridge) : undefined;
    if (!target?.remote || !call || call.ended || this.pending.has(transferer)) return false;
    this.start(call, transferer, target, context, exten).catch(() => undefined);
    return true;
  }

  /**
   * AMI Atxfer (main/bridge_basic.c attended transfer state machine), as recorded: Hold on
   * the transferer (no MusicClass), music on hold to the transferee, a Local/<exten>@<context>
   * pair whose `;1` half joins the transferer in a new bridge while `;2` dials the target
   * into a third bridge. The transfer completes when the transferer hangs up
   * (`completeAtxfer`). Local halves carry no media here, so the consultation is silent.
   */
  private async start(
    call: SimCall,
    transferer: SimChannel,
    target: ResolvedEndpoint,
    context: string,
    exten: string,
  ): Promise<void> {
    const s = this.ctx.state;
    const { bridges, channels } = this.ctx;
    const transferee = call.channel(call.callerChannel === transferer ? 'callee' : 'caller');
    const origBridge = call.bridge;
    call.ended = true;
    s.callByBridge.delete(origBridge);
    s.emit(ev.hold(transferer, null));
    transferee.hearingMoh = true;
    s.emit(ev.mohStart(transferee, transferee.endpoint.mohSuggest));
    for (const c of origBridge.channels) if (c.leg) c.leg.forward = 'none';
    const [one, two] = this.newLocalPair(context, exten, transferer.linkedid);
    s.emit(ev.newchannel(one));
    s.emit(ev.newchannel(two));
    const consultBridge = bridges.newBridge();
    two.callerNum = transferer.callerNum;
    two.callerName = transferer.callerName;
    s.emit(ev.newCallerid(two));
    s.emit(ev.localBridge(one, two, context, exten));
    one.connectedNum = transferer.callerNum;
    one.connectedName = transferer.callerName;
    s.emit(ev.newConnectedLine(one));
    bridges.enter(consultBridge, one, null);
    const remote = target.remote;
    if (!remote) throw new PbxError('PBX_UNKNOWN_ENDPOINT', `${target.name} has no address`);
    const codec = transferer.rtp.codec as Codec;
    const callee = await channels.newChannel(target, { endpoint: target.name, remote }, codec, {
      context,
      exten: 's',
      appl: 'AppDial',
      data: '(Outgoing Line)',
    });
    callee.linkedid = transferer.linkedid;
    if (transferer.hungUp || transferee.hungUp || !s.running) {
      channels.drop(callee);
      return;
    }
    s.emit(ev.newchannel(callee));
    callee.exten = two.exten;
    callee.connectedNum = two.callerNum;
    callee.connectedName = two.callerName;
    s.emit(ev.newConnectedLine(callee));
    bridges.leave(origBridge, transferer);
    bridges.enter(consultBridge, transferer, null);
    transferer.connectedNum = '';
    transferer.connectedName = '';
    s.emit(ev.newConnectedLine(transferer));
    s.emit(ev.dialBegin(two, callee, target.name));
    callee.state = AST_STATE_RINGING;
    s.emit(ev.newstate(callee));
    two.connectedNum = callee.callerNum;
    two.connectedName = callee.callerName;
    s.emit(ev.newConnectedLine(two));
    transferer.connectedNum = callee.callerNum;
    transferer.connectedName = callee.callerName;
    s.emit(ev.newConnectedLine(transferer));
    one.state = AST_STATE_RINGING;
    s.emit(ev.newstate(one));
    one.callerNum = callee.callerNum;
    one.callerName = callee.callerName;
    s.emit(ev.newCallerid(one));
    s.emit(ev.dialState(null, one, 'RINGING'));
    s.emit(ev.dialState(two, callee, 'RINGING'));
    callee.state = AST_STATE_UP;
    s.emit(ev.newstate(callee));
    callee.exten = '';
    s.emit(ev.dialEnd(two, callee, 'ANSWER'));
    two.state = AST_STATE_UP;
    s.emit(ev.newstate(two));
    two.runsDialplan = true;
    const targetBridge = bridges.newBridge();
    one.state = AST_STATE_UP;
    s.emit(ev.newstate(one));
    s.emit(ev.dialEnd(null, one, 'ANSWER'));
    bridges.enter(targetBridge, callee, null);
    bridges.enter(targetBridge, two, null);
    this.pending.set(transferer, {
      transferee,
      origBridge,
      consultBridge,
      targetBridge,
      one,
      two,
      target: callee,
    });
  }

  /**
   * The transferer of a pending Atxfer hangs up: the consultation bridge merges into the
   * transferee's (BridgeMerge), AttendedTransfer reports DestType Bridge with the original
   * bridge as destination, the transferer is hung up, and a moment later the Local pair
   * optimises away (LocalOptimizationBegin/End), swapping the transferee in for `;2`.
   */
  complete(transferer: SimChannel): boolean {
    const s = this.ctx.state;
    const { bridges, channels } = this.ctx;
    const x = this.pending.get(transferer);
    if (!x) return false;
    this.pending.delete(transferer);
    if (x.transferee.hungUp || x.target.hungUp || x.origBridge.destroyed) return false;
    s.emit(ev.bridgeMerge(x.origBridge, x.consultBridge));
    bridges.stopMoh(x.transferee);
    bridges.leave(x.consultBridge, x.one);
    bridges.enter(x.origBridge, x.one, null);
    x.transferee.connectedNum = x.one.callerNum;
    x.transferee.connectedName = x.one.callerName;
    s.emit(ev.newConnectedLine(x.transferee));
    x.one.connectedNum = x.transferee.callerNum;
    x.one.connectedName = x.transferee.callerName;
    s.emit(ev.newConnectedLine(x.one));
    bridges.leave(x.consultBridge, transferer);
    s.emit(
      ev.attendedTransfer({
        result: 'Success',
        origTransferer: transferer,
        origBridge: x.origBridge,
        secondTransferer: transferer,
        secondBridge: x.consultBridge,
        destBridge: x.origBridge,
        isExternal: false,
        transferee: x.transferee,
        target: x.one,
      }),
    );
    bridges.destroy(x.consultBridge);
    x.target.connectedNum = x.transferee.callerNum;
    x.target.connectedName = x.transferee.callerName;
    s.emit(ev.newConnectedLine(x.target));
    channels.finish(transferer, 16, 0);
    s.later(s.o.localOptimizeDelayMs, () => {
      if (x.transferee.hungUp || x.target.hungUp || !s.running) return;
      this.optimizeLocalPair(x.one, x.two, x.transferee, x.origBridge, x.targetBridge, x.target);
    });
    return true;
  }

  /**
   * Local optimisation (main/core_local.c) after an Atxfer: `source` (the peer of `;1`)
   * swaps in for `;2` in `;2`'s bridge; `;1`'s bridge is destroyed and the pair hangs up.
   * Asterisk 22 reports `Success: No` in LocalOptimizationEnd even after the swap.
   */
  private optimizeLocalPair(
    one: SimChannel,
    two: SimChannel,
    source: SimChannel,
    sourceBridge: SimBridge,
    destBridge: SimBridge,
    peer: SimChannel,
  ): void {
    const s = this.ctx.state;
    const { bridges, channels } = this.ctx;
    const optId = String(s.seq.localOptimization++);
    s.emit(
      ev.localOptimization('Begin', one, two, [
        ...channelBlock(source, 'Source'),
        ['DestUniqueId', two.uniqueid],
        ['Id', optId],
      ]),
    );
    bridges.leave(sourceBridge, source);
    // The swap copies the source's caller id onto the half it replaces (NewCallerid).
    two.callerNum = source.callerNum;
    two.callerName = source.callerName;
    s.emit(ev.newCallerid(two));
    bridges.leave(destBridge, two);
    bridges.enter(destBridge, source, two);
    s.emit(
      ev.localOptimization('End', one, two, [
        ['Success', 'No'],
        ['Id', optId],
      ]),
    );
    bridges.leave(sourceBridge, one);
    bridges.destroy(sourceBridge);
    s.emit(ev.hangupRequest(two, 16));
    channels.finish(one, 16, 0);
    channels.finish(two, 16, 0);
    this.ctx.newCall(destBridge, source, peer, false);
    bridges.scheduleReconfigure(destBridge, s.o.nativeSwitchDelayMs);
  }

  /**
   * A Local/<exten>@<context> pair (main/core_local.c): `;1` starts Down at the
   * extension, `;2` starts Ring and runs the dialplan there. No RTP, so no glue.
   */
  private newLocalPair(context: string, exten: string, linkedid: string): [SimChannel, SimChannel] {
    const s = this.ctx.state;
    const id = s.nextChannelSuffix();
    const half = (n: 1 | 2): SimChannel => {
      const ep = s.o.endpoints.values().next().value;
      if (!ep) throw new PbxError('PBX_UNKNOWN_ENDPOINT', 'no endpoint configured');
      return this.ctx.channels.newLocalHalf(
        `Local/${exten}@${context}-${id};${n}`,
        linkedid,
        { ...ep, name: 'local', extension: '', displayName: '' },
        { context, exten, appl: n === 1 ? 'AppDial' : 'Dial', data: n === 1 ? '(Outgoing Line)' : '' },
      );
    };
    const one = half(1);
    const two = half(2);
    one.localPartner = two;
    two.localPartner = one;
    two.state = AST_STATE_RING;
    return [one, two];
  }

  /** Forgets pending transfers (stop, restart). */
  clear(): void {
    this.pending.clear();
  }
}
