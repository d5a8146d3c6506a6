/**
 * The PBX as seen over ARI: `PbxSource` on top of one event socket (ari-client) and REST
 * requests (http.ts). Translates events, answers the core's questions (legs, technologies,
 * endpoint facts, full listing), and reports `connected` (with restart detection from
 * `GET /asterisk/info`) / `disconnected` around every socket.
 *
 * A dropped socket deactivates the application and loses the events of the gap (res/stasis),
 * so every open is a `connected` and the engine resyncs with listBridges().
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
import { readRtpLeg } from '../ami/leg-reader.js';
import { endpointFactsFromConfigTuples } from './endpoint-facts.js';
import {
  AriBadResponseError,
  AriDisconnectedError,
  AriHttpError,
  AriNotFoundError,
  AriTimeoutError,
  type AriClientError,
} from './errors.js';
import { translateAriFrame } from './event-translator.js';
import { AriEventStream, type AriStatus } from './event-stream.js';
import { AriHttp } from './http.js';
import { FieldProblems, isObject, requireObject, requireString } from './json-fields.js';
import { resolveAriOptions, type AriSourceOptions, type ResolvedAriSourceOptions } from './options.js';
import { joinBridgesAndChannels, readBridgeJson, type ListingProblem } from './resources.js';
import { readChannelVariable } from './variable-values.js';
import type { Client } from 'ari-client';
import { PbxEventFanout } from '../shared/event-fanout.js';
import { MalformedCounter, type MalformedInputs } from '../shared/malformed-inputs.js';
import { StartGate } from '../shared/start-gate.js';

export interface AriSourceStats extends PbxSourceStats {
  readonly status: AriStatus;
  readonly timeouts: number;
  /** Frames of a type this adapter does not know (counted in `malformed` too). */
  readonly unknownEvents: number;
  readonly variableReads: number;
  readonly legReads: number;
  readonly queue: { readonly waiting: number; readonly running: number };
}

interface CacheEntry<T> {
  readonly value: Promise<T>;
  readonly expiresAt: number;
}

/** Test seam: a stand-in for ari-client's connect. */
export interface AriSourceInternals {
  readonly connect?: (url: string, user: string, pass: string) => Promise<Client>;
}

export class AriSource implements PbxSource {
  readonly name: string;
  readonly #options: ResolvedAriSourceOptions;
  readonly #http: AriHttp;
  readonly #stream: AriEventStream;
  readonly #endpointCache = new Map<string, CacheEntry<EndpointFacts | null>>();
  /** Frames that arrived while `connected` was being prepared, delivered right after it. */
  #buffered: string[] | null = null;
  #startupTime: string | null = null;
  /** The startup time read by the probe that preceded the current client. */
  #probedStartup: string | null = null;
  #events = 0;
  #malformed = 0;
  #unknown = 0;
  #reconnects = 0;
  #opens = 0;
  #variableReads = 0;
  #legReads = 0;
  readonly #start = new StartGate<AriClientError>();
  /** What was not understood, by field; metrics read it. */
  readonly malformedInputs: MalformedInputs;

  /** Hint folding, per-channel facts and delivery, shared with the other Asterisk source. */
  readonly #fanout: PbxEventFanout;

