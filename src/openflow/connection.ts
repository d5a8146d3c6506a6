/**
 * One OpenFlow 1.3 connection to a switch: handshake, request/reply by xid, pipelined flow
 * mods with one barrier per batch, ONF bundles, multipart replies, our own echo keepalive and
 * reconnection with backoff. Everything on the wire goes through `codec/`.
 *
 * Handshake (OpenFlow 1.3.5 §6.3.1, OVS behaviour in the comments): HELLO with a bitmap
 * naming only 1.3; FEATURES_REQUEST and GET_CONFIG_REQUEST; SET_CONFIG keeping the frag
 * flags as read (they are bridge-wide in OVS) with a non-zero miss_send_len (a `.mgmt`
 * connection otherwise receives no FLOW_REMOVED or PORT_STATUS, ofproto/connmgr.c
 * `ofconn_receives_async_msg`); SET_ASYNC masking PACKET_IN; a BARRIER to learn that all of
 * it was accepted. Only then is the connection `ready`.
 */

import { EventEmitter } from 'node:events';
import { DEFAULT_BACKOFF, reconnectDelay, type BackoffPolicy } from './backoff.js';
import { systemClock, type Clock, type Timer } from './clock.js';
import {
  MultipartAssembler,
  OFP13_VERSION,
  OFP_DEFAULT_MISS_SEND_LEN,
  OFP_HEADER_LEN,
  OFPBCT_COMMIT_REPLY,
  OFPBCT_COMMIT_REQUEST,
  OFPBCT_DISCARD_REQUEST,
  OFPBCT_OPEN_REPLY,
  OFPBCT_OPEN_REQUEST,
  OFPBF_ATOMIC,
  OFPBF_ORDERED,
  OFPFC_ADD,
  OFPFC_DELETE,
  OFPFC_DELETE_STRICT,
  OFPHFC_INCOMPATIBLE,
  OFPET_HELLO_FAILED,
  OFPMP_AGGREGATE,
  OFPMP_FLOW,
  OFPMP_PORT_DESC,
  OFPPR_ADD,
  OFPPR_DELETE,
  OFPPR_MODIFY,
  OFPRR_DELETE,
  OFPRR_GROUP_DELETE,
  OFPRR_HARD_TIMEOUT,
  OFPRR_IDLE_TIMEOUT,
  OFPT_BARRIER_REPLY,
  OFPT_BARRIER_REQUEST,
  OFPT_ECHO_REPLY,
  OFPT_ECHO_REQUEST,
  OFPT_ERROR,
  OFPT_EXPERIMENTER,
  OFPT_FEATURES_REPLY,
  OFPT_FLOW_REMOVED,
  OFPT_GET_CONFIG_REPLY,
  OFPT_HELLO,
  OFPT_MULTIPART_REPLY,
  OFPT_PACKET_IN,
  OFPT_PORT_STATUS,
  OFPTT_ALL,
  OfpFramer,
  bundleAddFlowModLength,
  decodeError,
  decodeExperimenter,
  decodeFeaturesReply,
  decodeFlowRemoved,
  decodeGetConfigReply,
  decodeHello,
  decodePortStatus,
  echoReplyFor,
  encodeAggregateStatsRequest,
  encodeBundleControl,
  encodeEchoRequest,
  encodeError,
  encodeFeaturesRequest,
  encodeFlowStatsRequest,
  encodeGetConfigRequest,
  encodeHello,
  encodePortDescRequest,
  encodeSetAsync,
  encodeSetConfig,
  flowModLength,
  negotiateVersion,
  readAggregateStatsBody,
  readFlowStatsBody,
  readMultipart,
  readPorts,
  writeBundleAddFlowMod,
  writeFlowMod,
  writeHeader,
  type AggregateStats,
  type FeaturesReply,
  type FlowModFields,
  type FlowRemoved,
  type FlowStatsEntry,
  type FlowStatsFilter,
  type Hello,
  type Match,
  type Port,
  type PortStatus,
} from './codec/index.js';
import {
  OpenFlowArgumentError,
  OpenFlowBatchError,
  OpenFlowDisconnectedError,
  OpenFlowError,
  OpenFlowHandshakeError,
  OpenFlowTimeoutError,
  ProtocolError,
  type BatchFailure,
} from './errors.js';
import { EchoKeepalive } from './keepalive.js';
import { PendingRequests } from './requests.js';
import { connectTransport, parseTarget, type TransportSocket } from './transport.js';

