import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../agent.js';
import { parseConfig, type Config } from '../config.js';
import { createLogger, silentLogger, type Logger } from '../log.js';
import { CallGenerator, type RtpEndpoint } from './callgen/index.js';
import {
  SimulatedPbx,
  type Codec,
  type EndpointConfig,
  type SimCall,
  type SimulatedPbxOptions,
} from './pbx/index.js';
import { TcpProxy } from './tcp-proxy.js';
import { Testbed } from './testbed/index.js';

export interface LabCall {
  readonly call: SimCall;
  /** The caller's phone (far side), sending to and receiving from the caller leg. */
  readonly a: RtpEndpoint;
  readonly b: RtpEndpoint;
  /** The phones' own RTP addresses (what Asterisk learns as the remotes). */
  readonly aAddress: { readonly address: string; readonly port: number };
  readonly bAddress: { readonly address: string; readonly port: number };
}

export interface OffloadLabOptions {
  readonly endpoints?: Readonly<Record<string, EndpointConfig>>;
  readonly pbx?: Partial<Omit<SimulatedPbxOptions, 'ami' | 'endpoints' | 'openRtpSocket' | 'localAddress'>>;
  /** Agent config overrides, merged section by section into the lab's defaults. */
  readonly agent?: Record<string, Record<string, unknown> | boolean | string>;
  /** Start the agent at once. @default true */
  readonly startAgent?: boolean;
  readonly farHosts?: number;
  readonly logger?: Logger;
  /** Put a TCP proxy between the agent and AMI, so tests can cut the connection. */
  readonly amiProxy?: boolean;
  /**
   * How the agent talks to the PBX: AMI, or ARI served by the simulated PBX from the same
   * live model (`asterisk.source: "ari"`). @default 'ami'
   */
  readonly asteriskSource?: 'ami' | 'ari';
}

const SECRET_ENV = 'RTPO_LAB_AMI_SECRET';
const ARI_PASSWORD_ENV = 'RTPO_LAB_ARI_PASSWORD';

/**
 * Everything the integration tests, the demo and the benchmarks need in one place: the
 * namespace testbed with Open vSwitch, the simulated PBX with its RTP sockets inside the
 * PBX namespace and AMI on loopback, the call generator's phones in the far namespace, and
 * the real agent (in this process) talking AMI and OpenFlow over real sockets.
 */
export class OffloadLab {
  readonly gen = new CallGenerator();
  agent: Agent | null = null;
  private readonly calls: LabCall[] = [];
  private nextPort = 20000;
  private extraPhones = 0;

  private constructor(
    readonly bed: Testbed,
    readonly pbx: SimulatedPbx,
    readonly config: Config,
    private readonly controlDir: string,
    private readonly log: Logger,
    /** The configuration as written in a file (for an agent run as its own process). */
    readonly rawConfig: Record<string, unknown>,
    /** Environment holding the AMI secret, for that process. */
    readonly secretEnv: Record<string, string>,
    readonly amiProxy: TcpProxy | null,
  ) {}

  static async create(o: OffloadLabOptions = {}): Promise<OffloadLab> {
    const bed = await Testbed.create({ farHosts: o.farHosts ?? 32 });
    let pbx: SimulatedPbx | null = null;
    let proxy: TcpProxy | null = null;
    const controlDir = mkdtempSync(join(tmpdir(), 'rtpo-lab-ctl-'));
    try {
      const secret = `lab-${Math.random().toString(36).slice(2)}`;
      const viaAri = o.asteriskSource === 'ari';
      pbx = await SimulatedPbx.start({
        version: 22,
        driver: 'pjsip',
        ...o.pbx,
        ...(viaAri ? { ari: { host: '127.0.0.1', port: 0, username: 'offload', password: secret } } : {}),
        ami: {
          host: '127.0.0.1',
          port: 0,
          users: [{ username: 'offload', secret, read: 'all', write: 'all' }],
        },
        openRtpSocket: (family, address, port) =>
          bed.udpSocket('pbx', family === 6 ? 'udp6' : 'udp4', address, port),
        localAddress: { ipv4: bed.pbx.ipv4, ipv6: bed.pbx.ipv6 },
        endpoints: o.endpoints ?? { alice: { tosAudio: 'ef' }, bob: { tosAudio: 'ef' } },
      });
      const direct = pbx.amiAddress();
      proxy = o.amiProxy ? await TcpProxy.start(direct) : null;
      const ami = proxy ? { host: '127.0.0.1', port: proxy.port } : direct;
      const ari = pbx.ariAddress();
      const asterisk =
        viaAri && ari
          ? {
              source: 'ari',
              ari: {
                url: `http://${ari.host}:${ari.port}`,
                username: 'offload',
                passwordEnv: ARI_PASSWORD_ENV,
              },
            }
          : { ami: { host: ami.host, port: ami.port, username: 'offload', secretEnv: SECRET_ENV } };
      const base = {
        asterisk,
        switch: {
          target: bed.mgmtTarget,
          uplinkPort: bed.uplink.name,
          bridgeInterface: bed.pbx.iface,
          idleTimeout: 10,
        },
        policy: { minBridgeAgeMs: 300, assumeSamePayloadTypes: true },
        engine: { auditIntervalMs: 500, probeIntervalMs: 200, disconnectGraceMs: 10_000 },
        control: { socket: join(controlDir, 'control.sock') },
        netns: bed.pbxNs,
        logLevel: 'warn',
      };
      const merged: Record<string, unknown> = { ...base };
      for (const [k, v] of Object.entries(o.agent ?? {})) {
        const b = (base as Record<string, unknown>)[k];
        merged[k] = typeof v === 'object' && typeof b === 'object' ? { ...(b as object), ...v } : v;
      }
      const env: Record<string, string> = { [viaAri ? ARI_PASSWORD_ENV : SECRET_ENV]: secret };
      const config = parseConfig(merged, env);
      const lab = new OffloadLab(bed, pbx, config, controlDir, o.logger ?? silentLogger, merged, env, proxy);
      if (o.startAgent ?? true) await lab.startAgent();
      return lab;
    } catch (err) {
      await proxy?.close().catch(() => undefined);
      await pbx?.stop().catch(() => undefined);
      await bed.destroy();
      rmSync(controlDir, { recursive: true, force: true });
      throw err;
    }
  }

