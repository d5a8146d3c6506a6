import PQueue from 'p-queue';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { CallModel, type ChannelState } from '../model/call-model.js';
import type { BridgeTechnology, IpFamily, PbxEvent, PbxSource, SocketAddr } from '../model/pbx.js';
import { formatCookie, pairCookie, TAG_MASK, tagCookie } from '../plan/cookie.js';
import { flowKey, type FlowSpec } from '../plan/flow-spec.js';
import { planPair, type PlanLeg, type PlanOptions } from '../plan/planner.js';
import { decide, type Decision, type ReadyLeg } from '../policy/eligibility.js';
import { refuse, type ReasonCode } from '../policy/reasons.js';
import type { BridgeView, LegView, Pin, PolicyConfig } from '../policy/view.js';
import type { FlowPort, FlowRemoved, InstalledFlow } from '../switch/flow-port.js';
import { Reconciler } from '../switch/reconciler.js';

/** Next-hop MAC toward an address; `null` = not known yet (never a guess). */
export interface NextHopLookup {
  lookup(address: string): Promise<string | null>;
}

/** The single address of a family on the offload interface, for wildcard-bound RTP sockets. */
export interface LocalAddressLookup {
  single(family: IpFamily): Promise<string | 'ambiguous' | null>;
}

export interface EngineConfig {
  readonly policy: PolicyConfig;
  readonly plan: Omit<PlanOptions, 'bridgeMac' | 'uplinkPort'>;
  readonly dryRun: boolean;
  /** Local addresses Asterisk advertises, when its sockets are bound to a wildcard. */
  readonly localAddresses: { readonly ipv4: string | null; readonly ipv6: string | null };
  /** Keep flows this long while Asterisk is unreachable, then revert everything. */
  readonly disconnectGraceMs: number;
  /** Full counter audit of all our flows. */
  readonly auditIntervalMs: number;
  /** How often probing bridges' counters are read. */
  readonly probeIntervalMs: number;
  /** No re-offload of a bridge whose media went astray before this long. */
  readonly backoffMs: number;
  /** How long after offload RTCP must show the far side receiving. */
  readonly deliveryGraceMs: number;
  readonly evaluationConcurrency: number;
}

export interface SwitchFacts {
  readonly bridgeMac: string;
  readonly uplinkPort: number;
}

export type BridgeState = 'offloaded' | 'probing' | 'not-offloaded' | 'would-offload';

export interface LegStatus {
  readonly channelId: string;
  readonly channel: string;
  readonly local: SocketAddr | null;
  readonly remote: SocketAddr | null;
  /** Packets/bytes the switch forwarded from this leg's remote. */
  readonly packets: number;
  readonly bytes: number;
  /** Packets Asterisk itself sent on this leg while offloaded (should stay 0). */
  readonly asteriskEgressPackets: number;
}

export interface BridgeStatus {
  readonly bridgeId: string;
  readonly state: BridgeState;
  readonly reason: ReasonCode | null;
  readonly detail: string | null;
  readonly since: number;
  readonly cookie: string | null;
  readonly technology: string | null;
  readonly members: number;
  readonly legs: readonly LegStatus[];
}

interface Tracked {
  state: BridgeState;
  reason: ReasonCode | null;
  detail: string | null;
  since: number;
  cookie: bigint | null;
  offloadedAt: number | null;
  /** Egress counters at the last audit, by flow key. */
  egressSeen: Map<string, number>;
  egressStrikes: number;
  /** RTCP reports of each leg when offloaded, by channel id: ssrc → highest sequence. */
  reportsAtOffload: Map<string, Map<number, number>>;
  backoffUntil: number | null;
  /** Why the back-off started, shown with the back-off reason. */
  backoffCause: string | null;
  legs: Map<string, { channel: string; local: SocketAddr | null; remote: SocketAddr | null }>;
  /** Technology re-reads already scheduled since the last decision that was not "technology". */
  techRechecks: number;
  /**
   * Remotes the switch has seen sending (channel id → address:port). Kept while the leg's
   * remote is unchanged, so a switch restart (which loses every counter) does not send the
   * call back through probing.
   */
  confirmed: Map<string, string>;
  /**
   * Counters of each flow when the bridge was offloaded: a probe upgraded in place keeps
   * the packets it counted while Asterisk still relayed, which were not forwarded by us.
   */
  baseline: Map<string, { packets: number; bytes: number }>;
}

/**
 * No event reports a technology change, and Asterisk moves a bridge back to native_rtp
 * 16–50 ms after a hook goes away: a bridge refused for its technology is read again a few
 * times, spaced out, so a missed hint cannot leave it with Asterisk for the rest of the call.
 */
const TECHNOLOGY_RECHECK_MS = [100, 400, 1600, 6400];
/**
 * Bridges the audit looks at (a few ms) before letting the event loop run: with thousands
 * of calls up a pass takes over 100 ms, which calls being set up would otherwise wait out.
 */
