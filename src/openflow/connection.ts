/**
 * One OpenFlow 1.3 connection to a switch, as its users see it: requests by xid, pipelined
 * flow mods with one barrier per batch, ONF bundles, multipart statistics, and the switch's
 * async messages as events. The life of the socket underneath (handshake, keepalive,
 * reconnection) is `SwitchSession`'s; the requests are functions over its channel
 * (`queries.ts`, `batches.ts`). Everything on the wire goes through `codec/`.
 */

import { EventEmitter } from 'node:events';
import {
  OFPBF_ATOMIC,
  OFPBF_ORDERED,
  OFPFC_ADD,
  OFPFC_DELETE,
  OFPFC_DELETE_STRICT,
  OFPTT_ALL,
  type AggregateStats,
  type FeaturesReply,
  type FlowModFields,
  type FlowStatsEntry,
  type FlowStatsFilter,
  type Port,
} from './codec/index.js';
import { flowModOutcomes, sendBundle } from './batches.js';
import type { RequestChannel } from './channel.js';
import type {
  ConnectionCounters,
  ConnectionStatus,
  DeleteFlowsFilter,
  FlowModOutcome,
  OpenFlowConnectionEvents,
  OpenFlowConnectionOptions,
} from './connection-types.js';
import {
  OpenFlowArgumentError,
  OpenFlowBatchError,
  OpenFlowDisconnectedError,
  type BatchFailure,
} from './errors.js';
import { aggregateStats, barrier, echo, flowStats, portDesc } from './queries.js';
import { SwitchSession, sessionConfig, type SessionConfig } from './session.js';

export type {
  ConnectionCounters,
  ConnectionStatus,
  DeleteFlowsFilter,
  FlowModOutcome,
  OpenFlowConnectionEvents,
  OpenFlowConnectionOptions,
  OpenFlowLogger,
  ReconnectInfo,
} from './connection-types.js';

export class OpenFlowConnection extends EventEmitter<OpenFlowConnectionEvents> {
  readonly target: string;
  private readonly cfg: SessionConfig;
  private readonly session: SwitchSession;
  private nextBundleId = 1;

  constructor(options: OpenFlowConnectionOptions) {
    super();
    this.cfg = sessionConfig(options);
    this.target = this.cfg.target;
    this.session = new SwitchSession(
      this.cfg,
      (event, ...args) => this.emitSafely(event, ...args),
      (event) => this.listenerCount(event) > 0,
    );
  }

  /** Connects and resolves once ready; retries per the reconnect policy until then. */
  static async open(options: OpenFlowConnectionOptions): Promise<OpenFlowConnection> {
    const connection = new OpenFlowConnection(options);
    await connection.connect();
    return connection;
  }

  get status(): ConnectionStatus {
    return this.session.status;
  }

  /** The switch's FEATURES_REPLY from the latest handshake. */
  get features(): FeaturesReply | undefined {
    return this.session.features;
  }

  get stats(): ConnectionCounters {
    return { ...this.session.counters };
  }

  /**
   * Starts connecting (if idle) and resolves when ready. While the switch is unreachable it
   * keeps retrying with backoff; it rejects only if `close()` is called first (or, with
   * reconnect disabled, when the attempt fails).
   */
  connect(): Promise<void> {
    return this.session.connect();
  }

  /** Closes for good: pending requests reject with OpenFlowDisconnectedError, no reconnect. */
  async close(): Promise<void> {
    this.session.close();
  }

  /** Resolves when the switch has processed everything sent before (1.3.5 §6.2). */
  async barrier(): Promise<void> {
    return barrier(this.ready());
  }

  /** Round trip of an ECHO_REQUEST, in milliseconds. */
  async echo(data: Buffer = Buffer.alloc(8)): Promise<number> {
    return echo(this.ready(), this.cfg.clock, data);
  }

