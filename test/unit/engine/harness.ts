import type { Clock } from '../../../src/time/clock.js';
import { OffloadEngine, type EngineConfig } from '../../../src/engine/engine.js';
import { silentLogger } from '../../../src/log.js';
import type {
  BridgeSnapshot,
  BridgeTechnology,
  ChannelInfo,
  EndpointFacts,
  PbxEvent,
  PbxSource,
  RtpLeg,
} from '../../../src/model/pbx.js';
import { channel, facts, policy, rtpLeg, v4 } from '../core/fixtures.js';
import { MemoryPort } from '../core/memory-port.js';

/** A scripted PBX behind our own PbxSource interface: the engine's only view of Asterisk. */
export class ScriptedSource implements PbxSource {
  readonly name = 'scripted';
  legs = new Map<string, RtpLeg>();
  tech = new Map<string, BridgeTechnology>();
  bridges: BridgeSnapshot[] = [];
  endpoint: Partial<EndpointFacts> = {};
  requests = 0;
  private listener: (e: PbxEvent) => void = () => undefined;
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  onEvent(l: (e: PbxEvent) => void): void {
    this.listener = l;
  }
  emit(e: PbxEvent): void {
    this.listener(e);
  }
  async listBridges(): Promise<BridgeSnapshot[]> {
    this.requests++;
    return this.bridges;
  }
  async bridgeTechnologies(ids: readonly string[]): Promise<Map<string, BridgeTechnology>> {
    this.requests++;
    return new Map(ids.filter((i) => this.tech.has(i)).map((i) => [i, this.tech.get(i)!]));
  }
  async readLeg(c: ChannelInfo): Promise<RtpLeg> {
    this.requests++;
    const l = this.legs.get(c.id);
    if (!l) throw new Error(`no leg ${c.id}`);
    return l;
  }
  async endpointFacts(c: ChannelInfo): Promise<EndpointFacts | null> {
    this.requests++;
    return facts(c.endpoint ?? '', this.endpoint);
  }
  async setChannelVars(): Promise<void> {}
  async userEvent(): Promise<void> {}
  stats() {
    return { requests: this.requests, events: 0, malformed: 0, reconnects: 0 };
  }
}

export class ManualClock implements Clock {
  t = 1_000_000;
  private timers: { at: number; fn: () => void; dead: boolean }[] = [];
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const timer = { at: this.t + ms, fn, dead: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.dead = true) };
  }
  /** Timers set and neither fired nor cancelled. */
  get pending(): number {
    return this.timers.filter((x) => !x.dead).length;
  }
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => !x.dead && x.at <= this.t);
    this.timers = this.timers.filter((x) => !due.includes(x));
    for (const x of due) x.fn();
  }
}

export const cfg: EngineConfig = {
  policy: { ...policy, minBridgeAgeMs: 0 },
  plan: {
    cookieTag: 0xab,
    table: 0,
    priority: 1000,
    idleTimeout: 30,
    watchIdleTimeout: 300,
    ttl: 64,
    vlan: null,
  },
  dryRun: false,
  localAddresses: { ipv4: null, ipv6: null },
  disconnectGraceMs: 5000,
  auditIntervalMs: 0,
  probeIntervalMs: 0,
  backoffMs: 60_000,
  deliveryGraceMs: 15_000,
  evaluationConcurrency: 8,
};

export const alice = channel('1.1', 'PJSIP/alice-00000001');
export const bob = channel('1.2', 'PJSIP/bob-00000002');

export interface Harness<C extends Clock = ManualClock> {
  readonly source: ScriptedSource;
  readonly port: MemoryPort;
  readonly clock: C;
  readonly engine: OffloadEngine;
  /** The first switchReady(), which the agent runs once connected. */
  readonly ready: Promise<void>;
}

/** An engine on a scripted PBX and an in-memory switch, with the switch read and two legs known. */
export function setup<C extends Clock = ManualClock>(
  over: Partial<EngineConfig> = {},
  nextHopMac: () => string = () => '02:00:00:00:00:aa',
  clock: C = new ManualClock() as unknown as C,
): Harness<C> {
  const source = new ScriptedSource();
  const port = new MemoryPort();
  const engine = new OffloadEngine(
    source,
    port,
    { lookup: async () => nextHopMac() },
    { single: async () => '198.51.100.1' },
    { ...cfg, ...over },
    clock,
    silentLogger,
  );
  engine.setSwitchFacts({ bridgeMac: '02:00:00:00:00:01', uplinkPort: 1 });
  engine.start();
  // As the agent does once connected: read the switch's flows before deciding anything.
  const ready = engine.switchReady();
  source.legs.set('1.1', rtpLeg('1.1', v4('0.0.0.0', 10000), v4('198.51.100.10', 4000)));
  source.legs.set('1.2', rtpLeg('1.2', v4('0.0.0.0', 10002), v4('198.51.100.11', 5000)));
  return { source, port, clock, engine, ready };
}

export async function bridge(s: Harness<Clock>, tech: BridgeTechnology = 'native_rtp'): Promise<void> {
  await s.ready;
  s.source.tech.set('B', tech);
  s.source.emit({ kind: 'bridge-created', bridgeId: 'B', technology: 'simple_bridge', bridgeClass: 'basic' });
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
  await s.engine.idle();
}

/** The switch counts RTP from both remotes on the probe flows. */
export async function mediaFlows(s: Harness<Clock>): Promise<void> {
  for (const v of s.port.table.values()) if (v.spec.owner.role === 'ingress-probe') v.packets += 3;
  await s.engine.reconciler.refresh();
  s.engine.schedule('B');
  await s.engine.idle();
}

export const roles = (port: MemoryPort) => [...port.table.values()].map((v) => v.spec.owner.role).sort();
