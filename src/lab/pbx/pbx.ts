import { randomBytes, randomUUID } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { buildActionTable } from './ami/actions/index.js';
import type { PbxCore, TransferResult } from './ami/core.js';
import { channelBlock } from './ami/blocks.js';
import * as ev from './ami/events.js';
import type { ManagerEvent } from './ami/events.js';
import { AmiServer } from './ami/server.js';
import { chooseTechnology } from './bridging.js';
import { SimCall, type CallOps, type LegName, type PartySpec, type PlaceCallSpec } from './call.js';
import { PbxError } from './errors.js';
import { readVariable } from './functions.js';
import { SimBridge } from './model/bridge.js';
import {
  AST_STATE_DOWN,
  AST_STATE_RING,
  AST_STATE_RINGING,
  AST_STATE_UP,
  SimChannel,
} from './model/channel.js';
import {
  resolveOptions,
  type Codec,
  type ResolvedEndpoint,
  type ResolvedOptions,
  type SimulatedPbxOptions,
} from './options.js';
import { canonicalAddress, type HostPort } from './rtp/address.js';
import { RtpLeg, type RtcpObservation } from './rtp/leg.js';
import { PortAllocator, openLocalUdpSocket } from './rtp/ports.js';
import { ntpFromMs, ntpMiddle } from './rtp/rtcp.js';

export interface CallRelayStats {
  readonly callId: string;
  readonly bridgeId: string;
  readonly technology: string;
  readonly packets: number;
  readonly cpuMs: number;
}

export interface RelayStats {
  /** Packets relayed by the userspace bridge since start (both directions, all calls). */
  readonly packetsRelayed: number;
  /** RTP packets the PBX's legs received (relayed or not), all calls since start. */
  readonly packetsReceived: number;
  /** Time spent in the relay path (receive handler to send), summed. */
  readonly relayCpuMs: number;
  readonly calls: readonly CallRelayStats[];
  /** `process.cpuUsage()` of this process, meaningful when the PBX runs on its own. */
  readonly processCpuMs: { readonly user: number; readonly system: number };
}

interface PendingAtxfer {
  readonly transferee: SimChannel;
  readonly origBridge: SimBridge;
  readonly consultBridge: SimBridge;
  readonly targetBridge: SimBridge;
  readonly one: SimChannel;
  readonly two: SimChannel;
  readonly target: SimChannel;
}

/** 20 ms of G.711 silence: what music on hold sounds like here. */
const MOH_FRAME = { ulaw: Buffer.alloc(160, 0xff), alaw: Buffer.alloc(160, 0xd5) } as const;
const TICK_MS = 20;
const DUTY_EVERY_TICKS = 10;

/**
 * A simulated Asterisk: the manager interface over a real socket, SIP channels with real
 * RTP sockets, basic bridges that pick native_rtp or simple_bridge like
 * main/bridge.c, and a packet-to-packet relay like res_rtp_asterisk.c. No SIP: calls are
 * placed through the scenario API (`placeCall`) with the phones' SDP addresses.
 */
export class SimulatedPbx implements PbxCore, CallOps {
  private readonly o: ResolvedOptions;
  private readonly ami: AmiServer;
  private readonly ports: PortAllocator;
  private readonly byName = new Map<string, SimChannel>();
  private readonly byUniqueid = new Map<string, SimChannel>();
  private readonly byLeg = new Map<RtpLeg, SimChannel>();
  private readonly bridgeMap = new Map<string, SimBridge>();
  private readonly callByBridge = new Map<SimBridge, SimCall>();
  private readonly globals = new Map<string, string>();
  private readonly listeners = new Set<(e: ManagerEvent) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private ticker: NodeJS.Timeout | null = null;
  private tickCount = 0;
  private startedAt = new Date();
  private channelSeq = 0;
  private uniqueSeq = 0;
  private callSeq = 0;
  private processed = 0;
  private localOptimizations = 0;
  /** AMI Atxfers waiting for their transferer to hang up, by transferer. */
  private readonly atxfers = new Map<SimChannel, PendingAtxfer>();
  private totalPackets = 0;
  /** rxPackets of channels already gone. */
  private receivedByGone = 0;
  private totalCpuMs = 0;
  private running = false;
  private amiPort = 0;

  constructor(options: SimulatedPbxOptions) {
    this.o = resolveOptions(options);
    this.ports = new PortAllocator(this.o.rtpPortRange, options.openRtpSocket ?? openLocalUdpSocket);
    this.ami = new AmiServer({
      amiVersion: this.o.amiVersion,
      users: this.o.ami.users,
      authTimeoutMs: this.o.ami.authTimeoutSec * 1000,
      timestampEvents: this.o.ami.timestampEvents,
      systemName: this.o.ami.systemName,
      actions: buildActionTable(this.o.driver),
      core: this,
      uptime: () => {
        const s = Math.floor((Date.now() - this.startedAt.getTime()) / 1000);
        return { uptime: s, lastReload: s };
      },
    });
  }

  /** Creates and starts a PBX. */
  static async start(options: SimulatedPbxOptions): Promise<SimulatedPbx> {
    const pbx = new SimulatedPbx(options);
    await pbx.start();
    return pbx;
  }

