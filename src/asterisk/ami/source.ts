/**
 * The PBX as seen over AMI: `PbxSource` on top of one AmiConnection. This class owns and
 * wires the parts, each with one job: session reports (`connected` with restart detection,
 * `disconnected`), event intake, the bridge registry and listing, technology reads
 * (res_rtp_offload first, BridgeInfo/BridgeList otherwise), leg reads and endpoint facts.
 */

import type {
  BridgeSnapshot,
  BridgeTechnology,
  ChannelInfo,
  EndpointFacts,
  PbxEvent,
  PbxSource,
  PbxSourceStats,
  RtpLeg,
} from '../../model/pbx.js';
import { PbxEventFanout } from '../shared/event-fanout.js';
import { MalformedCounter, MalformedTally, type MalformedInputs } from '../shared/malformed-inputs.js';
import { AmiBridgeRegistry } from './bridge-registry.js';
import { TechnologyQuery, type TechnologyQueryStats } from './bridge-technology.js';
import { AmiConnection, type AmiConnectionStats, type AmiStatus } from './connection.js';
import { AmiEndpointReader } from './endpoint-reader.js';
import { AmiDisconnectedError, AmiTimeoutError } from './errors.js';
import { AmiEventIntake } from './event-intake.js';
import { AmiLegSource } from './leg-source.js';
import { ModuleBatcher } from './module-batcher.js';
import { resolveAmiOptions, type AmiSourceOptions, type ResolvedAmiSourceOptions } from './options.js';
import { AmiSessionReports } from './session-reports.js';

export interface AmiSourceStats extends PbxSourceStats {
  readonly status: AmiStatus;
  readonly timeouts: number;
  readonly bytesIn: number;
  readonly getvarRequests: number;
  readonly legReads: number;
  readonly technology: TechnologyQueryStats;
  readonly queue: { readonly waiting: number; readonly running: number };
}

function connectionFor(o: ResolvedAmiSourceOptions, secret: string): AmiConnection {
  return new AmiConnection({
    host: o.host,
    port: o.port,
    username: o.username,
    secret,
    eventMask: o.eventMask,
    requestTimeoutMs: o.requestTimeoutMs,
    connectTimeoutMs: o.connectTimeoutMs,
    pingIntervalMs: o.pingIntervalMs,
    reconnect: o.reconnect,
    queue: o.queue,
    actionIdPrefix: o.actionIdPrefix,
    logger: o.logger,
    random: o.random,
  });
}

export class AmiSource implements PbxSource {
  readonly name: string;
  /** What was not understood, by field; metrics read it. */
  readonly malformedInputs: MalformedInputs;
  readonly #options: ResolvedAmiSourceOptions;
  readonly #connection: AmiConnection;
  /** Hint folding, per-channel facts and delivery, shared with the other Asterisk source. */
  readonly #fanout: PbxEventFanout;
  readonly #intake: AmiEventIntake;
  readonly #registry: AmiBridgeRegistry;
  readonly #technology: TechnologyQuery;
  /** res_rtp_offload, when loaded: all legs of the bridges asked in one tick, one request. */
  readonly #module: ModuleBatcher;
  readonly #endpoints: AmiEndpointReader;
  readonly #legs: AmiLegSource;
  readonly #session: AmiSessionReports;

