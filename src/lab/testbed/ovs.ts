import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { nsRun } from './netns.js';
import { readPidFile, stopProcess } from './processes.js';
import { run, type RunResult } from './run.js';

const SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

export const OVSDB = 'ovsdb-server';
export const VSWITCHD = 'ovs-vswitchd';

/**
 * An Open vSwitch instance of our own: ovsdb-server and ovs-vswitchd run inside a
 * namespace with their own run directory, so the machine's own OVS (if any) and other
 * instances are never touched. The bridge's OpenFlow service socket is
 * `<runDir>/<bridge>.mgmt` because vswitchd puts it under OVS_RUNDIR.
 */
export class OvsInstance {
  constructor(
    readonly ns: string,
    readonly runDir: string,
  ) {}

  get dbSocket(): string {
    return join(this.runDir, 'db.sock');
  }

  pidFile(daemon: string): string {
    return join(this.runDir, `${daemon}.pid`);
  }

  mgmtSocket(bridge: string): string {
    return join(this.runDir, `${bridge}.mgmt`);
  }

  pid(daemon: string): number | null {
    return readPidFile(this.pidFile(daemon));
  }

  private env(): string[] {
    return [
      `OVS_RUNDIR=${this.runDir}`,
      `OVS_LOGDIR=${this.runDir}`,
      `OVS_DBDIR=${this.runDir}`,
      `OVS_SYSCONFDIR=${this.runDir}`,
    ];
  }

  async startDb(): Promise<void> {
    const db = join(this.runDir, 'conf.db');
    await run('ovsdb-tool', ['create', db, SCHEMA]);
    await nsRun(this.ns, 'env', [
      ...this.env(),
      OVSDB,
      db,
      `--remote=punix:${this.dbSocket}`,
      `--pidfile=${this.pidFile(OVSDB)}`,
      `--unixctl=${join(this.runDir, `${OVSDB}.ctl`)}`,
      `--log-file=${join(this.runDir, `${OVSDB}.log`)}`,
      '--detach',
    ]);
    await this.vsctl(['--no-wait', 'init']);
  }

  async startSwitch(): Promise<void> {
    await nsRun(this.ns, 'env', [
      ...this.env(),
      VSWITCHD,
      `unix:${this.dbSocket}`,
      `--pidfile=${this.pidFile(VSWITCHD)}`,
      `--unixctl=${join(this.runDir, `${VSWITCHD}.ctl`)}`,
      `--log-file=${join(this.runDir, `${VSWITCHD}.log`)}`,
      '--detach',
    ]);
  }

  /** Waits until the bridge's OpenFlow socket exists (vswitchd has applied the config). */
  async waitForBridge(bridge: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(this.mgmtSocket(bridge))) {
      if (Date.now() > deadline)
        throw new Error(`bridge ${bridge} did not come up in ${this.ns} within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  vsctl(args: readonly string[]): Promise<RunResult> {
    return run('ovs-vsctl', [`--db=unix:${this.dbSocket}`, '--timeout=20', ...args]);
  }

  async stopSwitch(): Promise<void> {
    const pid = this.pid(VSWITCHD);
    if (pid !== null) await stopProcess(pid, VSWITCHD);
  }

  async stop(): Promise<void> {
    await this.stopSwitch();
    const db = this.pid(OVSDB);
    if (db !== null) await stopProcess(db, OVSDB);
  }
}
