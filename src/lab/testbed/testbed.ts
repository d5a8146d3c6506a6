import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type dgram from 'node:dgram';
import type net from 'node:net';
import { createNamespace, deleteNamespace, listNamespaces, NamespaceSocketHost, nsRun } from './netns.js';
import { OVSDB, OvsInstance, VSWITCHD } from './ovs.js';
import {
  LAB_STATE_DIR,
  removeRecord,
  sweepStaleInstances,
  teardownRecordSync,
  writeRecord,
  type InstanceRecord,
} from './registry.js';
import { run, type RunResult } from './run.js';

export class TestbedError extends Error {
  constructor(
    readonly code: 'LAB_NAME_TAKEN' | 'LAB_BAD_OPTION' | 'LAB_SETUP_FAILED',
    message: string,
  ) {
    super(message);
    this.name = 'TestbedError';
  }
}

export interface TestbedOptions {
  /** Name prefix for everything created; `rtpo` + up to 6 lower-case letters/digits. Random by default. */
  readonly prefix?: string;
  /** How many far (remote endpoint) addresses of each family. @default 16 */
  readonly farHosts?: number;
}

export type NamespaceRole = 'pbx' | 'far';

const PREFIX_RE = /^rtpo[a-z0-9]{1,6}$/;
export const BRIDGE = 'breth0';
/** The uplink is always OpenFlow port 1 (ofport_request), so flows can name it. */
export const UPLINK_OFPORT = 1;

// Documentation ranges only (RFC 5737, RFC 3849): one flat L2 segment across the switch.
const PBX_V4 = '198.51.100.1';
const PBX_V6 = '2001:db8:100::1';
const farV4 = (i: number): string => `198.51.100.${10 + i}`;
const farV6 = (i: number): string => `2001:db8:100::${(0x10 + i).toString(16)}`;

/**
 * A PBX host and a far network joined by Open vSwitch, all inside namespaces of our own.
 *
 * ```
 *  <p>far: <p>fr (198.51.100.10…, 2001:db8:100::10…)
 *      │ veth
 *  <p>pbx: <p>up ── OVS breth0 (netdev) ── internal port breth0 (198.51.100.1, 2001:db8:100::1)
 * ```
 * A packet that arrives on the uplink veth is also seen by the pbx namespace's own IP
 * stack, so that stack is kept from answering on it: rp_filter=1, arp_ignore=8 and IPv6
 * off on the uplink. Otherwise a test could pass through the kernel instead of the switch.
 */
export class Testbed {
  private readonly hosts = new Map<NamespaceRole, NamespaceSocketHost>();
  private destroyed = false;

  private constructor(
    readonly prefix: string,
    readonly ovs: OvsInstance,
    readonly farHosts: number,
    private record: InstanceRecord,
    private pbxMac: string,
    private farMac: string,
  ) {}

  get pbxNs(): string {
    return `${this.prefix}pbx`;
  }
  get farNs(): string {
    return `${this.prefix}far`;
  }
  get runDir(): string {
    return this.ovs.runDir;
  }
  get bridge(): string {
    return BRIDGE;
  }
  /** OpenFlow target of the bridge, e.g. `unix:/…/breth0.mgmt`. */
  get mgmtTarget(): string {
    return `unix:${this.ovs.mgmtSocket(BRIDGE)}`;
  }
  get pbx(): { ipv4: string; ipv6: string; mac: string; iface: string } {
    return { ipv4: PBX_V4, ipv6: PBX_V6, mac: this.pbxMac, iface: BRIDGE };
  }
  get uplink(): { name: string; ofport: number } {
    return { name: `${this.prefix}up`, ofport: UPLINK_OFPORT };
  }
  get far(): { iface: string; mac: string; ipv4: string[]; ipv6: string[] } {
    const idx = [...Array(this.farHosts).keys()];
    return { iface: `${this.prefix}fr`, mac: this.farMac, ipv4: idx.map(farV4), ipv6: idx.map(farV6) };
  }

