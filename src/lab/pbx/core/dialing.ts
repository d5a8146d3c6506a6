import { channelBlock } from '../ami/blocks.js';
import * as ev from '../ami/events.js';
import type { PlaceCallSpec, SimCall } from '../call.js';
import { PbxError } from '../errors.js';
import {
  AST_STATE_DOWN,
  AST_STATE_RING,
  AST_STATE_RINGING,
  AST_STATE_UP,
  type SimChannel,
} from '../model/objects.js';
import type { ResolvedEndpoint } from '../options.js';
import type { PbxContext } from './context.js';

/** Dial() as app_dial and the basic bridge publish it, directly or through a Local pair. */
export class Dialer {
  constructor(private readonly ctx: PbxContext) {}

  /**
   * Places a call from `caller` to `callee` as Dial() would: Newchannel, DialBegin,
   * Newstate, DialEnd, BridgeCreate, two BridgeEnter (showing simple_bridge), the
   * BRIDGEPEER VarSets, then native_rtp after `nativeSwitchDelayMs` when compatible.
   */
  async placeCall(spec: PlaceCallSpec): Promise<SimCall> {
    const s = this.ctx.state;
    s.assertRunning();
    const codec = spec.codec ?? 'ulaw';
    const callerEp = s.requireEndpoint(spec.caller.endpoint);
    const calleeEp = s.requireEndpoint(spec.callee.endpoint);
    const caller = await this.ctx.channels.newChannel(callerEp, spec.caller, codec, {
      context: callerEp.context,
      exten: calleeEp.extension,
      appl: 'Dial',
      data: `${s.techPrefix()}/${calleeEp.name},,`,
    });
    caller.state = AST_STATE_RING;
    let callee: SimChannel;
    try {
      // A dialled channel starts at `s` (Newchannel) until app_dial copies the caller's
      // extension onto it.
      callee = await this.ctx.channels.newChannel(calleeEp, spec.callee, codec, {
        context: callerEp.context,
        exten: 's',
        appl: 'AppDial',
        data: '(Outgoing Line)',
      });
    } catch (err) {
      this.ctx.channels.drop(caller);
      throw err;
    }
    s.seq.processedCalls++;
    s.emit(ev.newchannel(caller));
    callee.linkedid = caller.linkedid;
    callee.state = AST_STATE_DOWN;
    if (spec.viaLocal) return this.connectViaLocal(caller, callee, calleeEp);
    s.emit(ev.newchannel(callee));
    return this.connect(caller, callee, spec.dtmfFeatures ?? false, `${calleeEp.name}`);
  }