const AUDIT_SLICE = 250;

export interface EngineEvents {
  offloaded(bridgeId: string, legs: readonly ReadyLeg[]): void;
  reverted(bridgeId: string, reason: ReasonCode | 'gone', counters: readonly LegStatus[]): void;
}

/**
 * The offload engine. Events only say which bridges to look at again; every look ends in
 * the same place: read what is missing, decide, plan, and let the reconciler bring the
 * switch to the desired flows. One evaluation per bridge at a time (later triggers fold
 * into one rerun); bridges proceed concurrently up to a limit.
 */
export class OffloadEngine {
  readonly model = new CallModel();
  readonly reconciler: Reconciler;
  private readonly tracked = new Map<string, Tracked>();
  private readonly pins = new Map<string, Pin>();
  private readonly running = new Map<string, { again: boolean }>();
  private readonly queue: PQueue;
  private readonly timers = new Map<string, { cancel(): void }>();
  private killSwitch = false;
  private pbxDown: { since: number; timer: { cancel(): void } } | null = null;
  private pbxGone = false;
  private switchFacts: SwitchFacts | null = null;
  /**
   * Whether the installed-flow mirror has been read from the switch. Until then nothing is
   * sent: a restarted agent that decided before reading would "add" probe flows over the
   * forwarding flows it installed before, changing their actions and resetting them.
   */
  private mirrorLoaded = false;
  /**
   * Whether the calls have been listed from Asterisk at least once. Until then no flow is
   * "unowned": the bridges that own them are simply not known yet.
   */
  private pbxSynced = false;
  private auditTimer: { cancel(): void } | null = null;
  private probeTimer: { cancel(): void } | null = null;
  private stopped = false;
  private readonly techWaiters = new Map<string, ((t: BridgeTechnology | null) => void)[]>();
  private techFlushScheduled = false;
  private readonly listeners: { [K in keyof EngineEvents]: EngineEvents[K][] } = {
    offloaded: [],
    reverted: [],
  };
  /** Events that arrive while a full listing is under way, applied on top of it. */
  private resyncBuffer: PbxEvent[] | null = null;
  /** Counts for benchmarks and metrics. */
  readonly counters = {
    evaluations: 0,
    flowAdds: 0,
    flowDeletes: 0,
    flowFailures: 0,
    reverts: 0,
    offloads: 0,
  };

  constructor(
    private readonly source: PbxSource,
    private readonly port: FlowPort,
    private readonly nextHop: NextHopLookup,
    private readonly localAddrs: LocalAddressLookup,
    private readonly cfg: EngineConfig,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.reconciler = new Reconciler(port, tagCookie(cfg.plan.cookieTag), TAG_MASK);
    this.queue = new PQueue({ concurrency: cfg.evaluationConcurrency });
  }

  on<K extends keyof EngineEvents>(event: K, listener: EngineEvents[K]): void {
    (this.listeners[event] as EngineEvents[K][]).push(listener);
  }

  /** Facts about the switch the planner needs (bridge MAC, uplink port); set before `start`. */
  setSwitchFacts(facts: SwitchFacts): void {
    this.switchFacts = facts;
  }

  start(): void {
    this.source.onEvent((e) => this.handle(e));
    this.port.onFlowRemoved((r) => this.flowRemoved(r));
    this.scheduleAudit();
    this.scheduleProbe();
  }

  stop(): void {
    this.stopped = true;
    this.auditTimer?.cancel();
    this.probeTimer?.cancel();
    this.pbxDown?.timer.cancel();
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    this.queue.clear();
  }

  /** Waits until every scheduled evaluation has finished. */
  async idle(): Promise<void> {
    while (this.queue.size > 0 || this.queue.pending > 0 || this.running.size > 0) await this.queue.onIdle();
  }

  handle(e: PbxEvent): void {
    const now = this.clock.now();
    if (e.kind === 'connected') return void this.pbxConnected(e.restarted);
    if (e.kind === 'disconnected') return this.pbxDisconnected(e.reason);
    if (this.resyncBuffer) {
      this.resyncBuffer.push(e);
      return;
    }
    const dirty = this.model.apply(e, now);
    for (const id of dirty) this.schedule(id);
  }

  // ---- manual control and status -------------------------------------------------------

  setKillSwitch(on: boolean): void {
    this.killSwitch = on;
    for (const id of this.allBridgeIds()) this.schedule(id);
  }

  get killSwitchOn(): boolean {
    return this.killSwitch;
  }

  /** Pins a bridge or channel: `offload` waives soft checks (age, scope, backoff), `revert` forbids. */
  pin(id: string, pin: Pin | null): string[] {
    if (pin === null) this.pins.delete(id);
    else this.pins.set(id, pin);
    const bridges = this.model.bridges.has(id)
      ? [id]
      : [this.model.channels.get(id)?.bridgeId].filter((b): b is string => !!b);
    for (const b of bridges) {
      const t = this.tracked.get(b);
      if (t && pin === 'offload') t.backoffUntil = null;
      this.schedule(b);
    }
    return bridges;
  }

