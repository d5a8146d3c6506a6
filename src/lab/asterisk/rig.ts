import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentStatus, BridgeDto } from '../../control/api.js';
import { ControlClient } from '../../control/client.js';
import { CallGenerator } from '../callgen/index.js';
import { processCpuMs } from '../demo/cpu.js';
import { NamespaceConnector } from '../recorder/connector.js';
import { RecordingSession, type PbxAccess } from '../recorder/session.js';
import { stopAllSipp } from '../recorder/sipp.js';
import { Testbed } from '../testbed/index.js';
import type { CallSide, Phone } from './calls.js';
import { writeAsteriskConf, type PhoneEndpoint } from './conf.js';
import { buildOffloadModule, GroupProcess, startAgentProcess } from './processes.js';

export type AgentVariant = { readonly source: 'ami' | 'ari'; readonly module: boolean };

export interface RigOptions {
  /** Asterisk installation prefix (RTPO_ASTERISK). */
  readonly prefix: string;
  /** The project's asterisk-module/ directory. */
  readonly moduleSrc: string;
  /** The agent's CLI entry (dist/src/cli/main.js). */
  readonly agentEntry: string;
  /** Phone addresses to configure as PJSIP endpoints `p<i>`, with extra options per index. */
  readonly phones: number;
  readonly phoneOptions?: Readonly<Record<number, readonly string[]>>;
}

const AMI_PORT = 5038;
const HTTP_PORT = 8088;

/**
 * One real Asterisk in the testbed's PBX namespace (with or without res_rtp_offload), the
 * test's own AMI session to it, the phones' clock in the far namespace, and at most one
 * agent process at a time.
 */
export class AsteriskRig {
  readonly gen = new CallGenerator();
  session!: RecordingSession;
  asterisk!: GroupProcess;
  agent: { proc: GroupProcess; log: string; variant: AgentVariant } | null = null;
  private readonly connector: NamespaceConnector;
  private agentRuns = 0;
  private asteriskRuns = 0;
  private readonly secrets = {
    agentAmi: randomBytes(9).toString('hex'),
    testAmi: randomBytes(9).toString('hex'),
    ari: randomBytes(9).toString('hex'),
  };

  private constructor(
    readonly o: RigOptions,
    readonly bed: Testbed,
    readonly work: string,
    readonly modulePath: string,
    readonly phones: readonly Phone[],
  ) {
    this.connector = NamespaceConnector.start(bed.pbxNs);
  }

  static async create(o: RigOptions): Promise<AsteriskRig> {
    const work = mkdtempSync(join(tmpdir(), 'e2east-'));
    process.stdout.write(`e2e work directory: ${work}\n`);
    const modulePath = await buildOffloadModule(o.moduleSrc, o.prefix, join(work, 'module'));
    const bed = await Testbed.create({ farHosts: o.phones });
    const phones = bed.far.ipv4.map((address, i) => ({ name: `p${i}`, address }));
    const rig = new AsteriskRig(o, bed, work, modulePath, phones);
    return rig;
  }

  /** Secrets as they must appear in a saved transcript. */
  get redactions(): [string, string][] {
    return [
      [this.secrets.testAmi, '<redacted>'],
      [this.secrets.agentAmi, '<redacted>'],
      [this.secrets.ari, '<redacted>'],
      [this.work, '<work>'],
    ];
  }

  /**
   * A second AMI session of the test with a transcript of its own, for a scenario whose
   * exchanges are kept as a fixture (RTPO_E2E_RECORD=<dir>).
   */
  async recording(name: string): Promise<{ side: CallSide; save(): Promise<void> }> {
    const session = await RecordingSession.open(this.access, { ari: false });
    session.mark(name);
    return {
      side: { bed: this.bed, gen: this.gen, session },
      save: async () => {
        await session.close();
        const dir = process.env.RTPO_E2E_RECORD;
        if (dir !== undefined && dir !== '') {
          mkdirSync(dir, { recursive: true });
          session.transcript.save(join(dir, `${name}.jsonl`), this.redactions);
        }
      },
    };
  }