  async start(): Promise<void> {
    if (this.running) return;
    if (this.o.ami.server) this.ami.adopt(this.o.ami.server);
    else await this.ami.listen(this.o.ami.host, this.amiPort || this.o.ami.port);
    this.amiPort = this.ami.address().port;
    this.startedAt = new Date();
    this.running = true;
    this.ticker = setInterval(() => this.tick(), TICK_MS);
  }

  /** Where AMI clients connect. */
  amiAddress(): { host: string; port: number } {
    return this.ami.address();
  }

  get asteriskVersion(): number {
    return this.o.version;
  }

  get amiSessions(): number {
    return this.ami.sessionCount;
  }

  /** Every manager event as it is raised, before any session filtering. */
  onManagerEvent(listener: (e: ManagerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- PbxCore (what AMI actions read and do) -------------------------------------

  get driver(): 'pjsip' | 'sip' {
    return this.o.driver;
  }

  findChannel(nameOrUniqueid: string): SimChannel | null {
    return this.byName.get(nameOrUniqueid.toLowerCase()) ?? this.byUniqueid.get(nameOrUniqueid) ?? null;
  }

  channels(): readonly SimChannel[] {
    return [...this.byUniqueid.values()];
  }

  bridges(): readonly SimBridge[] {
    return [...this.bridgeMap.values()];
  }

  findBridge(uniqueid: string): SimBridge | null {
    return this.bridgeMap.get(uniqueid) ?? null;
  }

  endpoint(name: string): ResolvedEndpoint | null {
    return this.o.endpoints.get(name) ?? null;
  }

  sipBindAddress(): string {
    return this.o.localAddress.ipv4;
  }

  startupTime(): Date {
    return this.startedAt;
  }

  reloadTime(): Date {
    return this.startedAt;
  }

  processedCalls(): number {
    return this.processed;
  }

  readVariable(channel: SimChannel | null, name: string): string {
    return readVariable(channel, name, this.o.driver, this.globals);
  }

  setVariable(channel: SimChannel | null, name: string, value: string): void {
    if (channel) {
      channel.vars.set(name, value);
      this.emit(ev.varSet(channel, name, value));
    } else this.globals.set(name, value);
  }

  emit(e: ManagerEvent): void {
    this.ami.broadcast(e);
    for (const l of this.listeners) l(e);
  }

  hangupChannel(channel: SimChannel, cause: number, techCause = 0): void {
    if (channel.hungUp) return;
    if (this.completeAtxfer(channel)) return;
    const bridge = channel.bridge;
    if (bridge) this.leaveBridge(bridge, channel);
    this.finishChannel(channel, cause, techCause);
    if (bridge) {
      // A basic bridge dissolves when one party hangs up: the others are kicked out.
      const others = [...bridge.channels];
      for (const other of others) this.leaveBridge(bridge, other);
      this.destroyBridge(bridge);
      for (const other of others) this.finishChannel(other, 16, 0);
    }
  }

  startMixMonitor(channel: SimChannel): boolean {
    if (channel.hungUp) return false;
    channel.mixMonitors++;
    this.emit(ev.mixMonitorStart(channel));
    if (channel.bridge) this.scheduleReconfigure(channel.bridge, this.o.hookSwitchDelayMs);
    return true;
  }

  stopMixMonitor(channel: SimChannel): boolean {
    if (channel.hungUp || channel.mixMonitors === 0) return false;
    channel.mixMonitors--;
    this.emit(ev.mixMonitorStop(channel));
    const [lo, hi] = this.o.unhookSwitchDelayMs;
    if (channel.bridge) this.scheduleReconfigure(channel.bridge, lo + Math.random() * (hi - lo));
    return true;
  }

  blindTransfer(transferer: SimChannel, exten: string, context: string): TransferResult {
    const target = this.endpointByExten(exten);
    if (!target?.remote) return 'Invalid';
    const call = transferer.bridge ? this.callByBridge.get(transferer.bridge) : undefined;
    if (!call || call.ended) return 'Not Permitted';
    const leg: LegName = call.callerChannel === transferer ? 'caller' : 'callee';
    this.blindTransferInternal(
      call,
      leg,
      { endpoint: target.name, remote: target.remote },
      context,
      exten,
      true,
    ).catch(() => undefined);
    return 'Success';
  }

  attendedTransferByExten(transferer: SimChannel, exten: string, context: string): boolean {
    const target = this.endpointByExten(exten);
    const call = transferer.bridge ? this.callByBridge.get(transferer.bridge) : undefined;
    if (!target?.remote || !call || call.ended || this.atxfers.has(transferer)) return false;
    this.startAtxfer(call, transferer, target, context, exten).catch(() => undefined);
    return true;
  }

  /**
   * AMI Atxfer (main/bridge_basic.c attended transfer state machine), as recorded: Hold on
   * the transferer (no MusicClass), music on hold to the transferee, a Local/<exten>@<context>
   * pair whose `;1` half joins the transferer in a new bridge while `;2` dials the target
   * into a third bridge. The transfer completes when the transferer hangs up
   * (`completeAtxfer`). Local halves carry no media here, so the consultation is silent.
   */
  private async startAtxfer(
    call: SimCall,
    transferer: SimChannel,
    target: ResolvedEndpoint,
    context: string,
    exten: string,
  ): Promise<void> {
    const transferee = call.channel(call.callerChannel === transferer ? 'callee' : 'caller');
    const origBridge = call.bridge;
    call.ended = true;
    this.callByBridge.delete(origBridge);
    this.emit(ev.hold(transferer, null));
    transferee.hearingMoh = true;
    this.emit(ev.mohStart(transferee, transferee.endpoint.mohSuggest));
    for (const c of origBridge.channels) if (c.leg) c.leg.forward = 'none';
    const [one, two] = this.newLocalPair(context, exten, transferer.linkedid);
    this.emit(ev.newchannel(one));
    this.emit(ev.newchannel(two));
    const consultBridge = this.newBridge();
    two.callerNum = transferer.callerNum;
    two.callerName = transferer.callerName;
    this.emit(ev.newCallerid(two));
    this.emit(ev.localBridge(one, two, context, exten));
    one.connectedNum = transferer.callerNum;
    one.connectedName = transferer.callerName;
    this.emit(ev.newConnectedLine(one));
    this.enterBridge(consultBridge, one, null);
    const remote = target.remote;
    if (!remote) throw new PbxError('PBX_UNKNOWN_ENDPOINT', `${target.name} has no address`);
    const codec = transferer.rtp.codec as Codec;
    const callee = await this.newChannel(target, { endpoint: target.name, remote }, codec, {
      context,
      exten: 's',
      appl: 'AppDial',
      data: '(Outgoing Line)',
    });
    callee.linkedid = transferer.linkedid;
    if (transferer.hungUp || transferee.hungUp || !this.running) {
      this.dropChannel(callee);
      return;
    }
    this.emit(ev.newchannel(callee));
    callee.exten = two.exten;
    callee.connectedNum = two.callerNum;
    callee.connectedName = two.callerName;
    this.emit(ev.newConnectedLine(callee));
    this.leaveBridge(origBridge, transferer);
    this.enterBridge(consultBridge, transferer, null);
    transferer.connectedNum = '';
    transferer.connectedName = '';
    this.emit(ev.newConnectedLine(transferer));
    this.emit(ev.dialBegin(two, callee, target.name));
    callee.state = AST_STATE_RINGING;
    this.emit(ev.newstate(callee));
    two.connectedNum = callee.callerNum;
    two.connectedName = callee.callerName;
    this.emit(ev.newConnectedLine(two));
    transferer.connectedNum = callee.callerNum;
    transferer.connectedName = callee.callerName;
    this.emit(ev.newConnectedLine(transferer));
    one.state = AST_STATE_RINGING;
    this.emit(ev.newstate(one));
    one.callerNum = callee.callerNum;
    one.callerName = callee.callerName;
    this.emit(ev.newCallerid(one));
    this.emit(ev.dialState(null, one, 'RINGING'));
    this.emit(ev.dialState(two, callee, 'RINGING'));
    callee.state = AST_STATE_UP;
    this.emit(ev.newstate(callee));
    callee.exten = '';
    this.emit(ev.dialEnd(two, callee, 'ANSWER'));
    two.state = AST_STATE_UP;
    this.emit(ev.newstate(two));
    two.runsDialplan = true;
    const targetBridge = this.newBridge();
    one.state = AST_STATE_UP;
    this.emit(ev.newstate(one));
    this.emit(ev.dialEnd(null, one, 'ANSWER'));
    this.enterBridge(targetBridge, callee, null);
    this.enterBridge(targetBridge, two, null);
    this.atxfers.set(transferer, {
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
  private completeAtxfer(transferer: SimChannel): boolean {
    const x = this.atxfers.get(transferer);
    if (!x) return false;
    this.atxfers.delete(transferer);
    if (x.transferee.hungUp || x.target.hungUp || x.origBridge.destroyed) return false;
    this.emit(ev.bridgeMerge(x.origBridge, x.consultBridge));
    this.stopMoh(x.transferee);
    this.leaveBridge(x.consultBridge, x.one);
    this.enterBridge(x.origBridge, x.one, null);
    x.transferee.connectedNum = x.one.callerNum;
    x.transferee.connectedName = x.one.callerName;
    this.emit(ev.newConnectedLine(x.transferee));
    x.one.connectedNum = x.transferee.callerNum;
    x.one.connectedName = x.transferee.callerName;
    this.emit(ev.newConnectedLine(x.one));
    this.leaveBridge(x.consultBridge, transferer);
    this.emit(
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
    this.destroyBridge(x.consultBridge);
    x.target.connectedNum = x.transferee.callerNum;
    x.target.connectedName = x.transferee.callerName;
    this.emit(ev.newConnectedLine(x.target));
    this.finishChannel(transferer, 16, 0);
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (x.transferee.hungUp || x.target.hungUp || !this.running) return;
      this.optimizeLocalPair(x.one, x.two, x.transferee, x.origBridge, x.targetBridge, x.target);
    }, this.o.localOptimizeDelayMs);
    this.timers.add(t);
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
    const optId = String(this.localOptimizations++);
    this.emit(
      ev.localOptimization('Begin', one, two, [
        ...channelBlock(source, 'Source'),
        ['DestUniqueId', two.uniqueid],
        ['Id', optId],
      ]),
    );
    this.leaveBridge(sourceBridge, source);
    // The swap copies the source's caller id onto the half it replaces (NewCallerid).
    two.callerNum = source.callerNum;
    two.callerName = source.callerName;
    this.emit(ev.newCallerid(two));
    this.leaveBridge(destBridge, two);
    this.enterBridge(destBridge, source, two);
    this.emit(
      ev.localOptimization('End', one, two, [
        ['Success', 'No'],
        ['Id', optId],
      ]),
    );
    this.leaveBridge(sourceBridge, one);
    this.destroyBridge(sourceBridge);
    this.emit(ev.hangupRequest(two, 16));
    this.finishChannel(one, 16, 0);
    this.finishChannel(two, 16, 0);
    const call = new SimCall(
      `call-${++this.callSeq}`,
      destBridge,
      source,
      peer,
      false,
      this,
      this.o.localAddress,
    );
    this.callByBridge.set(destBridge, call);
    this.scheduleReconfigure(destBridge, this.o.nativeSwitchDelayMs);
  }

  private newBridge(): SimBridge {
    const bridge = new SimBridge(randomUUID(), Date.now());
    this.bridgeMap.set(bridge.uniqueid, bridge);
    this.emit(ev.bridgeCreate(bridge));
    return bridge;
  }

  /**
   * A Local/<exten>@<context> pair (main/core_local.c): `;1` starts Down at the
   * extension, `;2` starts Ring and runs the dialplan there. No RTP, so no glue.
   */
  private newLocalPair(context: string, exten: string, linkedid: string): [SimChannel, SimChannel] {
    const id = (this.channelSeq++).toString(16).padStart(8, '0');
    const half = (n: 1 | 2): SimChannel => {
      const ep = this.o.endpoints.values().next().value;
      if (!ep) throw new PbxError('PBX_UNKNOWN_ENDPOINT', 'no endpoint configured');
      const c = new SimChannel(
        `Local/${exten}@${context}-${id};${n}`,
        this.newUniqueid(),
        linkedid,
        { ...ep, name: 'local', extension: '', displayName: '' },
        null,
        '',
        Date.now(),
        { context, exten, appl: n === 1 ? 'AppDial' : 'Dial', data: n === 1 ? '(Outgoing Line)' : '' },
      );
      this.byName.set(c.name.toLowerCase(), c);
      this.byUniqueid.set(c.uniqueid, c);
      return c;
    };
    const one = half(1);
    const two = half(2);
    one.localPartner = two;
    two.localPartner = one;
    two.state = AST_STATE_RING;
    return [one, two];
  }

  private endpointByExten(exten: string): ResolvedEndpoint | null {
    for (const e of this.o.endpoints.values()) if (e.extension === exten || e.name === exten) return e;
    return null;
  }

  // ---- Scenario API ------------------------------------------------------------------

  /**
   * Places a call from `caller` to `callee` as Dial() would: Newchannel, DialBegin,
   * Newstate, DialEnd, BridgeCreate, two BridgeEnter (showing simple_bridge), the
   * BRIDGEPEER VarSets, then native_rtp after `nativeSwitchDelayMs` when compatible.
   */
  async placeCall(spec: PlaceCallSpec): Promise<SimCall> {
    this.assertRunning();
    const codec = spec.codec ?? 'ulaw';
    const callerEp = this.requireEndpoint(spec.caller.endpoint);
    const calleeEp = this.requireEndpoint(spec.callee.endpoint);
    const caller = await this.newChannel(callerEp, spec.caller, codec, {
      context: callerEp.context,
      exten: calleeEp.extension,
      appl: 'Dial',
      data: `${this.techPrefix()}/${calleeEp.name},,`,
    });
    caller.state = AST_STATE_RING;
    let callee: SimChannel;
    try {
      // A dialled channel starts at `s` (Newchannel) until app_dial copies the caller's
      // extension onto it.
      callee = await this.newChannel(calleeEp, spec.callee, codec, {
        context: callerEp.context,
        exten: 's',
        appl: 'AppDial',
        data: '(Outgoing Line)',
      });
    } catch (err) {
      this.dropChannel(caller);
      throw err;
    }
    this.processed++;
    this.emit(ev.newchannel(caller));
    callee.linkedid = caller.linkedid;
    callee.state = AST_STATE_DOWN;
    if (spec.viaLocal) return this.connectViaLocal(caller, callee, calleeEp);
    this.emit(ev.newchannel(callee));
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
    const context = caller.context;
    const exten = calleeEp.extension;
    const id = (this.channelSeq++).toString(16).padStart(8, '0');
    const local = (half: 1 | 2): SimChannel => {
      const uniqueid = this.newUniqueid();
      const c = new SimChannel(
        `Local/${exten}@${context}-${id};${half}`,
        uniqueid,
        caller.linkedid,
        { ...calleeEp, name: 'local' },
        null,
        '',
        Date.now(),
        half === 1
          ? { context, exten, appl: 'AppDial', data: '(Outgoing Line)' }
          : { context, exten, appl: 'Dial', data: `${this.techPrefix()}/${calleeEp.name},,` },
      );
      c.callerNum = half === 1 ? calleeEp.extension : caller.callerNum;
      c.callerName = half === 1 ? calleeEp.displayName : caller.callerName;
      this.byName.set(c.name.toLowerCase(), c);
      this.byUniqueid.set(uniqueid, c);
      return c;
    };
    const one = local(1);
    const two = local(2);
    one.localPartner = two;
    two.localPartner = one;
    two.state = AST_STATE_RING;
    this.emit(ev.newchannel(one));
    this.emit(ev.newchannel(two));
    this.emit(ev.dialBegin(caller, one, `Local/${exten}@${context}`));
    this.emit(ev.newchannel(callee));
    const inner = this.connect(two, callee, false, calleeEp.name);
    const outer = this.connect(caller, one, false, `${exten}@${context}`, true);
    await new Promise((r) => setTimeout(r, this.o.localOptimizeDelayMs));
    if (caller.hungUp || callee.hungUp)
      throw new PbxError('PBX_CALL_ENDED', 'a party hung up before Local optimisation');
    const optId = String(this.localOptimizations++);
    this.emit(
      ev.localOptimization('Begin', one, two, [
        ...channelBlock(callee, 'Source'),
        ['DestUniqueId', one.uniqueid],
        ['Id', optId],
      ]),
    );
    inner.ended = true;
    outer.ended = true;
    this.callByBridge.delete(outer.bridge);
    this.leaveBridge(inner.bridge, callee);
    this.enterBridge(outer.bridge, callee, one);
    this.leaveBridge(outer.bridge, one);
    this.emit(
      ev.localOptimization('End', one, two, [
        ['Success', 'No'],
        ['Id', optId],
      ]),
    );
    this.leaveBridge(inner.bridge, two);
    this.destroyBridge(inner.bridge);
    this.finishChannel(one, 16, 0);
    this.finishChannel(two, 16, 0);
    caller.connectedNum = callee.callerNum;
    caller.connectedName = callee.callerName;
    callee.connectedNum = caller.callerNum;
    callee.connectedName = caller.callerName;
    const call = new SimCall(
      `call-${++this.callSeq}`,
      outer.bridge,
      caller,
      callee,
      false,
      this,
      this.o.localAddress,
    );
    this.callByBridge.set(outer.bridge, call);
    this.scheduleReconfigure(outer.bridge, this.o.nativeSwitchDelayMs);
    return call;
  }

  private newUniqueid(): string {
    const prefix = this.o.ami.systemName === '' ? '' : `${this.o.ami.systemName}-`;
    return `${prefix}${Math.floor(Date.now() / 1000)}.${this.uniqueSeq++}`;
  }

  /**
   * Dial of an existing channel (caller side) to a fresh callee, answered and bridged, in
   * the order app_dial and the basic bridge publish it: the callee's connected line, then
   * DialBegin, the caller's connected line, Ringing, DialState, Up, DialEnd (the callee's
   * extension is empty by then), the caller's Up, BridgeCreate, and the answering callee
   * entering first (BridgeNumChannels 1), the caller second.
   */
  private connect(
    caller: SimChannel,
    callee: SimChannel,
    dtmfFeatures: boolean,
    dialString: string,
    alreadyDialled = false,
  ): SimCall {
    if (!alreadyDialled) {
      callee.context = caller.context;
      callee.exten = caller.exten;
      callee.connectedNum = caller.callerNum;
      callee.connectedName = caller.callerName;
      this.emit(ev.newConnectedLine(callee));
      this.emit(ev.dialBegin(caller, callee, dialString));
      caller.connectedNum = callee.callerNum;
      caller.connectedName = callee.callerName;
      this.emit(ev.newConnectedLine(caller));
      callee.state = AST_STATE_RINGING;
      this.emit(ev.newstate(callee));
      this.emit(ev.dialState(caller, callee, 'RINGING'));
    }
    callee.state = AST_STATE_UP;
    callee.connectedNum = caller.callerNum;
    callee.connectedName = caller.callerName;
    this.emit(ev.newstate(callee));
    if (callee.leg) callee.exten = '';
    this.emit(ev.dialEnd(caller, callee, 'ANSWER'));
    caller.connectedNum = callee.callerNum;
    caller.connectedName = callee.callerName;
    if (caller.state !== AST_STATE_UP) {
      caller.state = AST_STATE_UP;
      this.emit(ev.newstate(caller));
    }
    caller.runsDialplan = true;
    const bridge = new SimBridge(randomUUID(), Date.now());
    this.bridgeMap.set(bridge.uniqueid, bridge);
    this.emit(ev.bridgeCreate(bridge));
    const call = new SimCall(
      `call-${++this.callSeq}`,
      bridge,
      caller,
      callee,
      dtmfFeatures,
      this,
      this.o.localAddress,
    );
    this.callByBridge.set(bridge, call);
    this.enterBridge(bridge, callee, null);
    this.enterBridge(bridge, caller, null);
    this.scheduleReconfigure(bridge, this.o.nativeSwitchDelayMs);
    return call;
  }

  /** Every call still up. */
  calls(): SimCall[] {
    return [...this.callByBridge.values()].filter((c) => !c.ended);
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
  attendedTransfer(
    held: { call: SimCall; transferer: LegName },
    consult: { call: SimCall; transferer: LegName },
    mode: 'swap' | 'merge' = 'swap',
  ): SimCall {
    const origTransferer = held.call.channel(held.transferer);
    const transferee = held.call.channel(held.transferer === 'caller' ? 'callee' : 'caller');
    const secondTransferer = consult.call.channel(consult.transferer);
    const target = consult.call.channel(consult.transferer === 'caller' ? 'callee' : 'caller');
    const bridge1 = held.call.bridge;
    const bridge2 = consult.call.bridge;
    if (held.call.ended || consult.call.ended)
      throw new PbxError('PBX_CALL_ENDED', 'a call of the transfer has ended');
    if (transferee.hearingMoh) this.stopMoh(transferee);
    if (origTransferer.remoteHold) origTransferer.remoteHold = false;
    if (mode === 'merge') {
      this.emit(ev.bridgeMerge(bridge2, bridge1));
      for (const c of [...bridge1.channels]) {
        this.leaveBridge(bridge1, c);
        this.enterBridge(bridge2, c, null);
      }
      this.leaveBridge(bridge2, origTransferer);
      this.leaveBridge(bridge2, secondTransferer);
    } else {
      this.leaveBridge(bridge1, transferee);
      this.enterBridge(bridge2, transferee, secondTransferer);
      this.leaveBridge(bridge2, secondTransferer);
    }
    this.emit(
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
    this.callByBridge.delete(bridge2);
    this.leaveBridge(bridge1, origTransferer);
    this.destroyBridge(bridge1);
    this.finishChannel(origTransferer, 16, 0);
    this.finishChannel(secondTransferer, 16, 0);
    transferee.connectedNum = target.callerNum;
    transferee.connectedName = target.callerName;
    target.connectedNum = transferee.callerNum;
    target.connectedName = transferee.callerName;
    const call = new SimCall(
      `call-${++this.callSeq}`,
      bridge2,
      transferee,
      target,
      false,
      this,
      this.o.localAddress,
    );
    this.callByBridge.set(bridge2, call);
    this.scheduleReconfigure(bridge2, this.o.nativeSwitchDelayMs);
    return call;
  }

  relayStats(): RelayStats {
    const cpu = process.cpuUsage();
    return {
      packetsRelayed: this.totalPackets,
      packetsReceived:
        this.receivedByGone + [...this.byUniqueid.values()].reduce((n, c) => n + (c.leg?.rxPackets ?? 0), 0),
      relayCpuMs: this.totalCpuMs,
      calls: this.calls().map((c) => ({
        callId: c.id,
        bridgeId: c.bridgeId,
        technology: c.technology,
        packets: c.counter.packets,
        cpuMs: c.counter.cpuMs,
      })),
      processCpuMs: { user: cpu.user / 1000, system: cpu.system / 1000 },
    };
  }

  /**
   * `core restart now`: a Shutdown event, every session dropped, every call gone without
   * further events, and a new start-up time (CoreStatus has one-second resolution, so the
   * restart takes until the next second). The AMI port stays the same.
   */
  async restart(): Promise<void> {
    this.assertRunning();
    this.emit(ev.shutdown(true));
    await this.ami.pause();
    this.teardownMedia();
    this.channelSeq = 0;
    this.uniqueSeq = 0;
    const old = Math.floor(this.startedAt.getTime() / 1000);
    while (Math.floor(Date.now() / 1000) === old) await new Promise((r) => setTimeout(r, 20));
    this.startedAt = new Date();
    if (this.ami.isOwned) await this.ami.listen(this.o.ami.host, this.amiPort);
    else this.ami.resumeRefused();
  }

  /** Stops everything: calls, sockets, timers and the AMI listener. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    this.teardownMedia();
    await this.ami.close();
  }

  // ---- CallOps -----------------------------------------------------------------------

  /** The phone of `leg` sends BYE: chan_pjsip queues the hangup (HangupRequest) first. */
  hangupCall(call: SimCall, leg: LegName, cause: number, techCause: number): void {
    if (call.ended) return;
    const c = call.channel(leg);
    this.emit(ev.hangupRequest(c, cause));
    this.hangupChannel(c, cause, techCause);
  }

  holdCall(call: SimCall, leg: LegName): void {
    this.assertLive(call);
    const holder = call.channel(leg);
    const held = call.channel(leg === 'caller' ? 'callee' : 'caller');
    if (holder.remoteHold) return;
    holder.remoteHold = true;
    // res_pjsip_sdp_rtp: sendonly/inactive → ast_queue_hold + ast_rtp_instance_stop.
    holder.rtp.stop();
    this.emit(ev.hold(holder, holder.endpoint.mohSuggest || null));
    held.hearingMoh = true;
    this.emit(ev.mohStart(held, held.endpoint.mohSuggest));
    this.reconfigure(call.bridge, true);
  }

  unholdCall(call: SimCall, leg: LegName): void {
    this.assertLive(call);
    const holder = call.channel(leg);
    const held = call.channel(leg === 'caller' ? 'callee' : 'caller');
    if (!holder.remoteHold) return;
    holder.remoteHold = false;
    holder.rtp.setSdpRemote(holder.rtp.sdpRemote);
    this.emit(ev.unhold(holder));
    this.stopMoh(held);
    this.reconfigure(call.bridge, true);
  }

  reinviteCall(call: SimCall, leg: LegName, remote: HostPort): void {
    this.assertLive(call);
    call.channel(leg).rtp.setSdpRemote(remote);
    this.reconfigure(call.bridge, true);
  }

  setDirectMedia(call: SimCall, on: boolean): void {
    this.assertLive(call);
    call.directOverride = on;
    this.reconfigure(call.bridge, true);
  }

  async blindTransferCall(call: SimCall, transferer: LegName, target: PartySpec): Promise<SimCall> {
    this.assertLive(call);
    const ep = this.requireEndpoint(target.endpoint);
    const chan = call.channel(transferer);
    return this.blindTransferInternal(call, transferer, target, chan.context, ep.extension, false);
  }

  private async blindTransferInternal(
    call: SimCall,
    transfererLeg: LegName,
    target: PartySpec,
    context: string,
    exten: string,
    isExternal: boolean,
  ): Promise<SimCall> {
    const transferer = call.channel(transfererLeg);
    const transferee = call.channel(transfererLeg === 'caller' ? 'callee' : 'caller');
    const bridge = call.bridge;
    const targetEp = this.requireEndpoint(target.endpoint);
    // ast_bridge_transfer_blind takes the transferer off hold first (Unhold, even when it
    // was not held, as recorded for AMI BlindTransfer), then publishes while both are
    // still in the bridge.
    if (isExternal) this.emit(ev.unhold(transferer));
    this.emit(ev.blindTransfer('Success', transferer, transferee, bridge, isExternal, context, exten));
    call.ended = true;
    if (transferee.hearingMoh) this.stopMoh(transferee);
    this.leaveBridge(bridge, transferee);
    this.leaveBridge(bridge, transferer);
    this.destroyBridge(bridge);
    this.finishChannel(transferer, 16, 0);
    transferee.context = context;
    transferee.exten = exten;
    transferee.appl = 'Dial';
    transferee.data = `${this.techPrefix()}/${targetEp.name},,`;
    const callee = await this.newChannel(targetEp, target, transferee.rtp.codec as Codec, {
      context,
      exten: 's',
      appl: 'AppDial',
      data: '(Outgoing Line)',
    });
    if (transferee.hungUp) {
      this.dropChannel(callee);
      throw new PbxError('PBX_CALL_ENDED', 'the transferee hung up during the transfer');
    }
    callee.linkedid = transferee.linkedid;
    this.emit(ev.newchannel(callee));
    return this.connect(transferee, callee, false, targetEp.name);
  }

  // ---- Bridge mechanics ----------------------------------------------------------------

  private enterBridge(bridge: SimBridge, c: SimChannel, swap: SimChannel | null): void {
    bridge.channels.push(c);
    c.bridge = bridge;
    // The snapshot is taken during the push, before the technology is re-chosen.
    this.emit(ev.bridgeEnter(bridge, c, swap));
  }

  private leaveBridge(bridge: SimBridge, c: SimChannel): void {
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
    this.emit(ev.bridgeLeave(bridge, c));
    for (const other of bridge.channels) {
      if (!other.leg) continue;
      other.leg.peer = null;
      other.leg.forward = 'none';
    }
  }

  private destroyBridge(bridge: SimBridge): void {
    if (bridge.destroyed) return;
    bridge.destroyed = true;
    if (bridge.reconfigureTimer) {
      clearTimeout(bridge.reconfigureTimer);
      this.timers.delete(bridge.reconfigureTimer);
    }
    this.bridgeMap.delete(bridge.uniqueid);
    const call = this.callByBridge.get(bridge);
    if (call) call.ended = true;
    this.callByBridge.delete(bridge);
    this.emit(ev.bridgeDestroy(bridge));
  }

  private scheduleReconfigure(bridge: SimBridge, delayMs: number): void {
    if (bridge.reconfigureTimer) {
      clearTimeout(bridge.reconfigureTimer);
      this.timers.delete(bridge.reconfigureTimer);
      bridge.reconfigureTimer = null;
    }
    if (delayMs <= 0) {
      this.reconfigure(bridge, true);
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      bridge.reconfigureTimer = null;
      if (!bridge.destroyed) this.reconfigure(bridge, true);
    }, delayMs);
    bridge.reconfigureTimer = t;
    this.timers.add(t);
  }

  /**
   * bridge_reconfigured: re-choose the technology, (re)start or stop the relay, and set
   * BRIDGEPEER/BRIDGEPVTCALLID again on both channels (the only trace on AMI).
   */
  private reconfigure(bridge: SimBridge, restartRelay: boolean): void {
    if (bridge.destroyed) return;
    const call = this.callByBridge.get(bridge);
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

  private setBridgeVar(c: SimChannel, name: string, value: string): void {
    c.vars.set(name, value);
    this.emit(ev.varSet(c, name, value));
  }

  private stopMoh(c: SimChannel): void {
    if (!c.hearingMoh) return;
    c.hearingMoh = false;
    this.emit(ev.mohStop(c));
  }

  // ---- Channels ------------------------------------------------------------------------

  private techPrefix(): string {
    return this.o.driver === 'pjsip' ? 'PJSIP' : 'SIP';
  }

  private requireEndpoint(name: string): ResolvedEndpoint {
    const e = this.o.endpoints.get(name);
    if (!e) throw new PbxError('PBX_UNKNOWN_ENDPOINT', `no endpoint ${JSON.stringify(name)} configured`);
    return e;
  }

  private async newChannel(
    ep: ResolvedEndpoint,
    party: PartySpec,
    callCodec: Codec,
    fields: { context: string; exten: string; appl: string; data: string },
  ): Promise<SimChannel> {
    const codec = party.codec ?? callCodec;
    const family: 4 | 6 = isIPv6(party.remote.address) ? 6 : 4;
    const local = family === 6 ? this.o.localAddress.ipv6 : this.o.localAddress.ipv4;
    const bind = this.o.rtpBind === 'wildcard' ? (family === 6 ? '::' : '0.0.0.0') : local;
    const pair = await this.ports.openPair(family, bind, ep.rtcpMux);
    if (!this.running) {
      pair.rtp.close();
      pair.rtcp?.close();
      throw new PbxError('PBX_STOPPED', 'the PBX stopped while the call was being set up');
    }
    const leg = new RtpLeg({
      family,
      rtp: pair.rtp,
      rtcp: pair.rtcp,
      boundAddress: canonicalAddress(bind),
      sdpRemote: party.remote,
      audioPayloadType: ep.payloadTypes[codec],
      dtmfPayloadType: ep.payloadTypes['telephone-event'],
      codec,
      cname: randomUUID(),
      rtcpIntervalMs: this.o.rtcpIntervalMs,
      now: Date.now,
      hooks: {
        rtcpReceived: (o) => this.onRtcp('received', o),
        rtcpSent: (o) => this.onRtcp('sent', o),
        relayed: (cpuMs) => {
          this.totalPackets++;
          this.totalCpuMs += cpuMs;
        },
      },
    });
    const name = `${this.techPrefix()}/${ep.name}-${(this.channelSeq++).toString(16).padStart(8, '0')}`;
    const uniqueid = this.newUniqueid();
    const callId = randomBytes(16).toString('hex');
    const c = new SimChannel(name, uniqueid, uniqueid, ep, leg, callId, Date.now(), fields);
    this.byName.set(name.toLowerCase(), c);
    this.byUniqueid.set(uniqueid, c);
    this.byLeg.set(leg, c);
    return c;
  }

  private finishChannel(c: SimChannel, cause: number, techCause: number): void {
    if (c.hungUp) return;
    c.hearingMoh = false;
    if (c.runsDialplan) this.emit(ev.softHangupRequest(c, cause));
    this.emit(ev.hangup(c, cause, techCause));
    this.dropChannel(c);
    // core_local.c: one half going away takes the other (and its bridge) with it.
    if (c.localPartner && !c.localPartner.hungUp) this.hangupChannel(c.localPartner, cause);
  }

  private dropChannel(c: SimChannel): void {
    c.hungUp = true;
    if (c.leg) {
      this.receivedByGone += c.leg.rxPackets;
      c.leg.close();
      this.byLeg.delete(c.leg);
    }
    this.byName.delete(c.name.toLowerCase());
    this.byUniqueid.delete(c.uniqueid);
  }

  private onRtcp(kind: 'sent' | 'received', o: RtcpObservation): void {
    const c = this.byLeg.get(o.leg);
    if (!c) return;
    let rtt: number | null = null;
    if (kind === 'received') {
      const block = o.report.blocks.find((b) => b.sourceSsrc === o.leg.reportSsrc && b.lsr !== 0);
      if (block) {
        const now = ntpFromMs(Date.now());
        const units = (ntpMiddle(now.seconds, now.fraction) - block.lsr - block.dlsr) >>> 0;
        rtt = units < 0x80000000 ? units / 65536 : 0;
      }
    }
    const fraction = o.report.blocks[0]?.fractionLost ?? 0;
    this.emit(
      ev.rtcpEvent(kind, {
        channel: c,
        report: o.report,
        remote: o.peer,
        local: { address: o.leg.boundAddress, port: o.leg.rtcpPort },
        rttSec: rtt,
        mes: 100 * (1 - fraction / 256),
      }),
    );
  }

  /** Media clock: music on hold every 20 ms; RTCP, keepalives and rtp_timeout every 200 ms. */
  private tick(): void {
    const now = Date.now();
    const duty = ++this.tickCount % DUTY_EVERY_TICKS === 0;
    for (const c of [...this.byUniqueid.values()]) {
      if (!c.leg) continue;
      if (c.hearingMoh) c.leg.writeGenerated(c.leg.codec === 'alaw' ? MOH_FRAME.alaw : MOH_FRAME.ulaw, false);
      if (!duty || c.directMedia) continue;
      c.leg.tick(now, c.endpoint.rtpKeepalive * 1000);
      // res_pjsip_sdp_rtp rtp_check_timeout: Up, not direct media, nothing received.
      const timeout = c.remoteHold ? c.endpoint.rtpTimeoutHold : c.endpoint.rtpTimeout;
      if (timeout > 0 && c.isUp && now - c.leg.lastRxMs >= timeout * 1000) {
        // ast_softhangup(chan, AST_SOFTHANGUP_DEV) publishes the flag as the cause.
        this.emit(ev.softHangupRequest(c, 1));
        this.hangupChannel(c, 44);
      }
    }
  }

  private teardownMedia(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const call of this.callByBridge.values()) call.ended = true;
    this.callByBridge.clear();
    this.bridgeMap.clear();
    for (const c of [...this.byUniqueid.values()]) this.dropChannel(c);
  }

  private assertRunning(): void {
    if (!this.running) throw new PbxError('PBX_STOPPED', 'the PBX is not running');
  }

  private assertLive(call: SimCall): void {
    if (call.ended) throw new PbxError('PBX_CALL_ENDED', `${call.id} has ended`);
  }
}
