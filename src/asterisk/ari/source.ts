/**
 * The PBX as seen over ARI: `PbxSource` on top of one event socket (ari-client) and REST
 * requests (http.ts). This class owns and wires the parts, each with one job: session
 * reports (`connected` with restart detection, `disconnected`), frame intake, bridge
 * listing and technology reads, leg reads and endpoint facts.
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
import type { Client } from 'ari-client';
import { PbxEventFanout } from '../shared/event-fanout.js';
import { MalformedCounter, MalformedTally, type MalformedInputs } from '../shared/malformed-inputs.js';
import { StartGate } from '../shared/start-gate.js';
import { AriBridgeReads } from './bridge-reads.js';
import { AriEndpointReader } from './endpoint-reader.js';
import { AriDisconnectedError, AriTimeoutError, type AriClientError } from './errors.js';
import { AriEventStream, type AriStatus } from './event-stream.js';
import { AriFrameIntake } from './frame-intake.js';
import { AriHttp } from './http.js';
import { AriLegSource } from './leg-source.js';
import { resolveAriOptions, type AriSourceOptions, type ResolvedAriSourceOptions } from './options.js';
import { AriSessionReports } from './session-reports.js';

export interface AriSourceStats extends PbxSourceStats {
  readonly status: AriStatus;
  readonly timeouts: number;
  /** Frames of a type this adapter does not know (counted in `malformed` too). */
  readonly unknownEvents: number;
  readonly variableReads: number;
  readonly legReads: number;
  readonly queue: { readonly waiting: number; readonly running: number };
}

/** Test seam: a stand-in for ari-client's connect. */
export interface AriSourceInternals {
  readonly connect?: (url: string, user: string, pass: string) => Promise<Client>;
}

export class AriSource implements PbxSource {
  readonly name: string;
  /** What was not understood, by field; metrics read it. */
  readonly malformedInputs: MalformedInputs;
  readonly #options: ResolvedAriSourceOptions;
  readonly #http: AriHttp;
  readonly #stream: AriEventStream;
  /** Hint folding, per-channel facts and delivery, shared with the other Asterisk source. */
  readonly #fanout: PbxEventFanout;
  readonly #malformed: MalformedTally;
  readonly #start = new StartGate<AriClientError>();
  readonly #bridges: AriBridgeReads;
  readonly #endpoints: AriEndpointReader;
  readonly #legs: AriLegSource;
  readonly #intake: AriFrameIntake;
  readonly #session: AriSessionReports;

  constructor(options: AriSourceOptions, internals: AriSourceInternals = {}) {
    const o = (this.#options = resolveAriOptions(options));
    this.name = o.name;
    this.#fanout = new PbxEventFanout(o.logger);
    this.malformedInputs = options.malformedInputs ?? new MalformedCounter({ logger: o.logger, now: o.now });
    this.#malformed = new MalformedTally(this.malformedInputs, `ari:${this.name}`);
    const http = (this.#http = new AriHttp({
      url: o.url,
      username: o.username,
      password: o.password,
      timeoutMs: o.requestTimeoutMs,
      queue: o.queue,
      fetch: o.fetch,
    }));
    this.#bridges = new AriBridgeReads(http, this.#malformed, o.singleBridgeQueryLimit);
    this.#endpoints = new AriEndpointReader(http, this.#malformed, o.logger, {
      ttlMs: o.endpointCacheTtlMs,
      now: o.now,
    });
    this.#legs = new AriLegSource({
      http,
      fanout: this.#fanout,
      endpoints: this.#endpoints,
      logger: o.logger,
      now: o.now,
    });
    this.#intake = new AriFrameIntake(this.#malformed, (event) => this.#fanout.deliver(event));
    this.#session = new AriSessionReports({
      name: this.name,
      logger: o.logger,
      fanout: this.#fanout,
      start: this.#start,
      get: (path, query) => http.get(path, query),
      asteriskRestarted: () => {
        // Nothing learned from the old process is valid: its channels are gone.
        this.#fanout.held.clear();
        this.#endpoints.clear();
        this.#fanout.boundAddress.clear();
      },
      handle: (text) => this.#intake.handle(text),
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
        probe: () => this.#session.probe(),
        ...(internals.connect ? { connect: internals.connect } : {}),
      },
      {
        open: () => void this.#session.open(),
        down: (reason) => this.#session.down(reason),
        frame: (text) => this.#session.frame(text),
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
      events: this.#intake.frames,
      malformed: this.#malformed.count,
      reconnects: this.#session.reconnects,
      status: this.#stream.status,
      timeouts: this.#http.timeouts,
      unknownEvents: this.#intake.unknownEvents,
      variableReads: this.#legs.variableReads,
      legReads: this.#legs.legReads,
      queue: this.#http.queued,
    };
  }

  listBridges(): Promise<BridgeSnapshot[]> {
    return this.#bridges.list();
  }

  bridgeTechnologies(bridgeIds: readonly string[]): Promise<Map<string, BridgeTechnology>> {
    return this.#bridges.technologies(bridgeIds);
  }

  readLeg(channel: ChannelInfo): Promise<RtpLeg> {
    return this.#legs.read(channel);
  }

  endpointFacts(channel: ChannelInfo): Promise<EndpointFacts | null> {
    return this.#endpoints.endpointFacts(channel);
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
}