  /**
   * The next hop toward an address changed (a neighbour entry got a new MAC, a route moved):
   * every bridge with a leg toward it is planned again, so rewritten packets go to the new MAC.
   */
  nextHopChanged(address: string): void {
    for (const [id] of this.model.bridges) {
      if (this.model.membersOf(id).some((ch) => ch.leg?.remote?.address === address)) this.schedule(id);
    }
  }

  status(): BridgeStatus[] {
    return [...this.model.bridges.keys()]
      .map((id) => this.statusOf(id))
      .filter((s): s is BridgeStatus => s !== null);
  }

  statusOf(bridgeId: string): BridgeStatus | null {
    const b = this.model.bridges.get(bridgeId);
    const t = this.tracked.get(bridgeId);
    if (!b && !t) return null;
    return {
      bridgeId,
      state: t?.state ?? 'not-offloaded',
      reason: t?.reason ?? null,
      detail: t?.detail ?? null,
      since: t?.since ?? 0,
      cookie: t?.cookie !== null && t?.cookie !== undefined ? formatCookie(t.cookie) : null,
      technology: b?.technology ?? null,
      members: b?.members.length ?? 0,
      legs: this.legCounters(bridgeId),
    };
  }

  offloadedCount(): number {
    let n = 0;
    for (const t of this.tracked.values()) if (t.state === 'offloaded') n++;
    return n;
  }

  // ---- scheduling ----------------------------------------------------------------------

  schedule(bridgeId: string): void {
    if (this.stopped) return;
    const r = this.running.get(bridgeId);
    if (r) {
      r.again = true;
      return;
    }
    const slot = { again: false };
    this.running.set(bridgeId, slot);
    void this.queue.add(async () => {
      try {
        do {
          slot.again = false;
          await this.evaluate(bridgeId);
        } while (slot.again && !this.stopped);
      } catch (err) {
        this.log.error('bridge evaluation failed', { bridgeId, error: (err as Error).message });
      } finally {
        this.running.delete(bridgeId);
      }
    });
  }

  private scheduleAt(bridgeId: string, at: number): void {
    this.timers.get(bridgeId)?.cancel();
    const delay = Math.max(0, at - this.clock.now());
    this.timers.set(
      bridgeId,
      this.clock.setTimeout(() => {
        this.timers.delete(bridgeId);
        this.schedule(bridgeId);
      }, delay),
    );
  }

  // ---- evaluation ----------------------------------------------------------------------

  private async evaluate(bridgeId: string): Promise<void> {
    this.counters.evaluations++;
    const now = this.clock.now();
    const b = this.model.bridges.get(bridgeId);
    let decision: Decision;
    let view: BridgeView | null = null;
    if (!b) {
      decision = { offload: false, probe: false, ...refuse('not-two-party', 'the bridge is gone') };
    } else if (this.pbxGone) {
      decision = { offload: false, probe: false, ...refuse('pbx-disconnected') };
    } else {
      if (b.members.length === 2) await this.refreshFacts(bridgeId);
      view = await this.buildView(bridgeId);
      decision = view
        ? decide(view, this.cfg.policy, {
            now,
            killSwitch: this.killSwitch,
            offloadedElsewhere:
              this.offloadedCount() - (this.tracked.get(bridgeId)?.state === 'offloaded' ? 1 : 0),
          })
        : { offload: false, probe: false, ...refuse('not-two-party', 'the bridge is gone') };
    }
    if (!this.model.bridges.has(bridgeId) && b) {
      decision = { offload: false, probe: false, ...refuse('not-two-party', 'the bridge is gone') };
    }
    if (!this.mirrorLoaded) return; // switchReady() re-evaluates every bridge once it has read the switch
    await this.enact(bridgeId, decision, view, now);
  }

  /** Reads what the decision needs and the model lacks: technology, legs, endpoint facts. */
  private async refreshFacts(bridgeId: string): Promise<void> {
    const b = this.model.bridges.get(bridgeId);
    if (!b) return;
    const members = this.model.membersOf(bridgeId);
    const tasks: Promise<void>[] = [];
    if (b.technologyStale || b.technology === null) {
      tasks.push(
        this.technologyOf(bridgeId).then((t) => {
          if (t !== null) this.model.setTechnology(bridgeId, t);
        }),
      );
    }
    for (const ch of members) {
      if (ch.legStale || ch.leg === null) {
        tasks.push(
          this.source.readLeg(ch.info).then(
            (leg) => this.model.setLeg(ch.info.id, leg),
            (err: Error) =>
              this.log.warn('cannot read RTP leg', { channel: ch.info.name, error: err.message }),
          ),
        );
      }
      if (ch.facts === null) {
        tasks.push(
          this.source.endpointFacts(ch.info).then(
            (f) => this.model.setFacts(ch.info.id, f),
            (err: Error) =>
              this.log.warn('cannot read endpoint facts', { channel: ch.info.name, error: err.message }),
          ),
        );
      }
    }
    await Promise.all(tasks);
  }

