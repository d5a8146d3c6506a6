import type { AddressInfo } from 'node:net';
import { DependencyConnections } from './agent/connections.js';
import { pbxSource } from './agent/pbx-source.js';
import { systemClock, type Clock } from './time/clock.js';
import { loadConfig, type Config } from './config.js';
import type { AgentStatus } from './control/api.js';
import type { AgentControl } from './control/provider.js';
import { ControlServer } from './control/server.js';
import { VERSION } from './control/version.js';
import { OffloadEngine, type BridgeStatus, type EngineConfig, type LegStatus } from './engine/engine.js';
import { createLogger, type Logger } from './log.js';
import { renderMetrics } from './metrics.js';
import type { PbxSource } from './model/pbx.js';
import { InterfaceAddresses, NextHopResolver, resolveWildcard } from './net/index.js';
import { DEFAULT_BACKOFF, OpenFlowConnection, type OpenFlowLogger } from './openflow/index.js';
import type { ReasonCode } from './policy/reasons.js';
import { OpenFlowPort } from './switch/openflow-port.js';
import { PacedFlowPort } from './switch/paced-port.js';
import { MetricsServer } from './telemetry/metrics-server.js';
import { AgentMetrics } from './telemetry/prometheus.js';

export interface AgentOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** A PBX source other than AMI from the config (the tests inject nothing here normally). */
  readonly source?: PbxSource;
  /** Serve the control socket (off for in-process tests that call the agent directly). @default true */
  readonly control?: boolean;
}

export function engineConfig(cfg: Config): EngineConfig {
  return {
    policy: {
      minBridgeAgeMs: cfg.policy.minBridgeAgeMs,
      assumeSamePayloadTypes: cfg.policy.assumeSamePayloadTypes,
      trustRemoteAddress: cfg.policy.trustRemoteAddress,
      allowUnknownEndpoints: cfg.policy.allowUnknownEndpoints,
      maxOffloadedCalls: cfg.policy.maxOffloadedCalls,
      scope: {
        includeEndpoints: cfg.policy.includeEndpoints,
        excludeEndpoints: cfg.policy.excludeEndpoints,
        includeContexts: cfg.policy.includeContexts,
        excludeContexts: cfg.policy.excludeContexts,
      },
      rtcpIntervalSec: cfg.policy.rtcpIntervalSec,
    },
    plan: {
      cookieTag: cfg.switch.cookieTag,
      table: cfg.switch.table,
      priority: cfg.switch.priority,
      idleTimeout: cfg.switch.idleTimeout,
      watchIdleTimeout: cfg.switch.watchIdleTimeout,
      ttl: cfg.switch.ttl,
      vlan: cfg.switch.vlan,
    },
    dryRun: cfg.dryRun,
    localAddresses: cfg.policy.localAddresses,
    relistIntervalMs: cfg.asterisk.relistIntervalMs,
    ...cfg.engine,
  };
}

/**
 * How old the periodic audit's counters may be for a `list` to be served from them rather
 * than from a dump of every flow of its own (seconds at 5,000 calls).
 */
const LIST_COUNTERS_MAX_AGE_MS = 3000;

/**
 * The running agent: Asterisk in, flows out. Wires the adapters around the engine and
 * serves the control API. Every part keeps running when another fails: a dead switch
 * leaves calls with Asterisk, a dead Asterisk connection keeps flows for a grace period.
 */