  /**
   * Sends the flow mods pipelined, in one write, followed by one BARRIER, and reports each
   * mod's outcome by index: OVS sends no success replies, only an ERROR carrying the failing
   * mod's xid, always before the barrier's reply. Mods not refused were applied. `command`
   * overrides each mod's own.
   */
  async flowMods(
    mods: readonly FlowModFields[],
    options: { command?: number } = {},
  ): Promise<FlowModOutcome[]> {
    return flowModOutcomes(this.ready(), mods, options.command);
  }

  /** Adds flows (pipelined, one barrier); rejects with OpenFlowBatchError naming each refused one. */
  async addFlows(specs: readonly FlowModFields[]): Promise<void> {
    const outcomes = await this.flowMods(specs, { command: OFPFC_ADD });
    const failures: BatchFailure[] = [];
    outcomes.forEach((o, index) => {
      if (!o.ok) failures.push({ index, error: o.error });
    });
    if (failures.length > 0) throw new OpenFlowBatchError(failures, false);
  }

  /** One DELETE (or DELETE_STRICT) and a barrier; rejects with the switch's OpenFlowError. */
  async deleteFlows(filter: DeleteFlowsFilter): Promise<void> {
    const narrowed =
      (filter.cookieMask ?? 0n) !== 0n || (filter.match?.length ?? 0) > 0 || filter.strict === true;
    if (!narrowed && filter.unfiltered !== true) {
      throw new OpenFlowArgumentError(
        'a delete without cookie mask or match would remove every flow on the bridge',
      );
    }
    const [outcome] = await this.flowMods([
      {
        command: filter.strict ? OFPFC_DELETE_STRICT : OFPFC_DELETE,
        cookie: filter.cookie ?? 0n,
        cookieMask: filter.cookieMask ?? 0n,
        tableId: filter.tableId ?? OFPTT_ALL,
        match: filter.match ?? [],
        outPort: filter.outPort,
        outGroup: filter.outGroup,
        priority: filter.priority ?? 0,
      },
    ]);
    if (outcome && !outcome.ok) throw outcome.error;
  }

  /** Applies the flow mods atomically through an ONF bundle: all or none (see `sendBundle`). */
  async bundle(
    mods: readonly FlowModFields[],
    options: { command?: number; flags?: number } = {},
  ): Promise<void> {
    const ch = this.ready();
    const bundleId = this.nextBundleId++ >>> 0;
    await sendBundle(ch, bundleId, mods, options.flags ?? OFPBF_ATOMIC | OFPBF_ORDERED, options.command);
  }

  /** FLOW stats, reassembled from all parts of the reply. */
  async flowStats(filter: FlowStatsFilter = {}): Promise<FlowStatsEntry[]> {
    return flowStats(this.ready(), filter);
  }

  /** Packet, byte and flow counts summed over the flows the filter selects. */
  async aggregateStats(filter: FlowStatsFilter = {}): Promise<AggregateStats> {
    return aggregateStats(this.ready(), filter);
  }

  /** The switch's ports (OF1.3 lists them here, not in FEATURES_REPLY). */
  async portDesc(): Promise<Port[]> {
    return portDesc(this.ready());
  }

  /** The request channel, or OpenFlowDisconnectedError when not ready. */
  private ready(): RequestChannel {
    const status = this.session.status;
    if (status !== 'ready') {
      throw new OpenFlowDisconnectedError(`OpenFlow connection to ${this.target} is ${status}, not ready`);
    }
    return this.session.channel;
  }

  /** A listener that throws must not break the read loop. */
  private emitSafely<K extends keyof OpenFlowConnectionEvents>(
    event: K,
    ...args: OpenFlowConnectionEvents[K]
  ): void {
    try {
      (this.emit as (e: K, ...a: OpenFlowConnectionEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.cfg.log.warn(
        `openflow ${this.target}: '${event}' listener threw: ${err instanceof Error ? err.stack : String(err)}`,
      );
    }
  }
}
