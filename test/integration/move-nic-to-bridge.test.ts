import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNamespace, deleteNamespace, nsRun } from '../../src/lab/testbed/netns.js';
import { OVSDB, OvsInstance, VSWITCHD } from '../../src/lab/testbed/ovs.js';
import { LAB_STATE_DIR, removeRecord, writeRecord } from '../../src/lab/testbed/registry.js';
import { run } from '../../src/lab/testbed/run.js';

// The script runs only inside namespaces of this test: a "host" namespace whose NIC is one
// end of a veth (named rtpo…), a "peer" namespace at the other end playing the LAN and its
// gateway, and an Open vSwitch instance of our own in the host namespace.
const script = join(import.meta.dirname, '..', '..', 'scripts', 'move-nic-to-bridge.sh');
const HOST_V4 = '192.0.2.10/24';
const GATEWAY = '192.0.2.1';
const HOST_V6 = '2001:db8:7::10/64';

interface Bed {
  prefix: string;
  host: string;
  peer: string;
  nic: string;
  bridge: string;
  ovs: OvsInstance;
}
let bed: Bed;

beforeEach(async () => {
  const prefix = `rtpo${randomBytes(3).toString('hex').slice(0, 5)}`;
  const host = `${prefix}host`;
  const peer = `${prefix}peer`;
  const runDir = join(LAB_STATE_DIR, prefix);
  const ovs = new OvsInstance(host, runDir);
  bed = { prefix, host, peer, nic: `${prefix}nic`, bridge: `${prefix}br`, ovs };
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  // Recorded first, so a crashed run is swept by the next testbed.
  writeRecord({
    prefix,
    ownerPid: process.pid,
    namespaces: [host, peer],
    runDir,
    pidFiles: [
      { path: ovs.pidFile(VSWITCHD), comm: VSWITCHD },
      { path: ovs.pidFile(OVSDB), comm: OVSDB },
    ],
  });
  await createNamespace(host);
  await createNamespace(peer);
  await run('ip', [
    '-n',
    host,
    'link',
    'add',
    bed.nic,
    'type',
    'veth',
    'peer',
    'name',
    `${prefix}pr`,
    'netns',
    peer,
  ]);
  // The userspace datapath cannot complete a partial checksum left by TX offload.
  await nsRun(host, 'ethtool', ['-K', bed.nic, 'tx', 'off']);
  await nsRun(peer, 'ethtool', ['-K', `${prefix}pr`, 'tx', 'off']);
  await run('ip', ['-n', host, 'link', 'set', bed.nic, 'up']);
  await run('ip', ['-n', host, 'addr', 'add', HOST_V4, 'dev', bed.nic]);
  await run('ip', ['-n', host, 'addr', 'add', HOST_V6, 'dev', bed.nic, 'nodad']);
  await run('ip', ['-n', host, 'route', 'add', 'default', 'via', GATEWAY, 'dev', bed.nic]);
  await run('ip', ['-n', host, 'route', 'add', '198.51.100.0/24', 'via', GATEWAY, 'dev', bed.nic]);
  await run('ip', ['-n', peer, 'link', 'set', `${prefix}pr`, 'up']);
  await run('ip', ['-n', peer, 'addr', 'add', `${GATEWAY}/24`, 'dev', `${prefix}pr`]);
  await ovs.startDb();
  await ovs.startSwitch();
}, 60_000);

afterEach(async () => {
  await bed.ovs.stop().catch(() => undefined);
  await deleteNamespace(bed.host);
  await deleteNamespace(bed.peer);
  rmSync(bed.ovs.runDir, { recursive: true, force: true });
  removeRecord(bed.prefix);
});

const exec = promisify(execFile);
async function move(...extra: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const r = await exec('ip', [
      'netns',
      'exec',
      bed.host,
      'env',
      `OVS_RUNDIR=${bed.ovs.runDir}`,
      script,
      '--db',
      `unix:${bed.ovs.dbSocket}`,
      '--bridge',
      bed.bridge,
      '--datapath',
      'netdev',
      '--check-seconds',
      '10',
      ...extra,
      bed.nic,
    ]);
    return { code: 0, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}
const addrs = async (dev: string): Promise<string[]> => {
  const { stdout } = await run('ip', ['-n', bed.host, '-o', 'addr', 'show', 'dev', dev, 'scope', 'global']);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/)[3]!)
    .sort();
};
const routes = async (): Promise<string> => (await run('ip', ['-n', bed.host, '-4', 'route', 'show'])).stdout;
const pingsHost = (): Promise<boolean> =>
  nsRun(bed.peer, 'ping', ['-c', '1', '-W', '2', '-n', HOST_V4.split('/')[0]!]).then(
    () => true,
    () => false,
  );
const mac = async (dev: string): Promise<string> =>
  (await nsRun(bed.host, 'cat', [`/sys/class/net/${dev}/address`])).stdout.trim();

describe('scripts/move-nic-to-bridge.sh, in namespaces of its own', () => {
  it('moves the NIC into the bridge and its addresses and routes onto the bridge, reachable throughout after', async () => {
    expect(await pingsHost()).toBe(true);
    const nicMac = await mac(bed.nic);
    const r = await move();
    expect(r.stderr).toContain(`${GATEWAY} answers through ${bed.bridge}`);
    expect(r.code).toBe(0);
    expect((await bed.ovs.vsctl(['list-ports', bed.bridge])).stdout.trim()).toBe(bed.nic);
    expect(await addrs(bed.bridge)).toEqual([HOST_V6, HOST_V4].sort());
    expect(await addrs(bed.nic)).toEqual([]);
    expect(await mac(bed.bridge)).toBe(nicMac);
    const table = await routes();
    expect(table).toContain(`default via ${GATEWAY} dev ${bed.bridge}`);
    expect(table).toContain(`198.51.100.0/24 via ${GATEWAY} dev ${bed.bridge}`);
    expect(table).not.toContain(`dev ${bed.nic}`);
    expect(await pingsHost()).toBe(true);
    // What the agent will connect to: the bridge's OpenFlow socket, and who may open it.
    const sock = statSync(bed.ovs.mgmtSocket(bed.bridge));
    console.log(`OpenFlow socket mode ${(sock.mode & 0o777).toString(8)} uid ${sock.uid} gid ${sock.gid}`);
  }, 60_000);

  it('puts everything back when the answer check fails', async () => {
    const before = await routes();
    const r = await move('--check', '192.0.2.99', '--check-seconds', '3');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('rolled back');
    expect(
      await bed.ovs.vsctl(['br-exists', bed.bridge]).then(
        () => true,
        () => false,
      ),
    ).toBe(false);
    expect(await addrs(bed.nic)).toEqual([HOST_V6, HOST_V4].sort());
    expect(await routes()).toBe(before);
    expect(await pingsHost()).toBe(true);
  }, 60_000);

  it('refuses a NIC that is already a port, and changes nothing with --dry-run', async () => {
    const dry = await move('--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(`address ${HOST_V4} moves from ${bed.nic} to ${bed.bridge}`);
    expect(await addrs(bed.nic)).toEqual([HOST_V6, HOST_V4].sort());
    expect((await move()).code).toBe(0);
    const again = await move();
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`already a port of bridge ${bed.bridge}`);
  }, 60_000);
});