export type ConnectionStatus = 'idle' | 'connecting' | 'handshaking' | 'ready' | 'reconnecting' | 'closed';

export interface OpenFlowLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

const silentLogger: OpenFlowLogger = { debug() {}, info() {}, warn() {} };

export interface OpenFlowConnectionOptions {
  /** `unix:/run/openvswitch/breth0.mgmt` or `tcp:host:port`. */
  readonly target: string;
  /** Opens the transport; defaults to a unix or TCP socket chosen from `target`. */
  readonly connect?: (target: string) => TransportSocket;
  readonly clock?: Clock;
  /** Jitter source for backoff, [0, 1). */
  readonly random?: () => number;
  readonly logger?: OpenFlowLogger;
  /** Silence before we send an ECHO_REQUEST. @default 5000 */
  readonly echoIntervalMs?: number;
  /** Silence after which the switch is declared dead and the connection dropped. @default 15000 */
  readonly deadAfterMs?: number;
  /** Time allowed for any request's reply. @default 30000 */
  readonly requestTimeoutMs?: number;
  /** Time allowed for each handshake step (HELLO, features and config, setup barrier). @default 10000 */
  readonly handshakeTimeoutMs?: number;
  /** Reconnect policy, or `false` to end in `closed` when the connection is lost. */
  readonly reconnect?: BackoffPolicy | false;
  /** miss_send_len for SET_CONFIG; must be non-zero for async messages on `.mgmt`. @default 128 */
  readonly missSendLen?: number;
}

export type FlowModOutcome = { readonly ok: true } | { readonly ok: false; readonly error: OpenFlowError };

/** Which flows a delete removes: all tables unless `tableId` says otherwise. */
export interface DeleteFlowsFilter {
  readonly cookie?: bigint;
  /** Only flows with `(flow.cookie & mask) == (cookie & mask)`; 0 = any. */
  readonly cookieMask?: bigint;
  readonly tableId?: number;
  /** Flows at least as specific as this match (exactly this match with `strict`). */
  readonly match?: Match;
  readonly outPort?: number;
  readonly outGroup?: number;
  /** DELETE_STRICT: exact match and priority. */
  readonly strict?: boolean;
  readonly priority?: number;
  /**
   * A delete with neither a cookie mask nor a match removes every flow on the bridge, the
   * default NORMAL flow (and so the host's own traffic) included; it is refused unless this
   * says it is meant.
   */
  readonly unfiltered?: boolean;
}

export interface ReconnectInfo {
  readonly epoch: number;
  /** From losing the ready connection to being ready again. */
  readonly downtimeMs: number;
  /** Attempts it took. */
  readonly attempts: number;
}

export interface OpenFlowConnectionEvents {
  /** Every status change; `setStatus` also logs it as `from -> to`. */
  status: [to: ConnectionStatus, from: ConnectionStatus];
  /** Ready again after a loss. Flows may be gone (a restarted vswitchd keeps none): resync. */
  reconnected: [info: ReconnectInfo];
  flowRemoved: [message: FlowRemoved];
  portStatus: [message: PortStatus];
}

export interface ConnectionCounters {
  /** Connections made ready, the first included. */
  readonly readyCount: number;
  readonly packetInDrained: number;
  /** ERRORs whose xid matched nothing outstanding. */
  readonly unsolicitedErrors: number;
}

const OK: FlowModOutcome = Object.freeze({ ok: true });
const noop = (): void => undefined;

/** Bitmasks for SET_ASYNC (1.3.5 §7.3.10): element 0 for role EQUAL/MASTER, 1 for SLAVE. */
const PORT_STATUS_ALL = (1 << OFPPR_ADD) | (1 << OFPPR_DELETE) | (1 << OFPPR_MODIFY);
const FLOW_REMOVED_ALL =
  (1 << OFPRR_IDLE_TIMEOUT) | (1 << OFPRR_HARD_TIMEOUT) | (1 << OFPRR_DELETE) | (1 << OFPRR_GROUP_DELETE);

