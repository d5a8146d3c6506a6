import { buildActionTable } from './ami/actions/index.js';
import type { ActionDef } from './ami/actions/table.js';
import * as ev from './ami/events.js';
import type { ManagerEvent } from './ami/events.js';
import { AmiServer } from './ami/server.js';
import { AriServer } from './ari/server.js';
import { SimCall, type LegName, type PlaceCallSpec } from './call.js';
import { AmiCore } from './core/ami-core.js';
import { AtxferMachine } from './core/atxfer.js';
import { BridgeMechanics } from './core/bridges.js';
import { CallControl } from './core/call-control.js';
import { ChannelLifecycle } from './core/channels.js';
import type { ChannelOps, PbxContext } from './core/context.js';
import { Dialer } from './core/dialing.js';
import { FaultInjector } from './core/faults.js';
import { MediaClock } from './core/media-clock.js';
import { ModuleLoader } from './core/modules.js';
import { PbxState } from './core/state.js';
import { Transfers } from './core/transfers.js';
import type { SimBridge, SimChannel } from './model/objects.js';
import { resolveOptions, type SimulatedPbxOptions } from './options.js';
import { PortAllocator, openLocalUdpSocket } from './rtp/ports.js';

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

/** The parts SimulatedPbx wires together (see core/). */
interface Parts {
  readonly ctx: PbxContext;
  readonly core: AmiCore;
  readonly dialer: Dialer;
  readonly transfers: Transfers;
  readonly atxfer: AtxferMachine;
  readonly clock: MediaClock;
  readonly modules: ModuleLoader;
}

/**
 * A simulated Asterisk: the manager interface over a real socket, SIP channels with real
 * RTP sockets, basic bridges that pick native_rtp or simple_bridge like
 * main/bridge.c, and a packet-to-packet relay like res_rtp_asterisk.c. No SIP: calls are
 * placed through the scenario API (`placeCall`) with the phones' SDP addresses.
 *
 * This class only wires the parts in core/ and keeps the start/stop life cycle.
 */
export class SimulatedPbx {
  private readonly state: PbxState;
  private readonly ami: AmiServer;
  private readonly ari: AriServer | null;
  private readonly p: Parts;
  private readonly listeners = new Set<(e: ManagerEvent) => void>();
  private amiPort = 0;

  constructor(options: SimulatedPbxOptions) {
    const o = resolveOptions(options);
    const ports = new PortAllocator(o.rtpPortRange, options.openRtpSocket ?? openLocalUdpSocket);
    const state = new PbxState(o, ports, (e) => this.emit(e));
    this.state = state;
    const actions = buildActionTable(o.driver);
    this.p = wire(state, actions);
    this.ami = new AmiServer({
      amiVersion: o.amiVersion,
      users: o.ami.users,
      authTimeoutMs: o.ami.authTimeoutSec * 1000,
      timestampEvents: o.ami.timestampEvents,
      systemName: o.ami.systemName,
      actions,
      core: this.p.core,
      uptime: () => {
        const s = Math.floor((Date.now() - state.startedAt.getTime()) / 1000);
        return { uptime: s, lastReload: s };
      },
    });
    const core = this.p.core;
    this.ari = o.ari
      ? new AriServer(o.ari, {
          channels: () => core.channels(),
          bridges: () => core.bridges(),
          endpoint: (name) => core.endpoint(name),
          startupTime: () => state.startedAt,
          readVariable: (c, name) => core.readVariable(c, name),
          setVariable: (c, name, value) => core.setVariable(c, name, value),
        })
      : null;
    if (o.rtpOffloadModule) this.p.modules.load();
  }

  /** Creates and starts a PBX. */
  static async start(options: SimulatedPbxOptions): Promise<SimulatedPbx> {
    const pbx = new SimulatedPbx(options);
    await pbx.start();
    return pbx;
  }

  async start(): Promise<void> {
    const s = this.state;
    if (s.running) return;
    if (s.o.ami.server) this.ami.adopt(s.o.ami.server);
    else await this.ami.listen(s.o.ami.host, this.amiPort || s.o.ami.port);
    this.amiPort = this.ami.address().port;
    await this.ari?.listen();
    s.startedAt = new Date();
    s.running = true;
    this.p.clock.start();
  }

  /** Where ARI clients connect (`http://host:port/ari`); null without the `ari` option. */
  ariAddress(): { host: string; port: number } | null {
    return this.ari?.address() ?? null;
  }

  /** What crossed the ARI surface, in order (AriServer.trace); empty without the `ari` option. */
  get ariTrace(): readonly string[] {
    return this.ari?.trace ?? [];
  }

  /** Where AMI clients connect. */
  amiAddress(): { host: string; port: number } {
    return this.ami.address();
  }

  get asteriskVersion(): number {
    return this.state.o.version;
  }

  get amiSessions(): number {
    return this.ami.sessionCount;
  }