  /** Technology reads of bridges evaluated in the same tick share one request. */
  private technologyOf(bridgeId: string): Promise<BridgeTechnology | null> {
    return new Promise((resolve) => {
      const waiting = this.techWaiters.get(bridgeId);
      if (waiting) waiting.push(resolve);
      else this.techWaiters.set(bridgeId, [resolve]);
      if (this.techFlushScheduled) return;
      this.techFlushScheduled = true;
      setImmediate(() => {
        this.techFlushScheduled = false;
        const batch = new Map(this.techWaiters);
        this.techWaiters.clear();
        this.source.bridgeTechnologies([...batch.keys()]).then(
          (techs) => {
            for (const [id, rs] of batch) for (const r of rs) r(techs.get(id) ?? null);
          },
          (err: Error) => {
            this.log.warn('cannot read bridge technologies', { error: err.message });
            for (const rs of batch.values()) for (const r of rs) r(null);
          },
        );
      });
    });
  }

  private async buildView(bridgeId: string): Promise<BridgeView | null> {
    const b = this.model.bridges.get(bridgeId);
    if (!b) return null;
    const members = this.model.membersOf(bridgeId);
    const t = this.tracked.get(bridgeId);
    const cookie =
      members.length === 2
        ? pairCookie(this.cfg.plan.cookieTag, bridgeId, [members[0]!.info.id, members[1]!.info.id])
        : null;
    const legs: LegView[] = [];
    for (const ch of members) legs.push(await this.legView(ch, cookie, t?.confirmed));
    let pin: Pin | null = this.pins.get(bridgeId) ?? null;
    for (const ch of members) {
      const p = this.pins.get(ch.info.id);
      if (p === 'revert' || (p === 'offload' && pin === null)) pin = p;
    }
    return {
      id: bridgeId,
      technology: b.technology,
      members: legs,
      twoPartySince: b.twoPartySince,
      pin,
      backoffUntil: t?.backoffUntil ?? null,
      offloaded: t?.state === 'offloaded' || (legs.length === 2 && legs.every((l) => l.forwardingInstalled)),
    };
  }

  private async legView(
    ch: ChannelState,
    cookie: bigint | null,
    confirmed?: Map<string, string>,
  ): Promise<LegView> {
    const leg = ch.leg;
    const localResolved = leg?.local ? await this.resolveLocal(leg.local) : null;
    const remote = leg?.remote ?? null;
    const nextHopMac = remote ? await this.nextHop.lookup(remote.address).catch(() => null) : null;
    let probed: number | null = null;
    let forwardingInstalled = false;
    if (cookie !== null && remote && localResolved && localResolved !== 'ambiguous' && this.switchFacts) {
      const key = flowKey({
        table: this.cfg.plan.table,
        priority: this.cfg.plan.priority,
        match: {
          inPort: { port: this.switchFacts.uplinkPort },
          family: remote.family,
          vlan: this.cfg.plan.vlan,
          srcIp: remote.address,
          srcPort: remote.port,
          dstIp: localResolved.address,
          dstPort: localResolved.port,
        },
      });
      const m = this.reconciler.installed(key);
      probed = m ? m.packets : null;
      forwardingInstalled = m?.role === 'rtp-forward';
      if (confirmed?.get(ch.info.id) === `${remote.address}:${remote.port}`)
        probed = Math.max(probed ?? 0, 1);
    }
    return {
      channel: ch.info,
      leg,
      facts: ch.facts,
      heldByEvent: ch.holding || ch.hearingMoh,
      audiohooks: ch.audiohooks,
      rtcpFromRemote: ch.rtcpFromRemoteAt !== null,
      localResolved,
      probedIngressPackets: probed,
      nextHopMac,
      forwardingInstalled,
    };
  }

  private async resolveLocal(local: SocketAddr): Promise<SocketAddr | 'ambiguous' | null> {
    const wildcard = local.address === '0.0.0.0' || local.address === '::';
    if (!wildcard) return local;
    const configured = local.family === 4 ? this.cfg.localAddresses.ipv4 : this.cfg.localAddresses.ipv6;
    const address = configured ?? (await this.localAddrs.single(local.family).catch(() => null));
    if (address === null || address === 'ambiguous') return address;
    return { address, port: local.port, family: local.family };
  }