  constructor(options: AriSourceOptions, internals: AriSourceInternals = {}) {
    this.#options = resolveAriOptions(options);
    this.#fanout = new PbxEventFanout(this.#options.logger);
    const o = this.#options;
    this.name = o.name;
    this.malformedInputs = options.malformedInputs ?? new MalformedCounter({ logger: o.logger, now: o.now });
    this.#http = new AriHttp({
      url: o.url,
      username: o.username,
      password: o.password,
      timeoutMs: o.requestTimeoutMs,
      queue: o.queue,
      fetch: o.fetch,
    });
    this.#stream = new AriEventStream(
      {
        url: o.url,
        username: o.username,
        password: o.password,
        app: o.app,
        connectTimeoutMs: o.requestTimeoutMs,
        pingIntervalMs: o.pingIntervalMs,
        socketRetryMs: o.socketRetryMs,
        reconnect: o.reconnect,
        logger: o.logger,
        random: o.random,
        probe: async () => {
          this.#probedStartup = await this.#readStartupTime();
        },
        ...(internals.connect ? { connect: internals.connect } : {}),
      },
      {
        open: () => void this.#onOpen(),
        down: (reason) => this.#onDown(reason),
        frame: (text) => this.#onFrame(text),
        fatal: (err) => this.#start.fail(err),
      },
    );
  }

  get status(): AriStatus {
    return this.#stream.status;
  }

  /**
   * Connects and resolves once the first socket is open and `connected` was emitted.
   * Rejects (and stops) on refused credentials or when nothing worked within startTimeoutMs;
   * later losses are retried without end.
   */
  start(): Promise<void> {
    return this.#start.open(
      this.#options.startTimeoutMs,
      () => new AriTimeoutError('connect', this.#options.startTimeoutMs),
      () => {
        this.#http.open();
        this.#stream.start();
      },
      () => {
        this.#stream.stop();
        this.#http.close('start failed');
      },
    );
  }

  stop(): Promise<void> {
    this.#start.fail(new AriDisconnectedError('connect', 'stopped'));
    this.#stream.stop();
    this.#http.close('stopped');
    return Promise.resolve();
  }

  onEvent(listener: (event: PbxEvent) => void): void {
    this.#fanout.on(listener);
  }

  stats(): AriSourceStats {
    return {
      requests: this.#http.requests,
      events: this.#events,
      malformed: this.#malformed,
      reconnects: this.#reconnects,
      status: this.#stream.status,
      timeouts: this.#http.timeouts,
      unknownEvents: this.#unknown,
      variableReads: this.#variableReads,
      legReads: this.#legReads,
      queue: this.#http.queued,
    };
  }

  /** `GET /bridges` then `GET /channels` (resource_bridges.c lists ast_bridges(): every visible bridge). */
  async listBridges(): Promise<BridgeSnapshot[]> {
    const bridges = await this.#http.get('/bridges');
    const channels = await this.#http.get('/channels');
    const { snapshots, problems } = joinBridgesAndChannels(bridges.body, channels.body);
    this.#reportListingProblems(problems);
    return snapshots;
  }

  /**
   * Few bridges: `GET /bridges/{id}` each (404 = gone); many: one `GET /bridges`. The snapshot
   * is refreshed at the end of bridge_reconfigured, so either shows the current technology.
   */
  async bridgeTechnologies(bridgeIds: readonly string[]): Promise<Map<string, BridgeTechnology>> {
    const result = new Map<string, BridgeTechnology>();
    const wanted = [...new Set(bridgeIds)];
    if (wanted.length === 0) return result;
    if (wanted.length <= this.#options.singleBridgeQueryLimit) {
      const techs = await Promise.all(wanted.map((id) => this.#bridgeTechnology(id)));
      wanted.forEach((id, i) => {
        const t = techs[i];
        if (t) result.set(id, t);
      });
      return result;
    }
    const list = await this.#http.get('/bridges');
    if (!Array.isArray(list.body)) throw new AriBadResponseError('GET /bridges', ['reply is not an array']);
    const want = new Set(wanted);
    for (const [i, item] of list.body.entries()) {
      const p = new FieldProblems();
      const b = readBridgeJson(item, p, `bridges[${i}]`);
      if (!p.ok) {
        this.#reportListingProblems([{ what: 'GET /bridges item', problems: p.list }]);
        continue;
      }
      if (want.has(b.id)) result.set(b.id, b.technology);
    }
    return result;
  }

  async #bridgeTechnology(id: string): Promise<BridgeTechnology | null> {
    try {
      const reply = await this.#http.get(`/bridges/${encodeURIComponent(id)}`);
      const p = new FieldProblems();
      const b = readBridgeJson(reply.body, p);
      if (!p.ok) throw new AriBadResponseError(`GET /bridges/${id}`, p.list);
      return b.technology;
    } catch (err) {
      if (err instanceof AriNotFoundError) return null;
      throw err;
    }
  }

  /**
   * The AMI leg reader with `GET /channels/{id}/variable` as its Getvar: the same CHANNEL()
   * items, the same skip rule (src once per channel; direct/secure only when the endpoint is
   * configured for them) and the same value parsers. Rejects with AriNotFoundError when the
   * channel is gone.
   */
  async readLeg(channel: ChannelInfo): Promise<RtpLeg> {
    const gone = this.#fanout.gone;
    gone.check(channel.id, channel.name);
    this.#legReads++;
    const facts = channel.driver === 'pjsip' ? await this.endpointFacts(channel).catch(() => null) : null;
    const failed: string[] = [];
    const result = await readRtpLeg(
      {
        getvar: (id, variable) =>
          gone.guard(id, channel.name, () => {
            this.#variableReads++;
            return readChannelVariable(this.#http, id, variable, (why) => failed.push(why));
          }),
        // chan_sip's peer settings (SIPshowpeer) have no ARI counterpart: direct media unknown,
        // which the reader takes as on (the unsafe value).
        sipDirectMedia: () => Promise.resolve(null),
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
    // 404s of a channel that hung up while it was read say nothing wrong.
    gone.check(channel.id, channel.name);
    if (result.leg.local) this.#fanout.boundAddress.set(channel.id, result.leg.local);
    if (result.problems.length > 0 || failed.length > 0) {
      this.#options.logger.warn('rtp leg partly unreadable', {
        channel: channel.name,
        problems: result.problems,
        replies: failed,
      });
    }
    return result.leg;
  }

  /**
   * pjsip endpoints only, from the sorcery object (endpoint-facts.ts); null when Asterisk
   * refuses that request. `GET /endpoints/PJSIP/{name}` carries no option, so there is no
   * other ARI source for rtp_timeout, ice_support, rtcp_mux or tos_audio.
   */
  endpointFacts(channel: ChannelInfo): Promise<EndpointFacts | null> {
    if (channel.driver !== 'pjsip' || !channel.endpoint) return Promise.resolve(null);
    return this.#cached(this.#endpointCache, channel.endpoint, (name) => this.#pjsipEndpointFacts(name));
  }

  async #pjsipEndpointFacts(endpoint: string): Promise<EndpointFacts | null> {
    const path = `/asterisk/config/dynamic/res_pjsip/endpoint/${encodeURIComponent(endpoint)}`;
    let body: unknown;
    try {
      body = (await this.#http.get(path)).body;
    } catch (err) {
      if (err instanceof AriHttpError) {
        this.#options.logger.warn('endpoint configuration not readable over ARI', {
          endpoint,
          status: err.status,
          message: err.ariMessage,
        });
        return null;
      }
      throw err;
    }
    const r = endpointFactsFromConfigTuples(endpoint, body);
    if (r.kind === 'malformed') {
      this.#noteMalformed('endpoint configuration', `${endpoint}: ${r.problems.join('; ')}`);
      return null;
    }
    return r.facts;
  }

  /** `POST /channels/{id}/variable` takes one variable per request (ast_ari_channels_set_channel_var). */
  async setChannelVars(channelId: string, vars: Readonly<Record<string, string>>): Promise<void> {
    // A channel that hung up has no variables to set (404); the UserEvent carries the counts.
    if (this.#fanout.gone.has(channelId)) return;
    const path = `/channels/${encodeURIComponent(channelId)}/variable`;
    await Promise.all(
      Object.entries(vars).map(([variable, value]) => this.#http.post(path, { variable, value })),
    );
  }

  /**
   * `POST /events/user/{name}` with `application` (required) and `variables` in the body as
   * `{"variables": {…}}` (resource_events.c ast_ari_events_user_event). Apps subscribed to
   * nothing in particular still receive it as `ChannelUserevent` with `userevent` = name;
   * AMI listeners see `UserEvent`.
   */
  async userEvent(name: string, fields: Readonly<Record<string, string>>): Promise<void> {
    await this.#http.post(
      `/events/user/${encodeURIComponent(name)}`,
      { application: this.#options.app },
      { variables: fields },
    );
  }

  // --- session lifecycle -------------------------------------------------------------

  /** `GET /asterisk/info` → `status.startup_time` (res/ari/resource_asterisk.c). */
  async #readStartupTime(): Promise<string> {
    const reply = await this.#http.get('/asterisk/info', { only: 'status' });
    const p = new FieldProblems();
    const body = isObject(reply.body) ? reply.body : {};
    const status = requireObject(body, 'status', p);
    const startup = requireString(status, 'startup_time', p, 'status.startup_time');
    if (!p.ok) {
      this.#options.logger.warn('GET /asterisk/info without startup_time; restart detection unavailable', {
        problems: p.list,
      });
    }
    return startup;
  }

  async #onOpen(): Promise<void> {
    this.#buffered = [];
    const first = this.#opens === 0;
    this.#opens++;
    if (!first) this.#reconnects++;
    let startupTime = this.#probedStartup ?? '';
    this.#probedStartup = null;
    if (startupTime === '') {
      // ari-client reopened the socket by itself: ask again.
      try {
        startupTime = await this.#readStartupTime();
      } catch (err) {
        this.#options.logger.warn('GET /asterisk/info failed; restart detection unavailable', {
          error: (err as Error).message,
        });
      }
    }
    if (this.#buffered === null) return; // lost again meanwhile; the next open reports
    const restarted = this.#startupTime !== null && startupTime !== '' && startupTime !== this.#startupTime;
    if (startupTime !== '') this.#startupTime = startupTime;
    if (restarted) {
      // Nothing learned from the old process is valid: its channels are gone.
      this.#fanout.held.clear();
      this.#endpointCache.clear();
      this.#fanout.boundAddress.clear();
    }
    this.#options.logger.info('ari connected', { startupTime, restarted });
    const buffered = this.#buffered;
    this.#buffered = null;
    this.#fanout.emit({ kind: 'connected', source: this.name, startupTime, restarted });
    this.#start.succeed();
    for (const text of buffered) this.#handleFrame(text);
  }

  #onDown(reason: string): void {
    const wasReported = this.#buffered === null;
    this.#buffered = null;
    // Hangups may be missed while down, and a restarted Asterisk reuses nothing.
    this.#fanout.connectionLost();
    if (wasReported) this.#fanout.emit({ kind: 'disconnected', source: this.name, reason });
  }

  #onFrame(text: string): void {
    if (this.#buffered) {
      this.#buffered.push(text);
      return;
    }
    this.#handleFrame(text);
  }

  /** The delivery edge: nothing Asterisk sends may throw out of here. */
  #handleFrame(text: string): void {
    this.#events++;
    try {
      this.#translateAndDeliver(text);
    } catch (err) {
      this.#noteMalformed('frame', `translation threw: ${(err as Error).message}`);
    }
  }

  #noteMalformed(field: string, detail: string): void {
    this.#malformed++;
    this.malformedInputs.note(`ari:${this.name}`, field, detail);
  }

  #translateAndDeliver(text: string): void {
    const t = translateAriFrame(text);
    if (t.kind === 'malformed' || t.kind === 'unknown') {
      if (t.kind === 'unknown') this.#unknown++;
      const why = t.kind === 'malformed' ? t.problems.join('; ') : 'event type not known to this adapter';
      this.#noteMalformed(t.kind === 'unknown' ? 'type' : t.eventType || 'frame', `${t.eventType}: ${why}`);
      return;
    }
    if (t.kind === 'ignored') return;
    this.#fanout.deliver(t.event);
  }

  #reportListingProblems(problems: readonly ListingProblem[]): void {
    for (const p of problems) this.#noteMalformed(p.what, p.problems.join('; '));
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