export class OpenFlowConnection extends EventEmitter<OpenFlowConnectionEvents> {
  readonly target: string;
  private readonly openSocket: (target: string) => TransportSocket;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: OpenFlowLogger;
  private readonly requestTimeoutMs: number;
  private readonly handshakeTimeoutMs: number;
  private readonly backoff: BackoffPolicy | false;
  private readonly missSendLen: number;
  private readonly pending: PendingRequests;
  private readonly keepalive: EchoKeepalive;

  private _status: ConnectionStatus = 'idle';
  /** Bumped whenever a socket is opened or given up, so callbacks of older sockets do nothing. */
  private epoch = 0;
  private socket: TransportSocket | undefined;
  private framer = new OfpFramer();
  private negotiated = false;
  private helloWaiter: { resolve: (h: Hello) => void; reject: (e: Error) => void; timer: Timer } | undefined;
  private lastSocketError: Error | undefined;
  private reconnectTimer: Timer | undefined;
  /** Consecutive attempts since the last ready connection. */
  private attempts = 0;
  private lostReadyAt: number | undefined;
  private readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private _features: FeaturesReply | undefined;
  private nextBundleId = 1;
  private counters = { readyCount: 0, packetInDrained: 0, unsolicitedErrors: 0 };

  constructor(options: OpenFlowConnectionOptions) {
    super();
    parseTarget(options.target);
    this.target = options.target;
    this.openSocket = options.connect ?? connectTransport;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.log = options.logger ?? silentLogger;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
    this.backoff = options.reconnect ?? DEFAULT_BACKOFF;
    this.missSendLen = options.missSendLen ?? OFP_DEFAULT_MISS_SEND_LEN;
    if (this.missSendLen < 1 || this.missSendLen > 0xffff) {
      throw new RangeError(`missSendLen must be 1..65535, got ${this.missSendLen}`);
    }
    this.pending = new PendingRequests(this.clock);
    const deadAfterMs = options.deadAfterMs ?? 15_000;
    this.keepalive = new EchoKeepalive({
      clock: this.clock,
      intervalMs: Math.min(options.echoIntervalMs ?? 5_000, deadAfterMs),
      deadAfterMs,
      sendProbe: () => this.write(encodeEchoRequest(this.pending.allocate())),
      onDead: (silentMs) => {
        this.log.warn(
          `openflow ${this.target}: switch silent for ${Math.round(silentMs)} ms, declaring it dead`,
        );
        this.lost(this.epoch, new OpenFlowTimeoutError('switch keepalive', deadAfterMs));
      },
    });
  }

  /** Connects and resolves once ready; retries per the reconnect policy until then. */
  static async open(options: OpenFlowConnectionOptions): Promise<OpenFlowConnection> {
    const connection = new OpenFlowConnection(options);
    await connection.connect();
    return connection;
  }

  get status(): ConnectionStatus {
    return this._status;
  }

  /** The switch's FEATURES_REPLY from the latest handshake. */
  get features(): FeaturesReply | undefined {
    return this._features;
  }

  get stats(): ConnectionCounters {
    return { ...this.counters };
  }