  private async enact(
    bridgeId: string,
    decision: Decision,
    view: BridgeView | null,
    now: number,
  ): Promise<void> {
    const prevKeys = this.reconciler.keysOf(bridgeId);
    const t = this.track(bridgeId, now);
    const wasOffloaded = t.state === 'offloaded';
    let flows: FlowSpec[] = [];
    const sf = this.switchFacts;
    const planOpts: PlanOptions | null = sf
      ? { ...this.cfg.plan, bridgeMac: sf.bridgeMac, uplinkPort: sf.uplinkPort }
      : null;
    if (view && planOpts && view.members.length === 2) {
      if (decision.offload) {
        flows = planPair(bridgeId, 'forward', decision.legs.map(toPlanLeg) as [PlanLeg, PlanLeg], planOpts);
      } else if (decision.probe) {
        const legs = view.members.map(probeLeg);
        if (legs[0] && legs[1]) flows = planPair(bridgeId, 'probe', [legs[0], legs[1]], planOpts);
      }
    }
    if (decision.offload && !planOpts) {
      decision = {
        offload: false,
        probe: false,
        ...refuse('switch-unavailable', 'the switch is not connected or its uplink port is unknown'),
      };
    }
    const next: BridgeState = decision.offload
      ? this.cfg.dryRun
        ? 'would-offload'
        : 'offloaded'
      : decision.probe && !this.cfg.dryRun
        ? 'probing'
        : 'not-offloaded';
    if (this.cfg.dryRun) flows = [];

    if (wasOffloaded && next !== 'offloaded') {
      // Counters before the flows go: revert accounting needs them.
      await this.refreshPair(bridgeId).catch(() => undefined);
    }
    const countersBefore = wasOffloaded ? this.legCounters(bridgeId) : [];
    this.reconciler.setDesired(bridgeId, flows);
    let res: Awaited<ReturnType<Reconciler['sync']>>;
    try {
      res = await this.reconciler.sync([bridgeId], prevKeys);
    } catch (err) {
      // The switch is unreachable: nothing changed there. The resync after it comes back
      // applies whatever is desired by then.
      this.setState(t, 'not-offloaded', 'switch-unavailable', (err as Error).message, now);
      return;
    }
    this.counters.flowAdds += res.added;
    this.counters.flowDeletes += res.deleted;
    this.counters.flowFailures += res.failed;
    if (res.failed > 0) {
      // Fail open: whatever did not install leaves media with Asterisk; remove the rest.
      this.log.warn('flow install failed, reverting bridge', { bridgeId, failures: res.failures });
      this.reconciler.setDesired(bridgeId, []);
      await this.reconciler.sync([bridgeId], flows.map(flowKey));
      t.backoffUntil = now + this.cfg.backoffMs;
      t.backoffCause = `switch refused flows: ${res.failures[0] ?? ''}`;
      this.setState(t, 'not-offloaded', 'backoff', t.backoffCause, now);
      if (wasOffloaded) this.revertedHook(bridgeId, 'backoff', countersBefore);
      return;
    }

    if (next === 'offloaded' && decision.offload) {
      t.cookie = flows[0]?.cookie ?? null;
      t.confirmed = new Map(decision.legs.map((l) => [l.channelId, `${l.remote.address}:${l.remote.port}`]));
      // The pair may have changed in place (an attended transfer swaps a member).
      t.legs = new Map();
      for (const l of decision.legs)
        t.legs.set(l.channelId, {
          channel: this.model.channels.get(l.channelId)?.info.name ?? l.channelId,
          local: l.local,
          remote: l.remote,
        });
      if (!wasOffloaded) {
        t.offloadedAt = now;
        t.baseline = new Map(
          flows.map((f) => {
            const m = this.reconciler.installed(flowKey(f));
            return [flowKey(f), { packets: m?.packets ?? 0, bytes: m?.bytes ?? 0 }];
          }),
        );
        t.egressSeen.clear();
        t.egressStrikes = 0;
        t.reportsAtOffload = this.snapshotReports(bridgeId);
        this.counters.offloads++;
        this.log.info('offloaded', { bridgeId, cookie: formatCookie(t.cookie ?? 0n), added: res.added });
        for (const l of this.listeners.offloaded) l(bridgeId, decision.legs);
      }
      this.setState(t, 'offloaded', null, 'all checks pass; the switch forwards the RTP of both legs', now);
    } else {
      const reason = decision.offload ? null : decision.reason;
      let detail = decision.offload ? 'all checks pass' : decision.detail;
      if (reason === 'backoff' && t.backoffCause) detail = `${t.backoffCause}; ${detail}`;
      if (wasOffloaded) {
        this.counters.reverts++;
        this.log.info('reverted', { bridgeId, reason, detail });
        this.revertedHook(bridgeId, reason ?? 'gone', countersBefore);
      }
      this.setState(t, next, reason, detail, now);
      if (next !== 'offloaded') t.offloadedAt = null;
      // Only an outage of the switch keeps what the switch saw; any change of the call
      // (hold, a recording, a new remote) must see media again before forwarding.
      if (reason !== 'switch-unavailable' && reason !== 'pbx-disconnected') t.confirmed.clear();
      if (!decision.offload && decision.reason === 'too-young' && view?.twoPartySince != null) {
        this.scheduleAt(bridgeId, view.twoPartySince + this.cfg.policy.minBridgeAgeMs);
      }
      if (!decision.offload && decision.reason === 'backoff' && view?.backoffUntil != null) {
        this.scheduleAt(bridgeId, view.backoffUntil);
      }
      const techReason =
        !decision.offload && (decision.reason === 'technology' || decision.reason === 'technology-unknown');
      if (!techReason) t.techRechecks = 0;
      else if (t.techRechecks < TECHNOLOGY_RECHECK_MS.length) {
        const delay = TECHNOLOGY_RECHECK_MS[t.techRechecks++]!;
        const b = this.model.bridges.get(bridgeId);
        if (b) b.technologyStale = true;
        this.scheduleAt(bridgeId, now + delay);
      }
    }
    if (!this.model.bridges.has(bridgeId) && this.reconciler.keysOf(bridgeId).length === 0) {
      this.tracked.delete(bridgeId);
      this.timers.get(bridgeId)?.cancel();
      this.timers.delete(bridgeId);
    }
  }