  get side(): CallSide {
    return { bed: this.bed, gen: this.gen, session: this.session };
  }

  get access(): PbxAccess {
    return {
      connect: this.connector.connect,
      amiHost: '127.0.0.1',
      amiPort: AMI_PORT,
      amiUser: 'e2e-test',
      amiSecret: this.secrets.testAmi,
      ari: {
        connect: this.connector.connect,
        host: '127.0.0.1',
        port: HTTP_PORT,
        user: 'rtpo-agent',
        password: this.secrets.ari,
      },
      ariApp: 'e2e-test',
    };
  }

  /** Writes a fresh configuration and starts Asterisk; waits until the test's AMI login works. */
  async startAsterisk(withModule: boolean): Promise<void> {
    const dir = join(this.work, `asterisk-${++this.asteriskRuns}`);
    mkdirSync(dir);
    const endpoints: PhoneEndpoint[] = this.phones.map((p, i) => ({
      ...p,
      options: this.o.phoneOptions?.[i] ?? [],
    }));
    const conf = writeAsteriskConf({
      prefix: this.o.prefix,
      dir,
      pbxAddress: this.bed.pbx.ipv4,
      phones: endpoints,
      ...(withModule ? { offloadModule: this.modulePath } : {}),
      agentAmi: { user: 'rtpo-agent', secret: this.secrets.agentAmi },
      testAmi: { user: 'e2e-test', secret: this.secrets.testAmi },
      ari: { user: 'rtpo-agent', password: this.secrets.ari },
      amiPort: AMI_PORT,
      httpPort: HTTP_PORT,
    });
    this.asterisk = GroupProcess.start(
      this.bed.pbxNs,
      [join(this.o.prefix, 'sbin/asterisk'), '-f', '-C', conf],
      join(dir, 'console.log'),
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        this.session = await RecordingSession.open(this.access, { ari: false });
        break;
      } catch (err) {
        if (!this.asterisk.running) throw new Error(`Asterisk exited: see ${join(dir, 'console.log')}`);
        if (Date.now() > deadline) throw err;
        await sleep(500);
      }
    }
    // FullyBooted may come before every module is loaded; ask for the bridge list to settle.
    await this.session.ami.list('BridgeList');
  }

  async stopAsterisk(): Promise<void> {
    this.session?.ami.close();
    await this.asterisk?.stop(10_000);
  }

  agentConfig(v: AgentVariant): Record<string, unknown> {
    return {
      asterisk: {
        source: v.source,
        ...(v.source === 'ami'
          ? {
              ami: {
                host: '127.0.0.1',
                port: AMI_PORT,
                username: 'rtpo-agent',
                secretEnv: 'RTPO_AMI_SECRET',
              },
            }
          : {
              ari: {
                url: `http://127.0.0.1:${HTTP_PORT}`,
                username: 'rtpo-agent',
                passwordEnv: 'RTPO_ARI_PASSWORD',
              },
            }),
      },
      switch: {
        target: this.bed.mgmtTarget,
        uplinkPort: this.bed.uplink.name,
        bridgeInterface: this.bed.pbx.iface,
        idleTimeout: 10,
      },
      // Without the module payload-type numbers cannot be read; the phones all use 0/101.
      policy: { assumeSamePayloadTypes: !v.module || v.source === 'ari' },
      engine: { auditIntervalMs: 1000, probeIntervalMs: 200 },
      control: { socket: this.controlSocket },
      logLevel: 'info',
    };
  }

  get controlSocket(): string {
    return join(this.work, 'control.sock');
  }

  get control(): ControlClient {
    return new ControlClient(this.controlSocket);
  }

  async startAgent(v: AgentVariant): Promise<void> {
    const name = `agent-${++this.agentRuns}-${v.source}${v.module ? '-module' : ''}`;
    const a = startAgentProcess({
      ns: this.bed.pbxNs,
      entry: this.o.agentEntry,
      config: this.agentConfig(v),
      dir: this.work,
      name,
      env: { RTPO_AMI_SECRET: this.secrets.agentAmi, RTPO_ARI_PASSWORD: this.secrets.ari },
    });
    this.agent = { ...a, variant: v };
    await this.until('agent ready', () => this.agentReady(), 30_000, 200);
  }

  /** Connected to Asterisk: `ready` over AMI, `open` over ARI. */
  async agentReady(): Promise<boolean> {
    const st = (await this.status())?.pbx.status;
    return st === 'ready' || st === 'open';
  }

  /** Lines of the agent's stderr that are not JSON log records (foreign console output). */
  agentForeignLines(): string[] {
    if (!this.agent) return [];
    return readFileSync(this.agent.log, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('{'));
  }

  async stopAgent(): Promise<void> {
    await this.agent?.proc.stop();
    this.agent = null;
  }

  /** The agent's JSON log lines so far. */
  agentLog(): { level?: number | string; msg?: string; [k: string]: unknown }[] {
    if (!this.agent) return [];
    return readFileSync(this.agent.log, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string });
  }

  async status(): Promise<AgentStatus | null> {
    return this.control.get<AgentStatus>('/v1/status').catch(() => null);
  }

  async bridges(): Promise<BridgeDto[]> {
    return this.control.get<BridgeDto[]>('/v1/bridges').catch(() => []);
  }

  async bridge(id: string): Promise<BridgeDto | null> {
    return this.control.get<BridgeDto>(`/v1/bridges/${encodeURIComponent(id)}`).catch(() => null);
  }

  async stateOf(id: string): Promise<string> {
    const b = await this.bridge(id);
    return b ? `${b.state}${b.reason ? `/${b.reason}` : ''}` : 'unknown';
  }

  /** Our flows: match → duration (s). */
  async flows(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const text = await this.bed.ofctl('dump-flows', 'cookie=0x5250000000000000/0xffff000000000000');
    for (const line of text.split('\n')) {
      const duration = /duration=([\d.]+)s/.exec(line);
      const match = /priority=\d+,([^ ]+)/.exec(line);
      if (duration && match) out.set(match[1]!, Number(duration[1]));
    }
    return out;
  }

  /** CPU (% of one core) of Asterisk and ovs-vswitchd over `ms`. */
  async cpu(ms: number): Promise<{ asterisk: number; vswitchd: number }> {
    const pids = { asterisk: this.asterisk.pid, vswitchd: this.bed.vswitchdPid() ?? -1 };
    const a0 = processCpuMs(pids.asterisk) ?? 0;
    const v0 = processCpuMs(pids.vswitchd) ?? 0;
    const t0 = performance.now();
    await sleep(ms);
    const dt = performance.now() - t0;
    const pct = (x: number | null, x0: number): number => Math.round((((x ?? x0) - x0) / dt) * 1000) / 10;
    return {
      asterisk: pct(processCpuMs(pids.asterisk), a0),
      vswitchd: pct(processCpuMs(pids.vswitchd), v0),
    };
  }

  async until(
    what: string,
    pred: () => boolean | Promise<boolean>,
    timeoutMs = 20_000,
    everyMs = 100,
  ): Promise<number> {
    const start = performance.now();
    while (!(await pred())) {
      if (performance.now() - start > timeoutMs)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(everyMs);
    }
    return Math.round(performance.now() - start);
  }

  async destroy(): Promise<void> {
    this.gen.stop();
    this.gen.close();
    await stopAllSipp();
    await this.stopAgent().catch(() => undefined);
    await this.stopAsterisk().catch(() => undefined);
    this.connector.stop();
    await this.bed.destroy();
    if (process.env.RTPO_E2E_KEEP === undefined) rmSync(this.work, { recursive: true, force: true });
  }
}