  constructor(options: AmiSourceOptions) {
    const o = (this.#options = resolveAmiOptions(options));
    this.name = o.name;
    this.#fanout = new PbxEventFanout(o.logger);
    this.malformedInputs = options.malformedInputs ?? new MalformedCounter({ logger: o.logger, now: o.now });
    const malformed = new MalformedTally(this.malformedInputs, `ami:${this.name}`);
    const ami = (this.#connection = connectionFor(o, options.secret));
    this.#registry = new AmiBridgeRegistry(ami, malformed);
    this.#technology = new TechnologyQuery(
      {
        bridgeInfo: (id) => this.#registry.technologyOf(id),
        nativeBridges: () => this.#registry.nativeBridges(),
        knownBridgeCount: () => this.#registry.size,
      },
      { minIntervalMs: o.technologyMinIntervalMs, now: o.now, logger: o.logger },
    );
    this.#module = new ModuleBatcher(ami, { now: o.now, logger: o.logger });
    this.#endpoints = new AmiEndpointReader(ami, malformed, {
      ttlMs: o.endpointCacheTtlMs,
      now: o.now,
      logger: o.logger,
    });
    this.#legs = new AmiLegSource({
      ami,
      module: this.#module,
      fanout: this.#fanout,
      endpoints: this.#endpoints,
      logger: o.logger,
      now: o.now,
    });
    this.#intake = new AmiEventIntake({
      malformed,
      deliver: (event) => {
        this.#registry.track(event);
        this.#fanout.deliver(event);
      },
      moduleEvent: (module) => this.#module.moduleEvent(module),
      shutdown: (note) => this.#session.noteShutdown(note),
    });
    this.#session = this.#sessionReports();
    ami.onEvent((msg) => this.#session.event(msg));
    // The module back after it was missing: what legs lacked (payload types, learned
    // remotes) is read again through the resync every (re)connection runs.
    this.#module.onAppeared(() => {
      if (ami.status !== 'ready' || !this.#session.reported) return;
      const startupTime = this.#session.startupTime;
      this.#fanout.emit({ kind: 'connected', source: this.name, startupTime, restarted: false });
    });
    ami.onReady(() => void this.#session.ready());
    ami.onDown((down) => this.#session.down(down.reason, down.wasReady));
    ami.onAuthFailed((err) => this.#session.gate.fail(err));
    ami.onMalformed((what, detail) => malformed.note(what, `${what}: ${detail}`));
  }

  get status(): AmiStatus {
    return this.#connection.status;
  }

  /**
   * Connects and resolves once the first session is ready and `connected` was emitted.
   * Rejects (and stops) on a refused login or when nothing worked within startTimeoutMs;
   * later losses are retried without end.
   */
  start(): Promise<void> {
    return this.#session.gate.open(
      this.#options.startTimeoutMs,
      () => new AmiTimeoutError('connect', this.#options.startTimeoutMs),
      () => this.#connection.start(),
      () => this.#connection.stop(),
    );
  }

  async stop(): Promise<void> {
    this.#session.gate.fail(new AmiDisconnectedError('connect', 'stopped'));
    this.#technology.cancel(new AmiDisconnectedError('BridgeInfo', 'stopped'));
    this.#module.stop();
    await this.#connection.stop();
  }

  onEvent(listener: (event: PbxEvent) => void): void {
    this.#fanout.on(listener);
  }

  stats(): AmiSourceStats {
    const c: AmiConnectionStats = this.#connection.stats();
    return {
      requests: c.requests,
      events: c.events,
      malformed: this.#intake.malformedCount,
      reconnects: c.reconnects,
      status: this.#connection.status,
      timeouts: c.timeouts,
      bytesIn: c.bytesIn,
      getvarRequests: this.#legs.getvarRequests,
      legReads: this.#legs.legReads,
      technology: this.#technology.stats(),
      queue: this.#connection.queued,
    };
  }

  listBridges(): Promise<BridgeSnapshot[]> {
    return this.#registry.list();
  }

  async bridgeTechnologies(bridgeIds: readonly string[]): Promise<Map<string, BridgeTechnology>> {
    if (bridgeIds.length === 0) return new Map();
    const listed = await this.#module.bridges(bridgeIds);
    const missing = bridgeIds.filter((id) => !listed.has(id));
    if (missing.length === 0) return listed;
    // Bridges the module does not list (not two-party, or no module): ask as before.
    for (const [id, t] of await this.#technology.query(missing)) listed.set(id, t);
    return listed;
  }

  readLeg(channel: ChannelInfo): Promise<RtpLeg> {
    return this.#legs.read(channel);
  }

  endpointFacts(channel: ChannelInfo): Promise<EndpointFacts | null> {
    return this.#endpoints.endpointFacts(channel);
  }

  async setChannelVars(channelId: string, vars: Readonly<Record<string, string>>): Promise<void> {
    // A channel that hung up has none (No such channel); the UserEvent carries the counts.
    if (this.#fanout.gone.has(channelId)) return;
    // Setvar takes one Variable/Value pair per action (manager.c action_setvar).
    await Promise.all(
      Object.entries(vars).map(([name, value]) =>
        this.#connection.request({ Action: 'Setvar', Channel: channelId, Variable: name, Value: value }),
      ),
    );
  }

  /**
   * Raises `Event: UserEvent` / `UserEvent: <name>` (manager.c action_userevent copies every
   * other header). asterisk-manager folds each field name to one capital and lower case
   * (`CallId` arrives as `Callid`); AMI consumers match headers case-insensitively.
   */
  async userEvent(name: string, fields: Readonly<Record<string, string>>): Promise<void> {
    await this.#connection.request({ ...fields, Action: 'UserEvent', UserEvent: name });
  }

  #sessionReports(): AmiSessionReports {
    return new AmiSessionReports({
      name: this.name,
      logger: this.#options.logger,
      fanout: this.#fanout,
      request: (action, priority) => this.#connection.request(action, priority),
      // Loaded or unloaded since last time: find out again.
      sessionBegins: () => this.#module.reset(),
      asteriskRestarted: () => {
        // Nothing learned from the old process is valid: its bridges and channels are gone.
        this.#registry.clear();
        this.#fanout.held.clear();
        this.#endpoints.clear();
      },
      sessionLost: (reason) => this.#technology.cancel(new AmiDisconnectedError('BridgeInfo', reason)),
      handle: (msg) => this.#intake.handle(msg),
    });
  }
}