  private revertedHook(bridgeId: string, reason: ReasonCode | 'gone', counters: readonly LegStatus[]): void {
    for (const l of this.listeners.reverted) l(bridgeId, reason, counters);
  }

  private setState(
    t: Tracked,
    state: BridgeState,
    reason: ReasonCode | null,
    detail: string | null,
    now: number,
  ): void {
    if (t.state !== state || t.reason !== reason) t.since = now;
    t.state = state;
    t.reason = reason;
    t.detail = detail;
  }

  private track(bridgeId: string, now: number): Tracked {
    let t = this.tracked.get(bridgeId);
    if (!t) {
      t = {
        state: 'not-offloaded',
        reason: null,
        detail: null,
        since: now,
        cookie: null,
        offloadedAt: null,
        egressSeen: new Map(),
        egressStrikes: 0,
        reportsAtOffload: new Map(),
        backoffUntil: null,
        backoffCause: null,
        legs: new Map(),
        techRechecks: 0,
        confirmed: new Map(),
        baseline: new Map(),
      };
      this.tracked.set(bridgeId, t);
    }
    return t;
  }

  private snapshotReports(bridgeId: string): Map<string, Map<number, number>> {
    const out = new Map<string, Map<number, number>>();
    for (const ch of this.model.membersOf(bridgeId)) {
      out.set(ch.info.id, new Map([...ch.receivedReports].map(([ssrc, r]) => [ssrc, r.highestSequence])));
    }
    return out;
  }

  legCounters(bridgeId: string): LegStatus[] {
    const t = this.tracked.get(bridgeId);
    const out: LegStatus[] = [];
    const flows = this.reconciler.desiredOf(bridgeId);
    const ids = new Set([...(t?.legs.keys() ?? []), ...flows.map((f) => f.owner.channelId)]);
    for (const channelId of ids) {
      let packets = 0;
      let bytes = 0;
      let egress = 0;
      for (const f of flows) {
        if (f.owner.channelId !== channelId) continue;
        const key = flowKey(f);
        const m = this.reconciler.installed(key);
        if (!m) continue;
        const base = t?.baseline.get(key) ?? { packets: 0, bytes: 0 };
        // A flow re-added (switch restart, idle expiry) starts again from zero.
        const p = m.packets >= base.packets ? m.packets - base.packets : m.packets;
        const b = m.bytes >= base.bytes ? m.bytes - base.bytes : m.bytes;
        if (f.owner.role === 'rtp-forward') {
          packets += p;
          bytes += b;
        } else if (f.owner.role === 'egress-watch') egress += p;
      }
      const leg = t?.legs.get(channelId);
      out.push({
        channelId,
        channel: leg?.channel ?? this.model.channels.get(channelId)?.info.name ?? channelId,
        local: leg?.local ?? null,
        remote: leg?.remote ?? null,
        packets,
        bytes,
        asteriskEgressPackets: egress,
      });
    }
    return out;
  }

  // ---- switch and PBX connection lifecycle ---------------------------------------------

  /**
   * After every (re)connection to the switch (called by whoever knows the switch facts):
   * adopt what is there, then one full diff, which reinstalls what a restart lost.
   */
  async switchReady(): Promise<void> {
    try {
      const flows = await this.reconciler.refresh();
      this.mirrorLoaded = true;
      this.log.info('switch ready', { ourFlows: flows.length });
      await this.fullSync();
    } catch (err) {
      this.log.error('switch resync failed', { error: (err as Error).message });
    }
  }

