import type { SimCall } from '../call.js';
import type { ManagerEvent } from '../ami/events.js';
import { PbxError } from '../errors.js';
import type { SimBridge, SimChannel } from '../model/objects.js';
import type { ResolvedEndpoint, ResolvedOptions } from '../options.js';
import type { RtpLeg } from '../rtp/leg.js';
import type { PortAllocator } from '../rtp/ports.js';

/** Totals of the userspace relay since start. */
export interface RelayTotals {
  packets: number;
  cpuMs: number;
  /** rxPackets of channels already gone. */
  receivedByGone: number;
}

/** Sequence numbers Asterisk hands out: channel suffixes, uniqueids, calls, optimisations. */
export interface Sequences {
  channel: number;
  unique: number;
  call: number;
  localOptimization: number;
  processedCalls: number;
}

/**
 * What every part of the simulated PBX shares: the options, the channel and bridge
 * tables, the timers it must clear on stop, and the one place events leave through.
 */
export class PbxState {
  readonly byName = new Map<string, SimChannel>();
  readonly byUniqueid = new Map<string, SimChannel>();
  readonly byLeg = new Map<RtpLeg, SimChannel>();
  readonly bridgeMap = new Map<string, SimBridge>();
  readonly callByBridge = new Map<SimBridge, SimCall>();
  readonly globals = new Map<string, string>();
  readonly timers = new Set<NodeJS.Timeout>();
  readonly relay: RelayTotals = { packets: 0, cpuMs: 0, receivedByGone: 0 };
  readonly seq: Sequences = { channel: 0, unique: 0, call: 0, localOptimization: 0, processedCalls: 0 };
  startedAt = new Date();
  running = false;

  constructor(
    readonly o: ResolvedOptions,
    readonly ports: PortAllocator,
    /** Where every manager event goes (AMI sessions, listeners, the ARI surface). */
    readonly emit: (e: ManagerEvent) => void,
  ) {}

  /** A timer cleared with the PBX's media (stop, restart). */
  later(delayMs: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, delayMs);
    this.timers.add(t);
    return t;
  }

  cancel(t: NodeJS.Timeout | null): void {
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  register(c: SimChannel): void {
    this.byName.set(c.name.toLowerCase(), c);
    this.byUniqueid.set(c.uniqueid, c);
    if (c.leg) this.byLeg.set(c.leg, c);
  }

  newUniqueid(): string {
    const prefix = this.o.ami.systemName === '' ? '' : `${this.o.ami.systemName}-`;
    return `${prefix}${Math.floor(Date.now() / 1000)}.${this.seq.unique++}`;
  }

  /** The 8-hex-digit suffix of a new channel name. */
  nextChannelSuffix(): string {
    return (this.seq.channel++).toString(16).padStart(8, '0');
  }

  techPrefix(): string {
    return this.o.driver === 'pjsip' ? 'PJSIP' : 'SIP';
  }

  requireEndpoint(name: string): ResolvedEndpoint {
    const e = this.o.endpoints.get(name);
    if (!e) throw new PbxError('PBX_UNKNOWN_ENDPOINT', `no endpoint ${JSON.stringify(name)} configured`);
    return e;
  }

  endpointByExten(exten: string): ResolvedEndpoint | null {
    for (const e of this.o.endpoints.values()) if (e.extension === exten || e.name === exten) return e;
    return null;
  }

  assertRunning(): void {
    if (!this.running) throw new PbxError('PBX_STOPPED', 'the PBX is not running');
  }

  assertLive(call: SimCall): void {
    if (call.ended) throw new PbxError('PBX_CALL_ENDED', `${call.id} has ended`);
  }
}