  static async create(options: TestbedOptions = {}): Promise<Testbed> {
    sweepStaleInstances();
    const prefix = options.prefix ?? `rtpo${randomBytes(3).toString('hex').slice(0, 5)}`;
    if (!PREFIX_RE.test(prefix)) {
      throw new TestbedError('LAB_BAD_OPTION', `prefix ${JSON.stringify(prefix)} must match ${PREFIX_RE}`);
    }
    const farHosts = options.farHosts ?? 16;
    if (!Number.isInteger(farHosts) || farHosts < 1 || farHosts > 240) {
      throw new TestbedError(
        'LAB_BAD_OPTION',
        `farHosts must be an integer from 1 to 240 (198.51.100.10–249), got ${farHosts}`,
      );
    }
    const namespaces = [`${prefix}pbx`, `${prefix}far`];
    const links = [`${prefix}up`, `${prefix}fr`];
    const runDir = join(LAB_STATE_DIR, prefix);
    await assertNamesFree(namespaces, links, runDir);

    const ovs = new OvsInstance(namespaces[0]!, runDir);
    const record: InstanceRecord = {
      prefix,
      ownerPid: process.pid,
      namespaces: [],
      runDir,
      pidFiles: [
        { path: ovs.pidFile(VSWITCHD), comm: VSWITCHD },
        { path: ovs.pidFile(OVSDB), comm: OVSDB },
      ],
    };
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    writeRecord(record);
    const bed = new Testbed(prefix, ovs, farHosts, record, '', '').track();
    try {
      await bed.build(namespaces);
    } catch (err) {
      await bed.destroy();
      throw new TestbedError('LAB_SETUP_FAILED', `testbed ${prefix} setup failed: ${(err as Error).message}`);
    }
    return bed;
  }

  private async build(namespaces: string[]): Promise<void> {
    // Record each namespace before creating it, so an interrupted setup is still swept.
    for (const ns of namespaces) {
      this.record = { ...this.record, namespaces: [...this.record.namespaces, ns] };
      writeRecord(this.record);
      await createNamespace(ns);
    }
    const { pbxNs, farNs } = this;
    const up = this.uplink.name;
    const fr = this.far.iface;
    // Both ends are created inside our namespaces: nothing ever appears in the root one.
    await run('ip', ['-n', pbxNs, 'link', 'add', up, 'type', 'veth', 'peer', 'name', fr, 'netns', farNs]);
    await this.sysctl(pbxNs, `net.ipv4.conf.${up}.rp_filter`, '1');
    await this.sysctl(pbxNs, `net.ipv4.conf.${up}.arp_ignore`, '8');
    await this.sysctl(pbxNs, `net.ipv6.conf.${up}.disable_ipv6`, '1');
    // The userspace datapath cannot complete a partial checksum left by TX offload.
    await nsRun(pbxNs, 'ethtool', ['-K', up, 'tx', 'off']);
    await nsRun(farNs, 'ethtool', ['-K', fr, 'tx', 'off']);
    await run('ip', ['-n', pbxNs, 'link', 'set', up, 'up']);
    await run('ip', ['-n', farNs, 'link', 'set', fr, 'up']);

    await this.ovs.startDb();
    await this.ovs.startSwitch();
    // Fixed in OVSDB so the bridge keeps its MAC across vswitchd restarts (peers' ARP caches).
    this.pbxMac = ['02', '72', ...randomBytes(4).toString('hex').match(/../g)!].join(':');
    await this.ovs.vsctl([
      'add-br',
      BRIDGE,
      '--',
      'set',
      'bridge',
      BRIDGE,
      'datapath_type=netdev',
      `other-config:hwaddr=${this.pbxMac}`,
      '--',
      'add-port',
      BRIDGE,
      up,
      '--',
      'set',
      'interface',
      up,
      `ofport_request=${UPLINK_OFPORT}`,
    ]);
    await this.ovs.waitForBridge(BRIDGE);
    await this.configurePbxAddresses();

    for (const [i, v4] of this.far.ipv4.entries()) {
      await run('ip', ['-n', farNs, 'addr', 'add', `${v4}/24`, 'dev', fr]);
      await run('ip', ['-n', farNs, 'addr', 'add', `${this.far.ipv6[i]}/64`, 'dev', fr, 'nodad']);
    }
    this.farMac = await linkMac(farNs, fr);
  }

  /** The internal port is a tap that vswitchd recreates on restart, without addresses. */
  private async configurePbxAddresses(): Promise<void> {
    const ns = this.pbxNs;
    await run('ip', ['-n', ns, 'link', 'set', BRIDGE, 'up']);
    await run('ip', ['-n', ns, 'addr', 'replace', `${PBX_V4}/24`, 'dev', BRIDGE]);
    await run('ip', ['-n', ns, 'addr', 'replace', `${PBX_V6}/64`, 'dev', BRIDGE, 'nodad']);
  }