  async startAgent(control = false): Promise<Agent> {
    this.agent = await Agent.start(this.config, {
      logger: this.log === silentLogger ? createLogger('error') : this.log,
      control,
    });
    return this.agent;
  }

  async stopAgent(): Promise<void> {
    await this.agent?.stop();
    this.agent = null;
  }

  /**
   * Places a call between two phones in the far namespace (distinct addresses, real
   * sockets) and points each phone at its PBX leg. Phones start sending at once.
   */
  async placeCall(
    o: {
      family?: 4 | 6;
      caller?: string;
      callee?: string;
      sending?: boolean;
      callerCodec?: Codec;
      calleeCodec?: Codec;
    } = {},
  ): Promise<LabCall> {
    const family = o.family ?? 4;
    const n = this.calls.length;
    const hosts = family === 4 ? this.bed.far.ipv4 : this.bed.far.ipv6;
    const type = family === 4 ? 'udp4' : 'udp6';
    const addrA = hosts[(2 * n) % hosts.length]!;
    const addrB = hosts[(2 * n + 1) % hosts.length]!;
    const portA = this.nextPort;
    const portB = this.nextPort + 2;
    this.nextPort += 4;
    const [rtpA, rtcpA, rtpB, rtcpB] = await Promise.all([
      this.bed.udpSocket('far', type, addrA, portA),
      this.bed.udpSocket('far', type, addrA, portA + 1),
      this.bed.udpSocket('far', type, addrB, portB),
      this.bed.udpSocket('far', type, addrB, portB + 1),
    ]);
    const call = await this.pbx.placeCall({
      caller: {
        endpoint: o.caller ?? 'alice',
        remote: { address: addrA, port: portA },
        ...(o.callerCodec ? { codec: o.callerCodec } : {}),
      },
      callee: {
        endpoint: o.callee ?? 'bob',
        remote: { address: addrB, port: portB },
        ...(o.calleeCodec ? { codec: o.calleeCodec } : {}),
      },
    });
    const sending = o.sending ?? true;
    const a = this.gen.add({
      rtp: rtpA,
      rtcp: rtcpA,
      target: { address: call.caller.localAddress, port: call.caller.localRtpPort },
      sending,
    });
    const b = this.gen.add({
      rtp: rtpB,
      rtcp: rtcpB,
      target: { address: call.callee.localAddress, port: call.callee.localRtpPort },
      sending,
    });
    const lc = {
      call,
      a,
      b,
      aAddress: { address: addrA, port: portA },
      bAddress: { address: addrB, port: portB },
    };
    this.calls.push(lc);
    return lc;
  }

  /**
   * A phone in the far namespace that is not yet in a call (a transfer target): its
   * address, and `attach` to start it sending to a PBX leg once the PBX has one for it.
   */
  async newPhone(family: 4 | 6 = 4): Promise<{
    address: string;
    port: number;
    attach(target: { address: string; port: number }): RtpEndpoint;
  }> {
    const hosts = family === 4 ? this.bed.far.ipv4 : this.bed.far.ipv6;
    const address = hosts[hosts.length - 1 - (this.extraPhones++ % 8)]!;
    const port = this.nextPort;
    this.nextPort += 2;
    const type = family === 4 ? 'udp4' : 'udp6';
    const [rtp, rtcp] = await Promise.all([
      this.bed.udpSocket('far', type, address, port),
      this.bed.udpSocket('far', type, address, port + 1),
    ]);
    return { address, port, attach: (target) => this.gen.add({ rtp, rtcp, target }) };
  }

  /** Waits until `pred` holds, polling; rejects with `what` after `timeoutMs`. */
  async until(
    what: string,
    pred: () => boolean | Promise<boolean>,
    timeoutMs = 20_000,
    everyMs = 100,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await pred())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  offloadedCount(): number {
    return this.agent?.engine.offloadedCount() ?? 0;
  }

  stateOf(call: LabCall): string | undefined {
    return this.agent?.engine.statusOf(call.call.bridgeId)?.state;
  }

  async destroy(): Promise<void> {
    this.gen.stop();
    await this.stopAgent().catch(() => undefined);
    this.gen.close();
    await this.amiProxy?.close().catch(() => undefined);
    await this.pbx.stop().catch(() => undefined);
    await this.bed.destroy();
    rmSync(this.controlDir, { recursive: true, force: true });
  }
}
