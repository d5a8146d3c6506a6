import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BridgeStatus, LegStatus } from '../engine/engine.js';
import type { PbxEvent, PbxSourceStats } from '../model/pbx.js';
import { BridgeTimings } from './bridge-timings.js';
import { ForwardedCounters } from './forwarded-counters.js';
import { MonotonicTotals } from './monotonic-totals.js';
import { RelayedPackets } from './relayed-packets.js';

/** What the agent's parts show, read at each scrape. */
export interface MetricsView {
  bridges(): readonly BridgeStatus[];
  engineCounters(): Readonly<Record<string, number>>;
  pbx(): { readonly source: string; readonly up: boolean; readonly stats: PbxSourceStats };
  switchUp(): boolean;
  installedFlows(): number;
  killSwitch(): boolean;
}

/**
 * Inputs the agent refused, by where they came from and what was wrong. The AMI/ARI and
 * OpenFlow adapters can call this directly; until they do, their `malformed` counts arrive
 * under `kind="unclassified"`.
 */
export interface InputMetrics {
  malformed(source: string, kind: string): void;
}

const OFFLOAD_BUCKETS = [0.25, 0.5, 1, 2, 2.5, 3, 4, 5, 7.5, 10, 15, 30, 60, 120];
const REVERT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The Prometheus side of the agent: one registry of its own (several agents can share a
 * process in tests), fed by engine and PBX events as they happen and by the agent's status at
 * each scrape. Counters of things that end with a call (flow counters) are kept as increases,
 * so a `_total` never falls when a call ends.
 */
export class AgentMetrics implements InputMetrics {
  readonly registry = new Registry();
  readonly #timings = new BridgeTimings();
  readonly #forwarded: ForwardedCounters;
  readonly #relayed: RelayedPackets;
  readonly #sourceStats = new MonotonicTotals();
  readonly #engineCounters = new MonotonicTotals();
  readonly #offloads: Counter;
  readonly #reverts: Counter<'reason'>;
  readonly #malformed: Counter<'source' | 'kind'>;
  readonly #offloadSeconds: Histogram;
  readonly #revertSeconds: Histogram<'reason'>;
  #pbx!: Record<'requests' | 'events' | 'reconnects', Counter>;
  #engineWork!: Counter;

