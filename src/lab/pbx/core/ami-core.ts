import type { PbxCore, TransferResult } from '../ami/core.js';
import * as ev from '../ami/events.js';
import type { ManagerEvent } from '../ami/events.js';
import { readVariable } from '../functions.js';
import type { SimBridge, SimChannel } from '../model/objects.js';
import type { ChannelDriverName, ResolvedEndpoint } from '../options.js';
import type { AtxferMachine } from './atxfer.js';
import type { CallControl } from './call-control.js';
import type { PbxContext } from './context.js';
import type { Transfers } from './transfers.js';

/** The PBX as AMI actions see it: lookups, variables, and the actions that change calls. */
export class AmiCore implements PbxCore {
  constructor(
    private readonly ctx: PbxContext,
    private readonly control: CallControl,
    private readonly transfers: Transfers,
    private readonly atxfer: AtxferMachine,
  ) {}

  get driver(): ChannelDriverName {
    return this.ctx.state.o.driver;
  }

  findChannel(nameOrUniqueid: string): SimChannel | null {
    const s = this.ctx.state;
    return s.byName.get(nameOrUniqueid.toLowerCase()) ?? s.byUniqueid.get(nameOrUniqueid) ?? null;
  }

  channels(): readonly SimChannel[] {
    return [...this.ctx.state.byUniqueid.values()];
  }

  bridges(): readonly SimBridge[] {
    return [...this.ctx.state.bridgeMap.values()];
  }

  findBridge(uniqueid: string): SimBridge | null {
    return this.ctx.state.bridgeMap.get(uniqueid) ?? null;
  }

  endpoint(name: string): ResolvedEndpoint | null {
    return this.ctx.state.o.endpoints.get(name) ?? null;
  }

  endpointNames(): readonly string[] {
    return [...this.ctx.state.o.endpoints.keys()].sort();
  }

  rtpConfig(): { portRange: readonly [number, number]; rtcpIntervalMs: number; strictRtp: boolean } {
    const o = this.ctx.state.o;
    return { portRange: o.rtpPortRange, rtcpIntervalMs: o.rtcpIntervalMs, strictRtp: o.strictRtp.enabled };
  }

  sipBindAddress(): string {
    return this.ctx.state.o.localAddress.ipv4;
  }

  startupTime(): Date {
    return this.ctx.state.startedAt;
  }

  reloadTime(): Date {
    return this.ctx.state.startedAt;
  }

  processedCalls(): number {
    return this.ctx.state.seq.processedCalls;
  }

  readVariable(channel: SimChannel | null, name: string): string {
    return readVariable(channel, name, this.ctx.state.o.driver, this.ctx.state.globals);
  }

  setVariable(channel: SimChannel | null, name: string, value: string): void {
    if (channel) {
      channel.vars.set(name, value);
      this.ctx.state.emit(ev.varSet(channel, name, value));
    } else this.ctx.state.globals.set(name, value);
  }

  hangupChannel(channel: SimChannel, cause: number): void {
    this.ctx.channels.hangup(channel, cause);
  }

  startMixMonitor(channel: SimChannel): boolean {
    return this.control.startMixMonitor(channel);
  }

  stopMixMonitor(channel: SimChannel): boolean {
    return this.control.stopMixMonitor(channel);
  }

  blindTransfer(transferer: SimChannel, exten: string, context: string): TransferResult {
    return this.transfers.blindByExten(transferer, exten, context);
  }

  attendedTransferByExten(transferer: SimChannel, exten: string, context: string): boolean {
    return this.atxfer.byExten(transferer, exten, context);
  }

  emit(e: ManagerEvent): void {
    this.ctx.state.emit(e);
  }
}