  /**
   * Dial(Local/<exten>@<context>): caller ↔ Local;1 and Local;2 ↔ callee in two bridges
   * (both simple_bridge: a Local half has no RTP glue), then Local optimisation
   * (main/core_local.c): LocalOptimizationBegin, the callee swaps into the caller's
   * bridge, LocalOptimizationEnd, the Local pair hangs up, and only then native_rtp.
   */
  private async connectViaLocal(
    caller: SimChannel,
    callee: SimChannel,
    calleeEp: ResolvedEndpoint,
  ): Promise<SimCall> {
    const s = this.ctx.state;
    const { bridges, channels } = this.ctx;
    const context = caller.context;
    const exten = calleeEp.extension;
    const id = s.nextChannelSuffix();
    const local = (half: 1 | 2): SimChannel => {
      const c = channels.newLocalHalf(
        `Local/${exten}@${context}-${id};${half}`,
        caller.linkedid,
        { ...calleeEp, name: 'local' },
        half === 1
          ? { context, exten, appl: 'AppDial', data: '(Outgoing Line)' }
          : { context, exten, appl: 'Dial', data: `${s.techPrefix()}/${calleeEp.name},,` },
      );
      c.callerNum = half === 1 ? calleeEp.extension : caller.callerNum;
      c.callerName = half === 1 ? calleeEp.displayName : caller.callerName;
      return c;
    };
    const one = local(1);
    const two = local(2);
    one.localPartner = two;
    two.localPartner = one;
    two.state = AST_STATE_RING;
    s.emit(ev.newchannel(one));
    s.emit(ev.newchannel(two));
    s.emit(ev.dialBegin(caller, one, `Local/${exten}@${context}`));
    s.emit(ev.newchannel(callee));
    const inner = this.connect(two, callee, false, calleeEp.name);
    const outer = this.connect(caller, one, false, `${exten}@${context}`, true);
    await new Promise((r) => setTimeout(r, s.o.localOptimizeDelayMs));
    if (caller.hungUp || callee.hungUp)
      throw new PbxError('PBX_CALL_ENDED', 'a party hung up before Local optimisation');
    const optId = String(s.seq.localOptimization++);
    s.emit(
      ev.localOptimization('Begin', one, two, [
        ...channelBlock(callee, 'Source'),
        ['DestUniqueId', one.uniqueid],
        ['Id', optId],
      ]),
    );
    inner.ended = true;
    outer.ended = true;
    s.callByBridge.delete(outer.bridge);
    bridges.leave(inner.bridge, callee);
    bridges.enter(outer.bridge, callee, one);
    bridges.leave(outer.bridge, one);
    s.emit(
      ev.localOptimization('End', one, two, [
        ['Success', 'No'],
        ['Id', optId],
      ]),
    );
    bridges.leave(inner.bridge, two);
    bridges.destroy(inner.bridge);
    channels.finish(one, 16, 0);
    channels.finish(two, 16, 0);
    caller.connectedNum = callee.callerNum;
    caller.connectedName = callee.callerName;
    callee.connectedNum = caller.callerNum;
    callee.connectedName = caller.callerName;
    const call = this.ctx.newCall(outer.bridge, caller, callee, false);
    bridges.scheduleReconfigure(outer.bridge, s.o.nativeSwitchDelayMs);
    return call;
  }

  /**
   * Dial of an existing channel (caller side) to a fresh callee, answered and bridged, in
   * the order app_dial and the basic bridge publish it: the callee's connected line, then
   * DialBegin, the caller's connected line, Ringing, DialState, Up, DialEnd (the callee's
   * extension is empty by then), the caller's Up, BridgeCreate, and the answering callee
   * entering first (BridgeNumChannels 1), the caller second.
   */
  connect(
    caller: SimChannel,
    callee: SimChannel,
    dtmfFeatures: boolean,
    dialString: string,
    alreadyDialled = false,
  ): SimCall {
    const s = this.ctx.state;
    if (!alreadyDialled) {
      callee.context = caller.context;
      callee.exten = caller.exten;
      callee.connectedNum = caller.callerNum;
      callee.connectedName = caller.callerName;
      s.emit(ev.newConnectedLine(callee));
      s.emit(ev.dialBegin(caller, callee, dialString));
      caller.connectedNum = callee.callerNum;
      caller.connectedName = callee.callerName;
      s.emit(ev.newConnectedLine(caller));
      callee.state = AST_STATE_RINGING;
      s.emit(ev.newstate(callee));
      s.emit(ev.dialState(caller, callee, 'RINGING'));
    }
    callee.state = AST_STATE_UP;
    callee.connectedNum = caller.callerNum;
    callee.connectedName = caller.callerName;
    s.emit(ev.newstate(callee));
    if (callee.leg) callee.exten = '';
    s.emit(ev.dialEnd(caller, callee, 'ANSWER'));
    caller.connectedNum = callee.callerNum;
    caller.connectedName = callee.callerName;
    if (caller.state !== AST_STATE_UP) {
      caller.state = AST_STATE_UP;
      s.emit(ev.newstate(caller));
    }
    caller.runsDialplan = true;
    const bridges = this.ctx.bridges;
    const bridge = bridges.newBridge();
    const call = this.ctx.newCall(bridge, caller, callee, dtmfFeatures);
    bridges.enter(bridge, callee, null);
    bridges.enter(bridge, caller, null);
    bridges.scheduleReconfigure(bridge, s.o.nativeSwitchDelayMs);
    return call;
  }
}