  /**
   * Re-evaluates every bridge, then deletes our flows that no bridge wants: only once both
   * the switch and Asterisk have been read, or a restarted agent would delete the flows of
   * every live call it simply has not heard about yet.
   */
  async fullSync(): Promise<void> {
    for (const id of this.allBridgeIds()) this.schedule(id);
    await this.idle();
    if (!this.mirrorLoaded || !this.pbxSynced) return;
    const res = await this.reconciler.sync();
    this.counters.flowDeletes += res.deleted;
  }

  private async pbxConnected(restarted: boolean): Promise<void> {
    const wasDown = this.pbxDown !== null;
    this.pbxDown?.timer.cancel();
    this.pbxDown = null;
    this.pbxGone = false;
    if (restarted) {
      // Every call of the previous Asterisk is gone; its ports may be reused by new calls.
      this.log.warn('Asterisk restarted: dropping every offloaded call');
      for (const id of this.allBridgeIds()) this.reconciler.setDesired(id, []);
      await this.reconciler
        .sync()
        .catch((err: Error) => this.log.error('cannot drop flows', { error: err.message }));
      this.model.bridges.clear();
      this.model.channels.clear();
      for (const id of [...this.tracked.keys()]) this.tracked.delete(id);
    }
    // A listing takes a while with many calls; what happens meanwhile (a call bridged, a
    // hangup) may or may not be in it. Events are held and applied on top of the listing:
    // applying a change already in it again leaves the same state.
    this.resyncBuffer = [];
    try {
      const bridges = await this.source.listBridges();
      const dirty = this.model.replaceAll(bridges, this.clock.now());
      for (const e of this.resyncBuffer)
        for (const id of this.model.apply(e, this.clock.now())) dirty.add(id);
      this.resyncBuffer = null;
      this.pbxSynced = true;
      this.log.info('resynced with Asterisk', { bridges: bridges.length, restarted, afterOutage: wasDown });
      for (const id of dirty) this.schedule(id);
      // Calls that ended while we were not listening leave flows behind: remove them.
      await this.fullSync();
    } catch (err) {
      // Keep what we had and what happened since; the next (re)connection lists again.
      const held = this.resyncBuffer ?? [];
      this.resyncBuffer = null;
      for (const e of held) for (const id of this.model.apply(e, this.clock.now())) this.schedule(id);
      this.log.error('resync with Asterisk failed', { error: (err as Error).message });
    }
  }

  private pbxDisconnected(reason: string): void {
    if (this.pbxDown) return;
    this.log.warn('Asterisk connection lost; keeping flows during the grace period', {
      reason,
      graceMs: this.cfg.disconnectGraceMs,
    });
    const timer = this.clock.setTimeout(() => {
      this.pbxGone = true;
      this.log.warn('Asterisk still unreachable: reverting every offloaded call');
      for (const id of this.allBridgeIds()) this.schedule(id);
    }, this.cfg.disconnectGraceMs);
    this.pbxDown = { since: this.clock.now(), timer };
  }

  private flowRemoved(r: FlowRemoved): void {
    if (r.key === null) return;
    const owner = this.reconciler.forget(r.key);
    if (owner) {
      this.log.debug('flow removed by the switch', { bridgeId: owner, reason: r.reason, packets: r.packets });
      this.schedule(owner);
    }
  }

  private allBridgeIds(): string[] {
    return [...new Set([...this.model.bridges.keys(), ...this.tracked.keys()])];
  }

  // ---- audits: counters, egress watch, delivery ----------------------------------------

  private scheduleAudit(): void {
    if (this.stopped || this.cfg.auditIntervalMs <= 0) return;
    this.auditTimer = this.clock.setTimeout(() => {
      void this.audit().finally(() => this.scheduleAudit());
    }, this.cfg.auditIntervalMs);
  }

  private scheduleProbe(): void {
    if (this.stopped || this.cfg.probeIntervalMs <= 0) return;
    this.probeTimer = this.clock.setTimeout(() => {
      void this.probeTick().finally(() => this.scheduleProbe());
    }, this.cfg.probeIntervalMs);
  }

  /** Reads the counters of probing bridges; a remote seen sending lets them go on. */
  private async probeTick(): Promise<void> {
    const probing = [...this.tracked].filter(([, t]) => t.state === 'probing').map(([id]) => id);
    await Promise.all(
      probing.map(async (id) => {
        await this.refreshPair(id).catch(() => undefined);
        this.schedule(id);
      }),
    );
  }

  private async refreshPair(bridgeId: string): Promise<void> {
    const flows = this.reconciler.desiredOf(bridgeId);
    const cookie = flows[0]?.cookie;
    if (cookie === undefined) return;
    this.reconciler.updateCounters(await this.port.dump(cookie, 0xffff_ffff_ffff_ffffn));
  }