  /**
   * Starts connecting (if idle) and resolves when ready. While the switch is unreachable it
   * keeps retrying with backoff; it rejects only if `close()` is called first (or, with
   * reconnect disabled, when the attempt fails).
   */
  connect(): Promise<void> {
    if (this._status === 'closed')
      return Promise.reject(new OpenFlowDisconnectedError('connection is closed'));
    if (this._status === 'ready') return Promise.resolve();
    const ready = new Promise<void>((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
    if (this._status === 'idle') this.open();
    return ready;
  }

  /** Closes for good: pending requests reject with OpenFlowDisconnectedError, no reconnect. */
  async close(): Promise<void> {
    if (this._status === 'closed') return;
    this.reconnectTimer?.cancel();
    this.reconnectTimer = undefined;
    this.setStatus('closed');
    this.lost(this.epoch, new Error('closed by client'));
    this.settleReadyWaiters(new OpenFlowDisconnectedError('connection closed before it was ready'));
  }

  // ---- requests -------------------------------------------------------------------------

  /** Resolves when the switch has processed everything sent before (1.3.5 §6.2). */
  async barrier(): Promise<void> {
    this.assertReady();
    const xid = this.pending.allocate();
    const reply = this.pending.expect(xid, 'BARRIER_REQUEST', this.requestTimeoutMs);
    this.write(barrierRequest(xid));
    expectType(await reply, OFPT_BARRIER_REPLY);
  }

  /** Round trip of an ECHO_REQUEST, in milliseconds. */
  async echo(data: Buffer = Buffer.alloc(8)): Promise<number> {
    this.assertReady();
    const xid = this.pending.allocate();
    const start = this.clock.now();
    const reply = this.pending.expect(xid, 'ECHO_REQUEST', this.requestTimeoutMs);
    this.write(encodeEchoRequest(xid, data));
    expectType(await reply, OFPT_ECHO_REPLY);
    return this.clock.now() - start;
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
    const { command } = options;
    const errors = await this.pipeline(
      mods.length,
      (i) => flowModLength(mods[i]!),
      (buf, off, xid, i) => writeFlowMod(buf, off, xid, mods[i]!, command ?? mods[i]!.command ?? OFPFC_ADD),
      'flow mods',
    );
    const outcomes: FlowModOutcome[] = new Array<FlowModOutcome>(mods.length).fill(OK);
    for (const [index, error] of errors) outcomes[index] = { ok: false, error };
    return outcomes;
  }

  /** Adds flows (pipelined, one barrier); rejects with OpenFlowBatchError naming each refused one. */
  async addFlows(specs: readonly FlowModFields[]): Promise<void> {
    const outcomes = await this.flowMods(specs, { command: OFPFC_ADD });
    const failures = collectFailures(outcomes);
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

  /**
   * Applies the flow mods atomically through an ONF bundle (OF1.3 extension): all or none.
   * Open and adds go out pipelined with a barrier; OVS refuses a bad add at add time but keeps
   * the bundle open, so if any add was refused the bundle is discarded rather than committed.
   * A commit can still fail as a whole (e.g. OVERLAP found then): the switch reports the
   * failing add's error and MSG_FAILED, and applies nothing. Either way: OpenFlowBatchError.
   */
  async bundle(
    mods: readonly FlowModFields[],
    options: { command?: number; flags?: number } = {},
  ): Promise<void> {
    this.assertReady();
    const flags = options.flags ?? OFPBF_ATOMIC | OFPBF_ORDERED;
    const command = options.command;
    const bundleId = this.nextBundleId++ >>> 0;
    const n = mods.length;
    // xids: open, n adds, barrier; then commit or discard, allocated later.
    const openXid = this.pending.allocate(n + 2);
    const range = this.pending.trackRange(openXid + 1, n);
    try {
      const opened = this.pending.expect(openXid, 'bundle open', this.requestTimeoutMs);
      const barrier = this.pending.expect(
        openXid + n + 1,
        'barrier after bundle adds',
        this.requestTimeoutMs,
      );
      opened.catch(noop);
      barrier.catch(noop);
      let total = BUNDLE_CONTROL_LEN + OFP_HEADER_LEN;
      for (let i = 0; i < n; i++) total += bundleAddFlowModLength(mods[i]!);
      const buf = Buffer.allocUnsafe(total);
      buf.set(
        encodeBundleControl({
          type: 'BUNDLE_CONTROL',
          xid: openXid,
          bundleId,
          bundleType: OFPBCT_OPEN_REQUEST,
          flags,
        }),
      );
      let off = BUNDLE_CONTROL_LEN;
      for (let i = 0; i < n; i++) {
        const m = mods[i]!;
        off = writeBundleAddFlowMod(
          buf,
          off,
          openXid + 1 + i,
          bundleId,
          flags,
          m,
          command ?? m.command ?? OFPFC_ADD,
        );
      }
      writeHeader(buf, off, OFPT_BARRIER_REQUEST, OFP_HEADER_LEN, openXid + n + 1);
      this.write(buf);
      const [openResult, barrierResult] = await Promise.allSettled([opened, barrier]);
      if (barrierResult.status === 'rejected') throw barrierResult.reason;
      const failures = failuresOf(range.errors);
      if (openResult.status === 'rejected' || failures.length > 0) {
        await this.bundleControl(bundleId, OFPBCT_DISCARD_REQUEST, flags).catch(noop);
        if (openResult.status === 'rejected') throw openResult.reason;
        throw new OpenFlowBatchError(failures, true);
      }
      expectBundleReply(openResult.value, OFPBCT_OPEN_REPLY);
      try {
        expectBundleReply(
          await this.bundleControl(bundleId, OFPBCT_COMMIT_REQUEST, flags),
          OFPBCT_COMMIT_REPLY,
        );
      } catch (err) {
        if (!(err instanceof OpenFlowError)) throw err;
        throw new OpenFlowBatchError(failuresOf(range.errors), true, err);
      }
    } finally {
      this.pending.untrackRange(range);
    }
  }

  /** FLOW stats, reassembled from all parts of the reply. */
  async flowStats(filter: FlowStatsFilter = {}): Promise<FlowStatsEntry[]> {
    this.assertReady();
    const xid = this.pending.allocate();
    return readFlowStatsBody(
      await this.multipart(encodeFlowStatsRequest(xid, filter), xid, OFPMP_FLOW, 'FLOW stats'),
    );
  }

  /** Packet, byte and flow counts summed over the flows the filter selects. */
  async aggregateStats(filter: FlowStatsFilter = {}): Promise<AggregateStats> {
    this.assertReady();
    const xid = this.pending.allocate();
    const body = await this.multipart(
      encodeAggregateStatsRequest(xid, filter),
      xid,
      OFPMP_AGGREGATE,
      'AGGREGATE stats',
    );
    return readAggregateStatsBody(body);
  }

  /** The switch's ports (OF1.3 lists them here, not in FEATURES_REPLY). */
  async portDesc(): Promise<Port[]> {
    this.assertReady();
    const xid = this.pending.allocate();
    return readPorts(await this.multipart(encodePortDescRequest(xid), xid, OFPMP_PORT_DESC, 'PORT_DESC'));
  }

  // ---- plumbing ----------------------------------------------------------------------------

  /**
   * Writes `count` messages and a barrier as one buffer, then waits for the barrier; returns
   * the ERRORs by message index. Everything is encoded before anything is sent, so a bad
   * argument (e.g. an invalid address) throws with nothing applied. The buffer holds the whole
   * batch (~250 bytes per rewrite flow mod): split batches of millions.
   */
  private async pipeline(
    count: number,
    sizeOf: (i: number) => number,
    writeAt: (buf: Buffer, off: number, xid: number, i: number) => number,
    what: string,
  ): Promise<Map<number, OpenFlowError>> {
    this.assertReady();
    let total = OFP_HEADER_LEN;
    for (let i = 0; i < count; i++) total += sizeOf(i);
    const buf = Buffer.allocUnsafe(total);
    const first = this.pending.allocate(count + 1);
    let off = 0;
    for (let i = 0; i < count; i++) off = writeAt(buf, off, first + i, i);
    writeHeader(buf, off, OFPT_BARRIER_REQUEST, OFP_HEADER_LEN, first + count);
    const range = this.pending.trackRange(first, count);
    try {
      const barrier = this.pending.expect(
        first + count,
        `barrier after ${count} ${what}`,
        this.requestTimeoutMs,
      );
      this.write(buf);
      expectType(await barrier, OFPT_BARRIER_REPLY);
      return range.errors;
    } finally {
      this.pending.untrackRange(range);
    }
  }

  private async bundleControl(bundleId: number, bundleType: number, flags: number): Promise<Buffer> {
    const xid = this.pending.allocate();
    const reply = this.pending.expect(xid, 'bundle control', this.requestTimeoutMs);
    this.write(encodeBundleControl({ type: 'BUNDLE_CONTROL', xid, bundleId, bundleType, flags }));
    return reply;
  }

  /** Sends a multipart request and resolves with the joined bodies of every reply part. */
  private multipart(request: Buffer, xid: number, mpType: number, what: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const assembler = new MultipartAssembler(xid, mpType);
      this.pending.expectParts(
        xid,
        what,
        this.requestTimeoutMs,
        (message) => {
          try {
            expectType(message, OFPT_MULTIPART_REPLY);
            const body = assembler.add(readMultipart(message));
            if (body === undefined) return;
            this.pending.finish(xid);
            resolve(body);
          } catch (err) {
            this.pending.finish(xid);
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        },
        reject,
      );
      this.write(request);
    });
  }

  private assertReady(): void {
    if (this._status !== 'ready') {
      throw new OpenFlowDisconnectedError(
        `OpenFlow connection to ${this.target} is ${this._status}, not ready`,
      );
    }
  }

  private write(buf: Buffer): void {
    // OVS reads continuously; Node queues what the socket cannot take yet.
    this.socket?.write(buf);
  }

  private setStatus(to: ConnectionStatus): void {
    const from = this._status;
    if (from === to) return;
    this._status = to;
    this.log.info(`openflow ${this.target}: ${from} -> ${to}`);
    this.emitSafely('status', to, from);
  }

  /** A listener that throws must not break the read loop. */
  private emitSafely<K extends keyof OpenFlowConnectionEvents>(
    event: K,
    ...args: OpenFlowConnectionEvents[K]
  ): void {
    try {
      (this.emit as (e: K, ...a: OpenFlowConnectionEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.log.warn(
        `openflow ${this.target}: '${event}' listener threw: ${err instanceof Error ? err.stack : String(err)}`,
      );
    }
  }

  private open(): void {
    const epoch = ++this.epoch;
    this.framer = new OfpFramer();
    this.negotiated = false;
    this.lastSocketError = undefined;
    this.setStatus('connecting');
    let socket: TransportSocket;
    try {
      socket = this.openSocket(this.target);
    } catch (err) {
      this.lost(epoch, err);
      return;
    }
    this.socket = socket;
    socket.on('connect', () => {
      if (epoch !== this.epoch) return;
      this.setStatus('handshaking');
      void this.handshake(epoch);
    });
    socket.on('data', (chunk: Buffer) => this.onData(epoch, chunk));
    socket.on('error', (err: Error) => {
      if (epoch === this.epoch) this.lastSocketError = err;
    });
    socket.on('close', () =>
      this.lost(epoch, this.lastSocketError ?? new Error('connection closed by the switch')),
    );
  }

  private async handshake(epoch: number): Promise<void> {
    try {
      const peer = new Promise<Hello>((resolve, reject) => {
        const timer = this.clock.setTimeout(
          () => reject(new OpenFlowTimeoutError('HELLO from the switch', this.handshakeTimeoutMs)),
          this.handshakeTimeoutMs,
        );
        this.helloWaiter = { resolve, reject, timer };
      });
      this.write(encodeHello(this.pending.allocate(), [OFP13_VERSION]));
      const hello = await peer;
      if (epoch !== this.epoch) return;
      if (negotiateVersion([OFP13_VERSION], hello) === undefined) {
        // 1.3.5 §6.3.1: tell the peer why before closing.
        this.write(
          encodeError({
            type: 'ERROR',
            xid: hello.xid,
            errorType: OFPET_HELLO_FAILED,
            errorCode: OFPHFC_INCOMPATIBLE,
            data: Buffer.from('OpenFlow 1.3 required'),
          }),
        );
        throw new OpenFlowHandshakeError(`switch ${this.target} does not speak OpenFlow 1.3`);
      }
      this.negotiated = true;

      const fx = this.pending.allocate(2);
      const features = this.pending.expect(fx, 'FEATURES_REQUEST', this.handshakeTimeoutMs);
      const config = this.pending.expect(fx + 1, 'GET_CONFIG_REQUEST', this.handshakeTimeoutMs);
      features.catch(noop);
      config.catch(noop);
      this.write(Buffer.concat([encodeFeaturesRequest(fx), encodeGetConfigRequest(fx + 1)]));
      const featuresReply = decodeFeaturesReply(expectType(await features, OFPT_FEATURES_REPLY));
      const current = decodeGetConfigReply(expectType(await config, OFPT_GET_CONFIG_REPLY));
      if (epoch !== this.epoch) return;

      const sx = this.pending.allocate(3);
      const range = this.pending.trackRange(sx, 2);
      try {
        const barrier = this.pending.expect(sx + 2, 'handshake barrier', this.handshakeTimeoutMs);
        this.write(
          Buffer.concat([
            // Keep the flags as read: the frag mode is bridge-wide, other controllers rely on it.
            encodeSetConfig(sx, { flags: current.flags, missSendLen: this.missSendLen }),
            encodeSetAsync({
              type: 'SET_ASYNC',
              xid: sx + 1,
              packetInMask: [0, 0],
              portStatusMask: [PORT_STATUS_ALL, PORT_STATUS_ALL],
              flowRemovedMask: [FLOW_REMOVED_ALL, 0],
            }),
            barrierRequest(sx + 2),
          ]),
        );
        expectType(await barrier, OFPT_BARRIER_REPLY);
        const refused = [...range.errors.values()][0];
        if (refused)
          throw new OpenFlowHandshakeError(`switch refused the session setup: ${refused.message}`, {
            cause: refused,
          });
      } finally {
        this.pending.untrackRange(range);
      }
      if (epoch !== this.epoch) return;
      this._features = featuresReply;
      this.becomeReady();
    } catch (err) {
      if (epoch !== this.epoch) return;
      this.log.warn(
        `openflow ${this.target}: handshake failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      this.lost(epoch, err);
    }
  }

  private becomeReady(): void {
    const attempts = this.attempts;
    this.attempts = 0;
    this.counters.readyCount++;
    this.keepalive.start();
    this.setStatus('ready');
    if (this.lostReadyAt !== undefined) {
      const downtimeMs = this.clock.now() - this.lostReadyAt;
      this.lostReadyAt = undefined;
      this.log.info(`openflow ${this.target}: reconnected after ${Math.round(downtimeMs)} ms`);
      this.emitSafely('reconnected', { epoch: this.epoch, downtimeMs, attempts });
    }
    this.settleReadyWaiters();
  }

  private settleReadyWaiters(err?: Error): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) {
      if (err) w.reject(err);
      else w.resolve();
    }
  }

  /** The socket of `epoch` is gone (or must go): fail what waited on it, then maybe retry. */
  private lost(epoch: number, reason: unknown): void {
    if (epoch !== this.epoch) return;
    this.epoch++;
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
    this.keepalive.stop();
    const why = reason instanceof Error ? reason.message : String(reason);
    const err = new OpenFlowDisconnectedError(`OpenFlow connection to ${this.target} lost: ${why}`, {
      cause: reason,
    });
    if (this.helloWaiter) {
      this.helloWaiter.timer.cancel();
      this.helloWaiter.reject(err);
      this.helloWaiter = undefined;
    }
    this.pending.rejectAll(err);
    if (this._status === 'closed') return;
    if (this._status === 'ready') this.lostReadyAt = this.clock.now();
    if (this.backoff === false) {
      this.setStatus('closed');
      this.settleReadyWaiters(err);
      return;
    }
    this.attempts++;
    const delay = reconnectDelay(this.attempts, this.backoff, this.random);
    this.setStatus('reconnecting');
    this.log.info(`openflow ${this.target}: ${why}; retrying in ${delay} ms (attempt ${this.attempts})`);
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this._status === 'reconnecting') this.open();
    }, delay);
  }

  private onData(epoch: number, chunk: Buffer): void {
    if (epoch !== this.epoch) return;
    try {
      this.framer.push(chunk, (message) => this.onMessage(epoch, message));
    } catch (err) {
      this.log.warn(
        `openflow ${this.target}: ${err instanceof Error ? err.message : String(err)}; dropping connection`,
      );
      this.lost(epoch, err);
    }
  }

  /** Handles one framed message. Never throws: the framer's loop must go on. */
  private onMessage(epoch: number, message: Buffer): void {
    if (epoch !== this.epoch) return;
    this.keepalive.heard();
    const type = message[1]!;
    const xid = message.readUInt32BE(4);
    if (this.negotiated && message[0] !== OFP13_VERSION && type !== OFPT_HELLO && type !== OFPT_ERROR) {
      this.lost(epoch, new ProtocolError(`message of version ${message[0]} on a 1.3 connection`, 0));
      return;
    }
    try {
      switch (type) {
        case OFPT_HELLO:
          if (this.helloWaiter) {
            const waiter = this.helloWaiter;
            this.helloWaiter = undefined;
            waiter.timer.cancel();
            waiter.resolve(decodeHello(message));
          }
          return;
        case OFPT_ECHO_REQUEST:
          this.write(echoReplyFor(message));
          return;
        case OFPT_ERROR:
          this.onErrorMessage(message);
          return;
        case OFPT_FLOW_REMOVED:
          this.emitSafely('flowRemoved', decodeFlowRemoved(message));
          return;
        case OFPT_PORT_STATUS:
          this.emitSafely('portStatus', decodePortStatus(message));
          return;
        case OFPT_PACKET_IN:
          // SET_ASYNC masks these; any that arrive before it applies are dropped unread.
          if (this.counters.packetInDrained++ === 0)
            this.log.debug(`openflow ${this.target}: dropping PACKET_IN`);
          return;
      }
      if (!this.pending.resolve(xid, message) && type !== OFPT_ECHO_REPLY) {
        this.log.debug(`openflow ${this.target}: unexpected message type ${type} xid ${xid}`);
      }
    } catch (err) {
      // A malformed message fails its own request, if any; the stream itself is still framed.
      const error = err instanceof Error ? err : new Error(String(err));
      if (this.pending.reject(xid, error)) return;
      this.log.warn(`openflow ${this.target}: bad message type ${type} xid ${xid}: ${error.message}`);
    }
  }

  private onErrorMessage(message: Buffer): void {
    const e = decodeError(message);
    const error = new OpenFlowError({
      errorType: e.errorType,
      errorCode: e.errorCode,
      experimenter: e.experimenter,
      xid: e.xid,
      // A copy: the message is a view into a socket read.
      data: Buffer.from(e.data),
    });
    if (this.pending.reject(e.xid, error)) return;
    if (this.pending.recordRangeError(error)) return;
    this.counters.unsolicitedErrors++;
    this.log.warn(`openflow ${this.target}: unsolicited ${error.message}`);
  }
}

const BUNDLE_CONTROL_LEN = 24;

function barrierRequest(xid: number): Buffer {
  const buf = Buffer.allocUnsafe(OFP_HEADER_LEN);
  writeHeader(buf, 0, OFPT_BARRIER_REQUEST, OFP_HEADER_LEN, xid);
  return buf;
}

function expectType(message: Buffer, type: number): Buffer {
  if (message[1] !== type) throw new ProtocolError(`expected message type ${type}, got ${message[1]}`, 1);
  return message;
}

function expectBundleReply(message: Buffer, bundleType: number): void {
  expectType(message, OFPT_EXPERIMENTER);
  const reply = decodeExperimenter(message);
  if (reply.type !== 'BUNDLE_CONTROL' || reply.bundleType !== bundleType) {
    throw new ProtocolError(`expected bundle control reply type ${bundleType}`, 16);
  }
}

function failuresOf(errors: ReadonlyMap<number, OpenFlowError>): BatchFailure[] {
  return [...errors].map(([index, error]) => ({ index, error })).sort((a, b) => a.index - b.index);
}

function collectFailures(outcomes: readonly FlowModOutcome[]): BatchFailure[] {
  const failures: BatchFailure[] = [];
  outcomes.forEach((o, index) => {
    if (!o.ok) failures.push({ index, error: o.error });
  });
  return failures;
}