  constructor(
    private readonly view: MetricsView,
    private readonly now: () => number,
    options: { processMetrics?: boolean } = {},
  ) {
    const registers = [this.registry];
    this.#forwarded = new ForwardedCounters(registers);
    this.#relayed = new RelayedPackets(registers);
    this.#offloads = new Counter({ name: 'rtpo_offloads_total', help: 'Bridges offloaded.', registers });
    this.#reverts = new Counter({
      name: 'rtpo_reverts_total',
      help: 'Offloads ended, by reason (gone: the bridge ended).',
      labelNames: ['reason'],
      registers,
    });
    this.#malformed = new Counter({
      name: 'rtpo_malformed_inputs_total',
      help: 'Inputs refused as malformed, by source and kind.',
      labelNames: ['source', 'kind'],
      registers,
    });
    this.#offloadSeconds = new Histogram({
      name: 'rtpo_bridge_to_offloaded_seconds',
      help: 'Seconds from a bridge becoming two-party to its offload.',
      buckets: OFFLOAD_BUCKETS,
      registers,
    });
    this.#revertSeconds = new Histogram({
      name: 'rtpo_event_to_reverted_seconds',
      help: 'Seconds from the PBX event that changed an offloaded call to its revert, by reason.',
      labelNames: ['reason'],
      buckets: REVERT_BUCKETS,
      registers,
    });
    this.pbxCounters(registers);
    this.stateGauges(registers);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'rtpo_' });
  }

  /** Engine `offloaded` event. */
  offloaded(bridgeId: string): void {
    this.#offloads.inc();
    const s = this.#timings.offloaded(bridgeId, this.now());
    if (s !== null) this.#offloadSeconds.observe(s);
  }

  /** Engine `reverted` event: the last counters of the flows that ended are counted here. */
  reverted(bridgeId: string, reason: string, counters: readonly LegStatus[]): void {
    this.#reverts.inc({ reason });
    const s = this.#timings.reverted(bridgeId, this.now());
    if (s !== null) this.#revertSeconds.observe({ reason }, s);
    this.#forwarded.ended(bridgeId, counters);
  }

  /** Every PBX event, as the source delivers it to the engine. */
  pbxEvent(e: PbxEvent): void {
    this.#timings.event(e, this.now());
    this.#relayed.pbxEvent(e);
  }

  malformed(source: string, kind: string): void {
    this.#malformed.inc({ source, kind });
  }

  private pbxCounters(registers: Registry[]): void {
    const labelled = (name: string, help: string, label: string): Counter =>
      new Counter({ name, help, labelNames: [label], registers });
    this.#pbx = {
      requests: labelled(
        'rtpo_pbx_requests_total',
        'Requests sent to Asterisk (AMI actions or ARI calls).',
        'source',
      ),
      events: labelled('rtpo_pbx_events_total', 'Events received from Asterisk.', 'source'),
      reconnects: labelled('rtpo_pbx_reconnects_total', 'Reconnections to Asterisk.', 'source'),
    };
    this.#engineWork = labelled(
      'rtpo_engine_work_total',
      'Engine work since start, by kind (evaluations, flowAdds, flowDeletes, flowFailures).',
      'kind',
    );
  }

  /** Brings every counter fed from readings up to date; gauges read their own at collect. */
  private sample(): void {
    this.#forwarded.read(this.view.bridges());
    const { source, stats } = this.view.pbx();
    for (const pick of ['requests', 'events', 'reconnects'] as const)
      this.#pbx[pick].inc({ source }, this.#sourceStats.increase(`${pick}/${source}`, stats[pick]));
    // The adapters count malformed input without a kind today: carried over unclassified.
    const m = this.#sourceStats.increase(`malformed/${source}`, stats.malformed);
    if (m > 0) this.#malformed.inc({ source, kind: 'unclassified' }, m);
    for (const [kind, v] of Object.entries(this.view.engineCounters())) {
      if (kind === 'offloads' || kind === 'reverts') continue;
      this.#engineWork.inc({ kind }, this.#engineCounters.increase(kind, v));
    }
  }

  /** The exposition text (Prometheus format 0.0.4). */
  async render(): Promise<string> {
    this.sample();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private stateGauges(registers: Registry[]): void {
    const view = this.view;
    new Gauge({
      name: 'rtpo_bridges',
      help: 'Bridges known to the agent, by offload state.',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        for (const state of ['offloaded', 'probing', 'not-offloaded', 'would-offload'])
          this.set({ state }, 0);
        for (const b of view.bridges()) this.inc({ state: b.state });
      },
    });
    new Gauge({
      name: 'rtpo_not_offloaded_bridges',
      help: 'Bridges not offloaded now, by reason.',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const b of view.bridges())
          if (b.reason && b.state !== 'offloaded') this.inc({ reason: b.reason });
      },
    });
    new Gauge({
      name: 'rtpo_offloaded_bridges_degraded',
      help: 'Offloaded bridges with a problem reported, by reason (direction-dead: one direction lost).',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const b of view.bridges())
          if (b.reason && b.state === 'offloaded') this.inc({ reason: b.reason });
      },
    });
    new Gauge({
      name: 'rtpo_dependency_ready',
      help: '1 while the agent is connected and ready to work with a dependency, by dependency.',
      labelNames: ['dependency'],
      registers,
      collect() {
        const pbx = view.pbx();
        this.set({ dependency: pbx.source === 'ari' ? 'asterisk-ari' : 'asterisk-ami' }, pbx.up ? 1 : 0);
        this.set({ dependency: 'switch' }, view.switchUp() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'rtpo_installed_flows',
      help: 'Flows carrying this agent’s cookie tag in the switch.',
      registers,
      collect() {
        this.set(view.installedFlows());
      },
    });
    new Gauge({
      name: 'rtpo_kill_switch',
      help: '1 while offloading is switched off by the operator.',
      registers,
      collect() {
        this.set(view.killSwitch() ? 1 : 0);
      },
    });
  }
}
