import type { Logger } from '../log.js';
import { CallModel } from '../model/call-model.js';
import type { PbxSource } from '../model/pbx.js';
import { TAG_MASK, tagCookie } from '../plan/cookie.js';
import type { Pin } from '../policy/view.js';
import type { FlowPort } from '../switch/flow-port.js';
import { Reconciler } from '../switch/reconciler.js';
import type { Clock, TimerHandle } from '../time/clock.js';
import { Auditor } from './audit.js';
import type { EngineContext } from './context.js';
import { Evaluator } from './evaluation.js';
import { FactReader } from './facts.js';
import { Lifecycle } from './lifecycle.js';
import { BridgeScheduler, repeatAfter } from './scheduler.js';
import { bridgeStatus } from './status.js';
import { allBridgeIds, offloadedCount } from './tracked.js';
import { Transitions } from './transitions.js';
import type {
  BridgeStatus,
  EngineConfig,
  EngineCounters,
  EngineEvents,
  LocalAddressLookup,
  NextHopLookup,
  SwitchFacts,
} from './types.js';
import { ViewBuilder } from './view.js';

export type {
  BridgeState,
  BridgeStatus,
  EngineConfig,
  EngineCounters,
  EngineEvents,
  LegStatus,
  LocalAddressLookup,
  NextHopLookup,
  SwitchFacts,
} from './types.js';

/**
 * The offload engine. Events only say which bridges to look at again; every look ends in
 * the same place: read what is missing, decide, plan, and let the reconciler bring the
 * switch to the desired flows. This class owns the parts and wires them:
 * scheduler (when), evaluator with facts, view and transitions (what), auditor (watching
 * the switch's counters), lifecycle (the Asterisk and switch connections), status.
 */
export class OffloadEngine {
  readonly model = new CallModel();
  readonly reconciler: Reconciler;
  /** Counts for benchmarks and metrics. */
  readonly counters: EngineCounters = {
    evaluations: 0,
    flowAdds: 0,
    flowDeletes: 0,
    flowFailures: 0,
    reverts: 0,
    offloads: 0,
    deadDirections: 0,
  };
  private readonly ctx: EngineContext;
  private readonly lifecycle: Lifecycle;
  private readonly auditor: Auditor;
  private readonly periodic: TimerHandle[] = [];

  constructor(
    source: PbxSource,
    port: FlowPort,
    nextHop: NextHopLookup,
    localAddrs: LocalAddressLookup,
    cfg: EngineConfig,
    clock: Clock,
    log: Logger,
  ) {
    this.reconciler = new Reconciler(port, tagCookie(cfg.plan.cookieTag), TAG_MASK);
    let evaluator: Evaluator | null = null;
    const scheduler = new BridgeScheduler(
      (id) => evaluator?.evaluate(id) ?? Promise.resolve(),
      cfg.evaluationConcurrency,
      clock,
      log,
    );
    this.ctx = {
      model: this.model,
      reconciler: this.reconciler,
      tracked: new Map(),
      pins: new Map(),
      flags: { killSwitch: false, pbxGone: false, mirrorLoaded: false, pbxSynced: false, switchFacts: null },
      counters: this.counters,
      listeners: { offloaded: [], reverted: [] },
      cfg,
      clock,
      log,
      scheduler,
    };
    evaluator = new Evaluator(
      this.ctx,
      new FactReader(this.model, source, log, (id, ms) => {
        // Only an offloaded bridge loses media while a change goes unnoticed.
        const b = this.model.bridges.get(id);
        if (!b || this.ctx.tracked.get(id)?.state !== 'offloaded') return;
        b.technologyStale = true;
        scheduler.scheduleAt(id, clock.now() + ms);
      }),
      new ViewBuilder(this.ctx, nextHop, localAddrs),
      new Transitions(this.ctx, port),
    );
    this.lifecycle = new Lifecycle(this.ctx, source, port);
    this.auditor = new Auditor(this.ctx, port);
    this.lifecycle.onRtcp = (id, from) => this.auditor.deadDirections.noteRtcp(id, from, clock.now());
  }