  /** Every manager event as it is raised, before any session filtering. */
  onManagerEvent(listener: (e: ManagerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  channels(): readonly SimChannel[] {
    return this.p.core.channels();
  }

  bridges(): readonly SimBridge[] {
    return this.p.core.bridges();
  }

  /** Hangs up a channel as AMI Hangup would (its basic bridge dissolves). */
  hangupChannel(channel: SimChannel, cause: number, techCause = 0): void {
    this.p.ctx.channels.hangup(channel, cause, techCause);
  }

  readVariable(channel: SimChannel | null, name: string): string {
    return this.p.core.readVariable(channel, name);
  }

  /** See Dialer.placeCall. */
  placeCall(spec: PlaceCallSpec): Promise<SimCall> {
    return this.p.dialer.placeCall(spec);
  }

  /** See Transfers.attended: a phone's REFER joining its two calls. */
  attendedTransfer(
    held: { call: SimCall; transferer: LegName },
    consult: { call: SimCall; transferer: LegName },
    mode: 'swap' | 'merge' = 'swap',
  ): SimCall {
    return this.p.transfers.attended(held, consult, mode);
  }

  /** Every call still up. */
  calls(): SimCall[] {
    return [...this.state.callByBridge.values()].filter((c) => !c.ended);
  }

  relayStats(): RelayStats {
    const cpu = process.cpuUsage();
    const s = this.state;
    return {
      packetsRelayed: s.relay.packets,
      packetsReceived:
        s.relay.receivedByGone + [...s.byUniqueid.values()].reduce((n, c) => n + (c.leg?.rxPackets ?? 0), 0),
      relayCpuMs: s.relay.cpuMs,
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
    const s = this.state;
    s.assertRunning();
    this.emit(ev.shutdown(true));
    await this.ami.pause();
    this.ari?.dropAll();
    this.teardownMedia();
    s.seq.channel = 0;
    s.seq.unique = 0;
    const old = Math.floor(s.startedAt.getTime() / 1000);
    while (Math.floor(Date.now() / 1000) === old) await new Promise((r) => setTimeout(r, 20));
    s.startedAt = new Date();
    if (this.ami.isOwned) await this.ami.listen(s.o.ami.host, this.amiPort);
    else this.ami.resumeRefused();
  }

  /** Stops everything: calls, sockets, timers and the AMI listener. */
  async stop(): Promise<void> {
    if (!this.state.running) return;
    this.state.running = false;
    this.p.clock.stop();
    this.teardownMedia();
    await this.ami.close();
    await this.ari?.close();
  }

  /** `module load|unload|reload` at run time (res_rtp_offload.so and its RtpOffloadList). */
  get modules(): ModuleLoader {
    return this.p.modules;
  }

  /** Fault injection: events cut from what clients hear (see core/faults.ts). */
  get faults(): FaultInjector {
    return this.p.ctx.faults;
  }

  private emit(e: ManagerEvent): void {
    if (this.p.ctx.faults.passes(e)) {
      this.ami.broadcast(e);
      this.ari?.publish(e);
    }
    for (const l of this.listeners) l(e);
  }

  private teardownMedia(): void {
    const s = this.state;
    for (const t of s.timers) clearTimeout(t);
    s.timers.clear();
    this.p.atxfer.clear();
    for (const call of s.callByBridge.values()) call.ended = true;
    s.callByBridge.clear();
    s.bridgeMap.clear();
    for (const c of [...s.byUniqueid.values()]) this.p.ctx.channels.drop(c);
  }
}

/** Builds the parts around one state; each reaches the others through the context. */
function wire(state: PbxState, actions: Map<string, ActionDef>): Parts {
  const bridges = new BridgeMechanics(state);
  let atxfer: AtxferMachine | null = null;
  let control: CallControl | null = null;
  const ctx: { -readonly [K in keyof PbxContext]: PbxContext[K] } = {
    state,
    bridges,
    channels: null as unknown as ChannelOps,
    faults: new FaultInjector(),
    completeAtxfer: (t) => atxfer?.complete(t) ?? false,
    newCall: (bridge, caller, callee, dtmfFeatures) => {
      if (!control) throw new Error('the PBX is not wired');
      const call = new SimCall(
        `call-${++state.seq.call}`,
        bridge,
        caller,
        callee,
        dtmfFeatures,
        control,
        state.o.localAddress,
      );
      state.callByBridge.set(bridge, call);
      return call;
    },
  };
  ctx.channels = new ChannelLifecycle(ctx);
  const dialer = new Dialer(ctx);
  const transfers = new Transfers(ctx, dialer);
  atxfer = new AtxferMachine(ctx);
  control = new CallControl(ctx, transfers);
  const core = new AmiCore(ctx, control, transfers, atxfer);
  const modules = new ModuleLoader(state, actions);
  return { ctx, core, dialer, transfers, atxfer, clock: new MediaClock(ctx), modules };
}
