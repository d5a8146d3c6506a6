/**
 * The PBX as seen over AMI: `PbxSource` on top of one AmiConnection. Translates events,
 * answers the core's questions (legs, technologies, endpoint facts, full listing), and
 * reports `connected` (with restart detection) / `disconnected` around every session.
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
import {
  bridgeIdsFromList,
  joinBridgesAndChannels,
  snapshotFromBridgeInfo,
  type ListingProblem,
} from './bridge-listing.js';
import { TechnologyQuery, type TechnologyQueryStats } from './bridge-technology.js';
import { AmiConnection, type AmiConnectionStats, type AmiStatus } from './connection.js';
import { endpointFactsFromDetail, sipPeerDirectMedia } from './endpoint-facts.js';
import { AmiDisconnectedError, AmiError, AmiTimeoutError, type AmiClientError } from './errors.js';
import { translateEvent } from './event-translator.js';
import { readRtpLeg } from './leg-reader.js';
import { ModuleBatcher } from './module-batcher.js';
import type { AmiMessage } from './message.js';
import { resolveAmiOptions, type AmiSourceOptions, type ResolvedAmiSourceOptions } from './options.js';
import { PbxEventFanout } from '../shared/event-fanout.js';
import { MalformedCounter, type MalformedInputs } from '../shared/malformed-inputs.js';
import { StartGate } from '../shared/start-gate.js';

export interface AmiSourceStats extends PbxSourceStats {
  readonly status: AmiStatus;
  readonly timeouts: number;
  readonly bytesIn: number;
  readonly getvarRequests: number;
  readonly legReads: number;
  readonly technology: TechnologyQueryStats;
  readonly queue: { readonly waiting: number; readonly running: number };
}

interface CacheEntry<T> {
  readonly value: Promise<T>;
  readonly expiresAt: number;
}

export class AmiSource implements PbxSource {
  readonly name: string;
  readonly #options: ResolvedAmiSourceOptions;
  readonly #connection: AmiConnection;
  readonly #technology: TechnologyQuery;
  /** Bridges known to exist: from BridgeCreate/Destroy and every full listing. */
  readonly #bridges = new Set<string>();
  readonly #endpointCache = new Map<string, CacheEntry<EndpointFacts | null>>();
  /** res_rtp_offload, when loaded: all legs of the bridges asked in one tick, one request. */
  readonly #module: ModuleBatcher;
  readonly #sipPeerCache = new Map<string, CacheEntry<boolean | null>>();
  /** Events seen between login and the `connected` report, delivered right after it. */
  #buffered: AmiMessage[] | null = null;
  #startupTime: string | null = null;
  #malformed = 0;
  #getvars = 0;
  #legReads = 0;
  #shutdownNote = '';
  readonly #start = new StartGate<AmiClientError>();
  /** What was not understood, by field; metrics read it. */
  readonly malformedInputs: MalformedInputs;

  /** Hint folding, per-channel facts and delivery, shared with the other Asterisk source. */
  readonly #fanout: PbxEventFanout;

  constructor(options: AmiSourceOptions) {
    this.#options = resolveAmiOptions(options);
    this.#fanout = new PbxEventFanout(this.#options.logger);
    this.name = this.#options.name;
    this.malformedInputs =
      options.malformedInputs ??
      new MalformedCounter({ logger: this.#options.logger, now: this.#options.now });
    const o = this.#options;
    this.#connection = new AmiConnection({
      host: o.host,
      port: o.port,
      username: o.username,
      secret: options.secret,
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
    this.#technology = new TechnologyQuery(
      {
        bridgeInfo: (id) => this.#bridgeInfoTechnology(id),
        nativeBridges: () => this.#nativeBridges(),
        knownBridgeCount: () => this.#bridges.size,
      },
      { minIntervalMs: o.technologyMinIntervalMs, now: o.now, logger: o.logger },
    );
    this.#connection.onEvent((msg) => this.#onAmiEvent(msg));
    this.#module = new ModuleBatcher(this.#connection, {
      now: this.#options.now,
      logger: this.#options.logger,
    });
    // The module back after it was missing: what legs lacked (payload types, learned
    // remotes) is read again through the resync every (re)connection runs.
    this.#module.onAppeared(() => {
      if (this.#connection.status !== 'ready' || this.#buffered) return;
      this.#fanout.emit({
        kind: 'connected',
        source: this.name,
        startupTime: this.#startupTime ?? '',
        restarted: false,
      });
    });
    this.#connection.onReady(() => void this.#onReady());
    this.#connection.onDown((down) => this.#onDown(down.reason, down.wasReady));
    this.#connection.onAuthFailed((err) => this.#start.fail(err));
    this.#connection.onMalformed((what, detail) => this.#noteMalformed(what, what, detail));
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
    return this.#start.open(
      this.#options.startTimeoutMs,
      () => new AmiTimeoutError('connect', this.#options.startTimeoutMs),
      () => this.#connection.start(),
      () => this.#connection.stop(),
    );
  }

  async stop(): Promise<void> {
    this.#start.fail(new AmiDisconnectedError('connect', 'stopped'));
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
      malformed: this.#malformed,
      reconnects: c.reconnects,
      status: this.#connection.status,
      timeouts: c.timeouts,
      bytesIn: c.bytesIn,
      getvarRequests: this.#getvars,
      legReads: this.#legReads,
      technology: this.#technology.stats(),
      queue: this.#connection.queued,
    };
  }

  async listBridges(): Promise<BridgeSnapshot[]> {
    const [bridges, channels] = await Promise.all([
      this.#connection.requestList({ Action: 'BridgeList' }),
      this.#connection.requestList({ Action: 'CoreShowChannels' }).catch((err: unknown) => {
        if (err instanceof AmiError) return null; // refused (permissions): fall back below
        throw err;
      }),
    ]);
    let snapshots: BridgeSnapshot[];
    if (channels) {
      const joined = joinBridgesAndChannels(bridges, channels);
      this.#reportListingProblems(joined.problems);
      snapshots = joined.snapshots;
    } else {
      const { ids, problems } = bridgeIdsFromList(bridges);
      this.#reportListingProblems(problems);
      const infos = await Promise.all(
        [...ids].map((id) =>
          this.#connection.requestList({ Action: 'BridgeInfo', BridgeUniqueid: id }).catch((err: unknown) => {
            if (isNotFound(err)) return null; // gone between the two requests
            throw err;
          }),
        ),
      );
      snapshots = [];
      for (const info of infos) {
        if (!info) continue;
        const r = snapshotFromBridgeInfo(info);
        this.#reportListingProblems(r.problems);
        if (r.snapshot) snapshots.push(r.snapshot);
      }
    }
    this.#bridges.clear();
    for (const s of snapshots) this.#bridges.add(s.id);
    return snapshots;
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

  async readLeg(channel: ChannelInfo): Promise<RtpLeg> {
    const gone = this.#fanout.gone;
    gone.check(channel.id, channel.name);
    this.#legReads++;
    // The module tells what Getvar cannot: whether the remote was learned, and the
    // payload-type numbers of each leg.
    const fromModule = await this.#module.leg(channel.id);
    if (fromModule) return fromModule;
    // The module lists no channel that hung up meanwhile: no Getvar for it either.
    gone.check(channel.id, channel.name);
    const facts = channel.driver === 'pjsip' ? await this.endpointFacts(channel).catch(() => null) : null;
    const result = await readRtpLeg(
      {
        getvar: (id, variable) => gone.guard(id, channel.name, () => this.#getvar(id, variable)),
        sipDirectMedia: (peer) => this.#sipDirectMedia(peer),
        heldByEvents: (id) => this.#fanout.held.has(id),
        now: this.#options.now,
      },
      channel,
      {
        local: this.#fanout.boundAddress.get(channel.id) ?? null,
        ...(facts
          ? { directMediaConfigured: facts.directMedia, encryptionConfigured: facts.mediaEncryption !== 'no' }
          : {}),
      },
    );
    if (result.leg.local) this.#fanout.boundAddress.set(channel.id, result.leg.local);
    if (result.problems.length > 0) {
      this.#options.logger.warn('rtp leg partly unreadable', {
        channel: channel.name,
        problems: result.problems,
      });
    }
    return result.leg;
  }

  endpointFacts(channel: ChannelInfo): Promise<EndpointFacts | null> {
    if (channel.driver !== 'pjsip' || !channel.endpoint) return Promise.resolve(null);
    return this.#cached(this.#endpointCache, channel.endpoint, (name) => this.#pjsipEndpointFacts(name));
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

  // --- session lifecycle -------------------------------------------------------------

  async #onReady(): Promise<void> {
    this.#buffered = [];
    // Loaded or unloaded since last time: find out again.
    this.#module.reset();
    let startupTime = '';
    try {
      const status = await this.#connection.request({ Action: 'CoreStatus' }, 50);
      startupTime = `${status.get('CoreStartupDate') ?? ''} ${status.get('CoreStartupTime') ?? ''}`.trim();
    } catch (err) {
      if (err instanceof AmiDisconnectedError) return; // lost again; the next ready retries
      this.#options.logger.warn('CoreStatus failed; restart detection unavailable', {
        error: (err as Error).message,
      });
    }
    const restarted = this.#startupTime !== null && startupTime !== '' && startupTime !== this.#startupTime;
    if (startupTime !== '') this.#startupTime = startupTime;
    this.#shutdownNote = '';
    if (restarted) {
      // Nothing learned from the old process is valid: its bridges and channels are gone.
      this.#bridges.clear();
      this.#fanout.held.clear();
      this.#endpointCache.clear();
      this.#sipPeerCache.clear();
    }
    this.#options.logger.info('ami connected', { startupTime, restarted });
    const buffered = this.#buffered;
    this.#buffered = null;
    this.#fanout.emit({ kind: 'connected', source: this.name, startupTime, restarted });
    this.#start.succeed();
    for (const msg of buffered) this.#handleEvent(msg);
  }

  #onDown(reason: string, wasReady: boolean): void {
    this.#buffered = null;
    // Hangups may be missed while down, and a restarted Asterisk reuses nothing.
    this.#fanout.connectionLost();
    this.#technology.cancel(new AmiDisconnectedError('BridgeInfo', reason));
    if (!wasReady) return;
    const why = this.#shutdownNote ? `${reason}; ${this.#shutdownNote}` : reason;
    this.#fanout.emit({ kind: 'disconnected', source: this.name, reason: why });
  }

  #onAmiEvent(msg: AmiMessage): void {
    if (this.#buffered) {
      this.#buffered.push(msg);
      return;
    }
    this.#handleEvent(msg);
  }

  /** The delivery edge: nothing Asterisk sends may throw out of here. */
  #handleEvent(msg: AmiMessage): void {
    try {
      this.#translateAndDeliver(msg);
    } catch (err) {
      this.#noteMalformed(msg.eventName ?? '', 'Event', `translation threw: ${(err as Error).message}`);
    }
  }

  #noteMalformed(eventName: string, field: string, detail: string): void {
    this.#malformed++;
    this.malformedInputs.note(`ami:${this.name}`, field, `${eventName}: ${detail}`);
  }

  #translateAndDeliver(msg: AmiMessage): void {
    const t = translateEvent(msg);
    if (t.kind === 'malformed') {
      this.#noteMalformed(t.eventName, t.field, t.problems.join('; '));
      return;
    }
    if (t.kind === 'ignored') {
      const name = t.eventName.toLowerCase();
      if (name === 'load' || name === 'unload' || name === 'reload')
        this.#module.moduleEvent(msg.get('Module') ?? '');
      if (name === 'shutdown') {
        // Event: Shutdown precedes the close (class system): say why in `disconnected`.
        this.#shutdownNote = `Asterisk shutdown (${msg.get('Shutdown') ?? '?'}, restart ${msg.get('Restart') ?? '?'})`;
      }
      return;
    }
    this.#track(t.event);
    this.#fanout.deliver(t.event);
  }

  #track(event: PbxEvent): void {
    switch (event.kind) {
      case 'bridge-created':
        this.#bridges.add(event.bridgeId);
        break;
      case 'bridge-destroyed':
        this.#bridges.delete(event.bridgeId);
        break;
      case 'channel-entered':
        this.#bridges.add(event.bridgeId);
        break;
      default:
        break;
    }
  }

  #reportListingProblems(problems: readonly ListingProblem[]): void {
    for (const p of problems) this.#noteMalformed(p.eventName, 'list item', p.problems.join('; '));
  }

  // --- requests ----------------------------------------------------------------------

  async #getvar(channelId: string, variable: string): Promise<string> {
    this.#getvars++;
    const reply = await this.#connection.request({
      Action: 'Getvar',
      Channel: channelId,
      Variable: variable,
    });
    // `Value: ` with nothing after it is how a failed function reads (action_getvar).
    return reply.get('Value') ?? '';
  }

  async #bridgeInfoTechnology(
    bridgeId: string,
  ): Promise<{ technology: BridgeTechnology | null; bytes: number }> {
    try {
      const info = await this.#connection.requestList({ Action: 'BridgeInfo', BridgeUniqueid: bridgeId });
      const technology = info.complete.get('BridgeTechnology')?.trim();
      if (!technology) {
        this.#noteMalformed(info.complete.eventName ?? '', 'BridgeTechnology', 'missing');
        return { technology: null, bytes: info.bytes };
      }
      return { technology, bytes: info.bytes };
    } catch (err) {
      if (isNotFound(err)) {
        this.#bridges.delete(bridgeId);
        return { technology: null, bytes: 0 };
      }
      throw err;
    }
  }

  async #nativeBridges(): Promise<{ ids: ReadonlySet<string>; bytes: number }> {
    // BridgeType is compared with the technology name in send_bridge_list_item_cb.
    const list = await this.#connection.requestList({ Action: 'BridgeList', BridgeType: 'native_rtp' });
    const { ids, problems } = bridgeIdsFromList(list);
    this.#reportListingProblems(problems);
    for (const id of ids) this.#bridges.add(id);
    return { ids, bytes: list.bytes };
  }

  async #pjsipEndpointFacts(endpoint: string): Promise<EndpointFacts | null> {
    const reply = await this.#connection.requestList({ Action: 'PJSIPShowEndpoint', Endpoint: endpoint });
    const detail = reply.items.find((m) => m.eventName?.toLowerCase() === 'endpointdetail');
    if (!detail) {
      this.#options.logger.warn('PJSIPShowEndpoint without EndpointDetail', { endpoint });
      return null;
    }
    const r = endpointFactsFromDetail(detail);
    if (r.kind === 'malformed') {
      this.#noteMalformed('EndpointDetail', 'list item', r.problems.join('; '));
      return null;
    }
    return r.facts;
  }

  #sipDirectMedia(peer: string): Promise<boolean | null> {
    return this.#cached(this.#sipPeerCache, peer, async (name) => {
      try {
        const reply = await this.#connection.request({ Action: 'SIPshowpeer', Peer: name });
        return sipPeerDirectMedia(reply);
      } catch (err) {
        if (err instanceof AmiError) return null; // chan_sip not loaded, unknown peer
        throw err;
      }
    });
  }

  /** TTL cache with the in-flight promise stored, so concurrent callers share one request. */
  #cached<T>(cache: Map<string, CacheEntry<T>>, key: string, load: (key: string) => Promise<T>): Promise<T> {
    const now = this.#options.now();
    const hit = cache.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = load(key);
    cache.set(key, { value, expiresAt: now + this.#options.endpointCacheTtlMs });
    value.catch(() => {
      if (cache.get(key)?.value === value) cache.delete(key); // failures are not cached
    });
    return value;
  }
}

/** BridgeInfo on an unknown bridge: `Response: Error`, `Message: Bridge <id> not found`. */
function isNotFound(err: unknown): boolean {
  return err instanceof AmiError && /not found/i.test(err.amiMessage);
}