  on<K extends keyof EngineEvents>(event: K, listener: EngineEvents[K]): void {
    (this.ctx.listeners[event] as EngineEvents[K][]).push(listener);
  }

  /** Facts about the switch the planner needs (bridge MAC, uplink port); set before `start`. */
  setSwitchFacts(facts: SwitchFacts): void {
    this.ctx.flags.switchFacts = facts;
  }

  start(): void {
    const { clock, cfg, scheduler } = this.ctx;
    this.lifecycle.listen();
    const stopped = (): boolean => scheduler.stopped;
    const whenSwitchUp = (task: () => Promise<void>) => (): Promise<void> =>
      this.ctx.flags.switchDown ? Promise.resolve() : task();
    this.periodic.push(
      repeatAfter(
        clock,
        cfg.auditIntervalMs,
        whenSwitchUp(() => this.auditor.audit()),
        stopped,
      ),
      repeatAfter(
        clock,
        cfg.probeIntervalMs,
        whenSwitchUp(() => this.auditor.probeTick()),
        stopped,
      ),
      repeatAfter(clock, cfg.relistIntervalMs ?? 30_000, () => this.lifecycle.relist(), stopped),
    );
  }

  stop(): void {
    for (const t of this.periodic) t.cancel();
    this.lifecycle.stop();
    this.ctx.scheduler.stop();
  }

  /** Waits until every scheduled evaluation has finished. */
  idle(): Promise<void> {
    return this.ctx.scheduler.idle();
  }

  /** Evaluates a bridge again (folded into a rerun if it is being evaluated). */
  schedule(bridgeId: string): void {
    this.ctx.scheduler.schedule(bridgeId);
  }

  setKillSwitch(on: boolean): void {
    this.ctx.flags.killSwitch = on;
    for (const id of allBridgeIds(this.model, this.ctx.tracked)) this.schedule(id);
  }

  get killSwitchOn(): boolean {
    return this.ctx.flags.killSwitch;
  }

  /** The switch connection went up or down (see `EngineFlags.switchDown`). */
  setSwitchUp(up: boolean): void {
    this.ctx.flags.switchDown = !up;
  }

  /**
   * Pins a bridge or channel: `offload` waives soft checks (age, scope, backoff), `revert`
   * forbids. Only ids of a bridge or bridged channel are kept (returned empty otherwise):
   * the control API answers 404 and the map never grows with names nobody has; the
   * re-list drops pins whose bridge and channel are gone.
   */
  pin(id: string, pin: Pin | null): string[] {
    const bridges = this.model.bridges.has(id)
      ? [id]
      : [this.model.channels.get(id)?.bridgeId].filter((b): b is string => !!b);
    if (pin === null) this.ctx.pins.delete(id);
    else if (bridges.length > 0) this.ctx.pins.set(id, pin);
    for (const b of bridges) {
      const t = this.ctx.tracked.get(b);
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
    return bridgeStatus(this.ctx, bridgeId);
  }

  offloadedCount(): number {
    return offloadedCount(this.ctx.tracked);
  }

  /** After every (re)connection to the switch: adopt what is there, then one full diff. */
  switchReady(): Promise<void> {
    return this.lifecycle.switchReady();
  }

  /** Re-evaluates every bridge, then deletes our flows no bridge wants (once both sides were read). */
  fullSync(): Promise<void> {
    return this.lifecycle.fullSync();
  }

  /**
   * One counter audit of all our flows (also run every `auditIntervalMs`); with `maxAgeMs`, the last audit's counters serve when
   * they are younger than that (listings need not dump every flow each time).
   */
  audit(maxAgeMs = 0): Promise<void> {
    return maxAgeMs > 0 ? this.auditor.auditIfOlder(maxAgeMs) : this.auditor.audit();
  }
}