  /**
   * One dump of all our flows: counters, egress movement, missing flows, delivery. Yields to
   * the event loop every AUDIT_SLICE bridges; a flow installed after the dump was asked for
   * cannot be in it, so it is not taken for removed (nor re-added for nothing).
   */
  async audit(): Promise<void> {
    const mark = this.reconciler.writeMark;
    let dump: InstalledFlow[];
    try {
      dump = await this.port.dump(tagCookie(this.cfg.plan.cookieTag), TAG_MASK);
    } catch (err) {
      this.log.warn('audit dump failed', { error: (err as Error).message });
      return;
    }
    this.reconciler.updateCounters(dump);
    const present = new Set(dump.map((f) => f.key));
    let now = this.clock.now();
    let seen = 0;
    for (const [bridgeId, t] of this.tracked) {
      if (++seen % AUDIT_SLICE === 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.stopped) return;
        now = this.clock.now();
      }
      const flows = this.reconciler.desiredOf(bridgeId);
      const missing = flows
        .map((f) => flowKey(f))
        .filter((key) => !present.has(key) && !this.reconciler.installedAfter(key, mark));
      if (missing.length > 0) {
        // Someone (an idle timeout, another controller, a switch restart) removed our flow.
        for (const key of missing) this.reconciler.forget(key);
        this.schedule(bridgeId);
        continue;
      }
      if (t.state !== 'offloaded') continue;
      let moved = false;
      for (const f of flows) {
        if (f.owner.role !== 'egress-watch') continue;
        const key = flowKey(f);
        const packets = this.reconciler.installed(key)?.packets ?? 0;
        const before = t.egressSeen.get(key);
        t.egressSeen.set(key, packets);
        if (before !== undefined && packets > before) moved = true;
      }
      if (moved) {
        // Asterisk relayed something the switch missed (a rebinding, a re-INVITE): re-read
        // both legs; if nothing changed and it keeps moving, give the call back to Asterisk.
        t.egressStrikes++;
        for (const ch of this.model.membersOf(bridgeId)) this.model.markLegStale(ch.info.id);
        if (t.egressStrikes >= 3) {
          this.giveBack(bridgeId, t, 'Asterisk keeps relaying RTP the switch does not match', now);
        } else {
          this.schedule(bridgeId);
        }
        continue;
      }
      t.egressStrikes = 0;
      const astray = this.deliveryProblem(bridgeId, t, now);
      if (astray) this.giveBack(bridgeId, t, astray, now);
    }
  }

  /**
   * Media is astray when the switch forwards a leg's packets, the far side keeps sending
   * RTCP receiver reports, yet none of them advance for the SSRCs it received before the
   * offload. Silence (DTX, mute) forwards nothing and so proves nothing either way.
   */
  private deliveryProblem(bridgeId: string, t: Tracked, now: number): string | null {
    if (t.offloadedAt === null || now - t.offloadedAt < this.cfg.deliveryGraceMs) return null;
    const members = this.model.membersOf(bridgeId);
    if (members.length !== 2) return null;
    const counters = this.legCounters(bridgeId);
    for (const [from, to] of [
      [members[0]!, members[1]!],
      [members[1]!, members[0]!],
    ] as const) {
      const forwarded = counters.find((c) => c.channelId === from.info.id)?.packets ?? 0;
      const before = t.reportsAtOffload.get(to.info.id);
      if (!before || before.size === 0 || forwarded === 0) continue;
      let freshReport = false;
      let advanced = false;
      for (const [ssrc, seq] of before) {
        const r = to.receivedReports.get(ssrc);
        if (!r) continue;
        if (r.at > t.offloadedAt + this.cfg.deliveryGraceMs / 2) freshReport = true;
        if (r.highestSequence > seq) advanced = true;
      }
      const newer = [...to.receivedReports.values()].some(
        (r) => r.at > t.offloadedAt! + this.cfg.deliveryGraceMs / 2,
      );
      if (newer && freshReport && !advanced) {
        return `${to.info.name} reports no new RTP although the switch forwarded ${forwarded} packets`;
      }
    }
    return null;
  }

  private giveBack(bridgeId: string, t: Tracked, detail: string, now: number): void {
    this.log.warn('media astray, reverting with back-off', { bridgeId, detail });
    t.backoffUntil = now + this.cfg.backoffMs;
    t.backoffCause = detail;
    this.schedule(bridgeId);
  }
}

function toPlanLeg(l: ReadyLeg): PlanLeg {
  return { channelId: l.channelId, local: l.local, remote: l.remote, nextHopMac: l.nextHopMac, dscp: l.dscp };
}

function probeLeg(m: LegView): PlanLeg | null {
  const local = m.localResolved;
  const remote = m.leg?.remote;
  if (!local || local === 'ambiguous' || !remote) return null;
  return {
    channelId: m.channel.id,
    local,
    remote,
    nextHopMac: m.nextHopMac,
    dscp: m.facts?.tosAudioDscp ?? 0,
  };
}