export class Agent implements AgentControl {
  readonly engine: OffloadEngine;
  private readonly startedAt = new Date().toISOString();
  private control: ControlServer | null = null;
  /** Prometheus metrics, fed by engine and PBX events; served over HTTP when configured. */
  readonly prometheus: AgentMetrics;
  private metricsServer: MetricsServer | null = null;
  /** Where `/metrics` is served (`metrics.listen` may name port 0); `null` when off. */
  metricsAddress: AddressInfo | null = null;
  /** Each dependency on its own, and what `status` says about it. */
  private readonly deps: DependencyConnections;
  private beginning: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly cfg: Config,
    readonly source: PbxSource & { status?: string },
    readonly conn: OpenFlowConnection,
    private readonly nextHop: NextHopResolver,
    private readonly ifaddrs: InterfaceAddresses,
    private readonly log: Logger,
    clock: Clock,
  ) {
    // The engine's reconciler holds it (`reconciler.port`): the pacing's stats are read there.
    const port = new PacedFlowPort(new OpenFlowPort(conn), cfg.switch.pacing);
    this.engine = new OffloadEngine(
      source,
      port,
      { lookup: async (a) => (await nextHop.lookup(a))?.mac ?? null },
      {
        single: async (family) => {
          const r = resolveWildcard(
            await ifaddrs.addresses(cfg.switch.bridgeInterface),
            family,
            cfg.switch.bridgeInterface,
          );
          return r.kind === 'resolved' ? r.address : r.kind === 'ambiguous' ? 'ambiguous' : null;
        },
      },
      engineConfig(cfg),
      clock,
      log.child({ part: 'engine' }),
    );
    this.engine.on('offloaded', (bridgeId, legs) => {
      void source
        .userEvent('RtpOffloadStart', {
          BridgeUniqueid: bridgeId,
          Channels: legs.map((l) => l.channelId).join(','),
        })
        .catch(() => undefined);
    });
    this.engine.on('reverted', (bridgeId, reason, counters) => void this.account(bridgeId, reason, counters));
    this.prometheus = this.wireMetrics(clock);
    if (cfg.killSwitch) this.engine.setKillSwitch(true);
    this.deps = new DependencyConnections(
      conn,
      source,
      {
        switchUp: (up) => this.engine.setSwitchUp(up),
        switchReady: () => void this.switchReady(),
        stopping: () => this.stopping !== null,
      },
      log,
      clock,
    );
  }

  /**
   * Starts the agent in this process and resolves once the switch and Asterisk have both
   * been reached (the lab, benchmarks). `rtp-offload run` does not wait: see `runAgent`.
   */
  static async start(cfg: Config, options: AgentOptions = {}): Promise<Agent> {
    const agent = Agent.create(cfg, options);
    await agent.begin(options.control ?? true);
    await agent.deps.connected();
    return agent;
  }

  /** The agent, wired but not started: `begin` starts it, `stop` may come at any time. */
  static create(cfg: Config, options: AgentOptions = {}): Agent {
    const log = options.logger ?? createLogger(cfg.logLevel, { agent: 'rtp-offload' });
    const clock = options.clock ?? systemClock;
    const ipOptions = cfg.netns ? { netns: cfg.netns } : {};
    const nextHop = new NextHopResolver(ipOptions);
    const ifaddrs = new InterfaceAddresses(ipOptions);
    const ofLog: OpenFlowLogger = {
      debug: (m) => log.debug(m),
      info: (m) => log.info(m),
      warn: (m) => log.warn(m),
    };
    // A local switch comes back within seconds of a restart: retry at least once a second,
    // since every moment without flows is a moment the userspace datapath forwards nothing.
    const conn = new OpenFlowConnection({
      target: cfg.switch.target,
      logger: ofLog,
      reconnect: { ...DEFAULT_BACKOFF, maxDelayMs: 1000 },
    });
    const source = options.source ?? pbxSource(cfg, log);
    return new Agent(cfg, source, conn, nextHop, ifaddrs, log, clock);
  }

  /**
   * Start-up, in an order where nothing waits on a dependency: the control socket (and
   * `/metrics`) first, so `status` answers at once; then the switch and Asterisk, each
   * connecting and retrying on its own for ever. Throws only for what the configuration
   * got wrong (a socket path that cannot be served).
   */
  begin(serveControl = true): Promise<void> {
    this.beginning ??= (async () => {
      if (serveControl) {
        this.control = new ControlServer(this);
        await this.control.listen(this.cfg.control.socket, this.cfg.control.mode);
      }
      if (this.cfg.metrics.listen && !this.stopping) {
        const { host, port } = this.cfg.metrics.listen;
        this.metricsServer = new MetricsServer(this.prometheus);
        this.metricsAddress = await this.metricsServer.listen(host, port);
        this.log.info('serving /metrics', {
          host: this.metricsAddress.address,
          port: this.metricsAddress.port,
        });
      }
      if (this.stopping) return;
      this.nextHop.start();
      this.nextHop.on('changed', (address) => this.engine.nextHopChanged(address));
      this.engine.start();
      this.deps.start();
      this.log.info('agent started', {
        version: VERSION,
        switch: this.cfg.switch.target,
        dryRun: this.cfg.dryRun,
      });
    })();
    return this.beginning;
  }

  private wireMetrics(clock: Clock): AgentMetrics {
    const m = new AgentMetrics(
      {
        bridges: () => this.engine.status(),
        engineCounters: () => this.engine.counters,
        pbx: () => ({
          source: this.source.name,
          up: this.source.status === 'ready',
          stats: this.source.stats(),
        }),
        switchUp: () => this.conn.status === 'ready',
        installedFlows: () => this.engine.reconciler.installedCount,
        killSwitch: () => this.engine.killSwitchOn,
      },
      () => clock.now(),
    );
    this.engine.on('offloaded', (bridgeId) => m.offloaded(bridgeId));
    this.engine.on('reverted', (bridgeId, reason, counters) => m.reverted(bridgeId, reason, counters));
    this.source.onEvent((e) => m.pbxEvent(e));
    return m;
  }

  private async switchReady(): Promise<void> {
    try {
      const ports = await this.conn.portDesc();
      const uplink = ports.find((p) => p.name === this.cfg.switch.uplinkPort);
      const local = ports.find((p) => p.portNo === 0xfffffffe);
      // Peers know the PBX address by the MAC of the interface that owns it.
      const bridgeMac =
        (await this.ifaddrs.macOf(this.cfg.switch.bridgeInterface).catch(() => null)) ??
        local?.hwAddr ??
        null;
      if (!uplink || !bridgeMac) {
        this.log.error('switch facts missing: nothing will be offloaded', {
          uplinkPort: this.cfg.switch.uplinkPort,
          found: ports.map((p) => p.name),
        });
        return;
      }
      this.engine.setSwitchFacts({ bridgeMac, uplinkPort: uplink.portNo });
      await this.engine.switchReady();
    } catch (err) {
      this.log.error('switch resync failed', { error: (err as Error).message });
    }
  }

  /**
   * What the switch forwarded must not vanish from Asterisk's books: channel variables
   * (read by CDR/CEL consumers) on the channels still there, and a UserEvent in any case.
   */
  private async account(
    bridgeId: string,
    reason: ReasonCode | 'gone',
    counters: readonly LegStatus[],
  ): Promise<void> {
    const fields: Record<string, string> = { BridgeUniqueid: bridgeId, Reason: reason };
    for (const [i, c] of counters.entries()) {
      fields[`Leg${i + 1}Channel`] = c.channel;
      fields[`Leg${i + 1}Packets`] = String(c.packets);
      fields[`Leg${i + 1}Bytes`] = String(c.bytes);
    }
    await this.source.userEvent('RtpOffloadEnd', fields).catch(() => undefined);
    for (const c of counters) {
      await this.source
        .setChannelVars(c.channelId, {
          RTPOFFLOAD_PACKETS_FORWARDED: String(c.packets),
          RTPOFFLOAD_BYTES_FORWARDED: String(c.bytes),
          RTPOFFLOAD_END_REASON: reason,
        })
        .catch(() => undefined);
    }
  }

  /** Safe at any time, also during `begin`: whatever was started is stopped, once. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.beginning?.catch(() => undefined);
      this.deps.stop();
      this.engine.stop();
      await this.control?.close();
      await this.metricsServer?.close();
      await this.source.stop().catch(() => undefined);
      await this.conn.close().catch(() => undefined);
      await this.nextHop.stop().catch(() => undefined);
    })();
    return this.stopping;
  }

  // ---- AgentControl --------------------------------------------------------------------

  status(): AgentStatus {
    const all = this.engine.status();
    const s = this.source.stats();
    return {
      version: VERSION,
      startedAt: this.startedAt,
      dryRun: this.cfg.dryRun,
      killSwitch: this.engine.killSwitchOn,
      pbx: {
        source: this.source.name,
        status: this.source.status ?? 'unknown',
        requests: s.requests,
        events: s.events,
        malformed: s.malformed,
      },
      switch: {
        target: this.cfg.switch.target,
        status: this.conn.status,
        installedFlows: this.engine.reconciler.installedCount,
      },
      bridges: all.length,
      offloaded: all.filter((b) => b.state === 'offloaded').length,
      probing: all.filter((b) => b.state === 'probing').length,
      counters: { ...this.engine.counters },
      dependencies: this.deps.report(),
    };
  }

  async bridges(refresh: boolean): Promise<BridgeStatus[]> {
    if (refresh) await this.engine.audit(LIST_COUNTERS_MAX_AGE_MS);
    return this.engine.status();
  }

  async explain(bridgeId: string): Promise<BridgeStatus | null> {
    return this.engine.statusOf(bridgeId);
  }

  async offload(id: string): Promise<string[]> {
    const b = this.engine.pin(id, 'offload');
    await this.engine.idle();
    return b;
  }

  async revert(id: string): Promise<string[]> {
    const b = this.engine.pin(id, 'revert');
    await this.engine.idle();
    return b;
  }

  async unpin(id: string): Promise<string[]> {
    const b = this.engine.pin(id, null);
    await this.engine.idle();
    return b;
  }

  async setKillSwitch(on: boolean): Promise<void> {
    this.engine.setKillSwitch(on);
    await this.engine.idle();
  }

  metrics(): string {
    const s = this.source.stats();
    return renderMetrics({
      bridges: this.engine.status(),
      counters: this.engine.counters,
      pbx: { ...s, up: this.source.status === 'ready' },
      switchUp: this.conn.status === 'ready',
      installedFlows: this.engine.reconciler.installedCount,
      killSwitch: this.engine.killSwitchOn,
    });
  }
}

/**
 * `rtp-offload run --config FILE`: runs until SIGINT/SIGTERM. The signal handlers come before
 * anything is started, so a signal during start-up still stops what was started (control
 * socket removed, `ip monitor` child ended). Rejects only for a bad configuration.
 */
export async function runAgent(configPath: string): Promise<void> {
  const cfg = loadConfig(configPath);
  const agent = Agent.create(cfg);
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void agent.stop().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  try {
    await agent.begin();
  } catch (err) {
    await agent.stop();
    throw err;
  }
  await stopped;
}