  private sysctl(ns: string, key: string, value: string): Promise<RunResult> {
    return nsRun(ns, 'sysctl', ['-q', '-w', `${key}=${value}`]);
  }

  private host(role: NamespaceRole): NamespaceSocketHost {
    let host = this.hosts.get(role);
    if (!host) {
      host = NamespaceSocketHost.start(role === 'pbx' ? this.pbxNs : this.farNs);
      this.hosts.set(role, host);
    }
    return host;
  }

  /** A UDP socket in this process, bound inside the given namespace. */
  udpSocket(role: NamespaceRole, type: 'udp4' | 'udp6', address: string, port = 0): Promise<dgram.Socket> {
    return this.host(role).udpSocket(type, address, port);
  }

  /** A listening TCP server in this process, bound inside the given namespace. */
  tcpServer(role: NamespaceRole, address: string, port = 0): Promise<net.Server> {
    return this.host(role).tcpServer(address, port);
  }

  /** Runs a program inside one of the namespaces. */
  exec(role: NamespaceRole, cmd: string, args: readonly string[] = []): Promise<RunResult> {
    return nsRun(role === 'pbx' ? this.pbxNs : this.farNs, cmd, args);
  }

  /** `ovs-ofctl -O OpenFlow13 <command> <bridge target> [args…]`, for observing the switch. */
  async ofctl(command: string, ...args: string[]): Promise<string> {
    return (await run('ovs-ofctl', ['-O', 'OpenFlow13', command, this.mgmtTarget, ...args])).stdout;
  }

  vsctl(args: readonly string[]): Promise<RunResult> {
    return this.ovs.vsctl(args);
  }

  vswitchdPid(): number | null {
    return this.ovs.pid(VSWITCHD);
  }

  async stopVswitchd(): Promise<void> {
    await this.ovs.stopSwitch();
  }

  async startVswitchd(): Promise<void> {
    await this.ovs.startSwitch();
    await this.ovs.waitForBridge(BRIDGE);
    // The tap behind the internal port may appear a moment after the socket.
    for (let i = 0; ; i++) {
      try {
        await this.configurePbxAddresses();
        return;
      } catch (err) {
        if (i > 100) throw err;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  /** Stops and starts ovs-vswitchd: every OpenFlow flow is lost, as on a real restart. */
  async restartVswitchd(): Promise<void> {
    await this.stopVswitchd();
    await this.startVswitchd();
  }

  /** Removes exactly what this instance created. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const host of this.hosts.values()) host.stop();
    this.hosts.clear();
    await this.ovs.stop().catch(() => undefined);
    for (const ns of this.record.namespaces) await deleteNamespace(ns);
    rmSync(this.record.runDir, { recursive: true, force: true });
    removeRecord(this.prefix);
    live.delete(this);
  }

  /** For exit handlers: no promises run there. */
  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const host of this.hosts.values()) host.stop();
    teardownRecordSync(this.record);
    live.delete(this);
  }

  /** Registers the instance for teardown at process exit or on a signal. */
  private track(): this {
    live.add(this);
    installExitHandlers();
    return this;
  }
}

async function assertNamesFree(namespaces: string[], links: string[], runDir: string): Promise<void> {
  const existing = new Set(await listNamespaces());
  const takenNs = namespaces.filter((n) => existing.has(n));
  if (takenNs.length > 0)
    throw new TestbedError('LAB_NAME_TAKEN', `network namespace already exists: ${takenNs.join(', ')}`);
  const { stdout } = await run('ip', ['-o', 'link', 'show']);
  const rootLinks = new Set(stdout.split('\n').map((l) => (l.split(': ')[1] ?? '').split('@')[0]));
  const takenLinks = links.filter((l) => rootLinks.has(l));
  if (takenLinks.length > 0)
    throw new TestbedError('LAB_NAME_TAKEN', `interface already exists: ${takenLinks.join(', ')}`);
  if (existsSync(runDir)) throw new TestbedError('LAB_NAME_TAKEN', `run directory already exists: ${runDir}`);
}

async function linkMac(ns: string, iface: string): Promise<string> {
  const { stdout } = await run('ip', ['-n', ns, '-j', 'link', 'show', iface]);
  const [link] = JSON.parse(stdout) as { address: string }[];
  if (!link) throw new Error(`no link ${iface} in ${ns}`);
  return link.address;
}

const live = new Set<Testbed>();
let handlersInstalled = false;

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const bed of [...live]) bed.destroySync();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const bed of [...live]) bed.destroySync();
      process.kill(process.pid, sig);
    });
  }
}
