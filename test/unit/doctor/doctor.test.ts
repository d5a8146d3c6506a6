import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../../src/config.js';
import { checkAmi, amiProbe, type AmiProbe } from '../../../src/doctor/ami-checks.js';
import { doctorExitCode, formatResults } from '../../../src/doctor/check.js';
import { diagnose, doctor } from '../../../src/doctor/index.js';
import { SimulatedPbx } from '../../../src/lab/pbx/index.js';

const SECRET = 'doctor-secret';
let pbx: SimulatedPbx;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtpo-doctor-'));
  pbx = await SimulatedPbx.start({
    version: 22,
    driver: 'pjsip',
    ami: {
      host: '127.0.0.1',
      port: 0,
      users: [
        { username: 'offload', secret: SECRET, read: 'all', write: 'system,call,reporting,user' },
        { username: 'reader', secret: SECRET, read: 'all', write: 'reporting' },
      ],
    },
    localAddress: { ipv4: '127.0.0.1' },
    endpoints: { alice: {}, bob: {} },
  });
});
afterAll(async () => {
  await pbx.stop();
  rmSync(dir, { recursive: true, force: true });
});

function config(over: { username?: string; port?: number; target?: string } = {}): Config {
  const { host, port } = pbx.amiAddress();
  return parseConfig(
    {
      asterisk: { ami: { host, port: over.port ?? port, username: over.username ?? 'offload' } },
      switch: {
        target: over.target ?? `unix:${join(dir, 'no-switch.mgmt')}`,
        uplinkPort: 'eth0',
        bridgeInterface: 'lo',
      },
      control: { socket: join(dir, 'control.sock') },
    },
    { RTPO_AMI_SECRET: SECRET },
  );
}

const byId = (rs: readonly { id: string }[], id: string): unknown => rs.find((r) => r.id === id);

describe('rtp-offload doctor against the simulated PBX', { timeout: 30_000 }, () => {
  it('accepts a user with the classes the agent needs, and warns that the module is not loaded', async () => {
    const cfg = config();
    const rs = await checkAmi(cfg, amiProbe(cfg.asterisk.ami!, 5000));
    expect(rs.map((r) => [r.id, r.status])).toEqual([
      ['ami.login', 'ok'],
      ['ami.permissions', 'ok'],
      ['asterisk.module', 'warn'],
      ['asterisk.endpoints', 'ok'],
      ['asterisk.rtp-conf', 'ok'],
    ]);
    expect(byId(rs, 'asterisk.module')).toMatchObject({
      message: expect.stringContaining('payload types stay unknown'),
    });
  });

  it('fails a refused login and names where to fix it', async () => {
    const cfg = parseConfig(
      { ...rawOf(config()), asterisk: { ami: { ...rawOf(config()).asterisk.ami } } },
      { RTPO_AMI_SECRET: 'wrong' },
    );
    const rs = await checkAmi(cfg, amiProbe(cfg.asterisk.ami!, 5000));
    expect(rs[0]).toMatchObject({
      id: 'ami.login',
      status: 'fail',
      message: expect.stringContaining('refused'),
    });
    expect(rs[0]!.fix).toContain('[offload] section of manager.conf');
    expect(rs.slice(1).map((r) => r.status)).toEqual(['skip', 'skip', 'skip', 'skip']);
  });

  it('fails a user whose write= classes do not cover the actions the agent sends', async () => {
    const cfg = config({ username: 'reader' });
    const rs = await checkAmi(cfg, amiProbe(cfg.asterisk.ami!, 5000));
    expect(byId(rs, 'ami.permissions')).toMatchObject({
      status: 'fail',
      // Getvar and CoreShowChannels also run with `reporting` (as in manager.c); the
      // endpoint actions need `system`. Setvar and UserEvent are not needed to offload.
      message: 'the AMI user may not run PJSIPShowEndpoint or SIPshowpeer (system)',
    });
    expect(byId(rs, 'asterisk.rtp-conf')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('strictrtp unknown'),
      fix: expect.stringContaining('write=system'),
    });
  });

  it('fails an AMI port nobody listens on', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const cfg = config({ port: closed });
    const rs = await checkAmi(cfg, amiProbe(cfg.asterisk.ami!, 2000));
    expect(rs[0]).toMatchObject({
      id: 'ami.login',
      status: 'fail',
      message: expect.stringContaining('not reachable'),
    });
  });

  it('warns about a user holding classes the agent never uses', async () => {
    const probe: AmiProbe = {
      login: async () => undefined,
      close: async () => undefined,
      listCommands: async () => ({
        ...Object.fromEntries(
          [
            'BridgeInfo',
            'BridgeList',
            'CoreShowChannels',
            'CoreStatus',
            'Getvar',
            'Setvar',
            'UserEvent',
            'PJSIPShowEndpoint',
          ].map((a) => [a, `x  (Priv: system,all)`]),
        ),
        Command: 'Executes an Asterisk CLI command.  (Priv: command,all)',
        RtpOffloadList: 'List offload pairs.  (Priv: <none>)',
      }),
    };
    const rs = await checkAmi(config(), probe);
    expect(byId(rs, 'ami.permissions')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('command'),
    });
    expect(byId(rs, 'asterisk.module')).toMatchObject({ status: 'ok' });
  });

  it('fails an unreachable switch and skips what needs it; exit code 1', async () => {
    const rs = await diagnose(config(), { timeoutMs: 2000 });
    expect(byId(rs, 'switch.reachable')).toMatchObject({ status: 'fail' });
    expect(byId(rs, 'switch.uplink')).toMatchObject({ status: 'skip' });
    expect(byId(rs, 'ami.login')).toMatchObject({ status: 'ok' });
    expect(doctorExitCode(rs)).toBe(1);
    expect(formatResults(rs)).toMatch(/^FAIL {2}switch\.reachable/m);
  });

  it('fails an invalid configuration, naming the key, and asks nothing else', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ switch: { target: 'nowhere' } }));
    const rs = await doctor(path);
    expect(rs[0]).toMatchObject({ id: 'config', status: 'fail' });
    expect(rs.slice(1).every((r) => r.status === 'skip')).toBe(true);
    expect(doctorExitCode(rs)).toBe(1);
  });
});

/** The raw form of a test configuration, to vary one key. */
function rawOf(cfg: Config): { asterisk: { ami: Record<string, unknown> } } & Record<string, unknown> {
  const ami = cfg.asterisk.ami!;
  return {
    asterisk: { ami: { host: ami.host, port: ami.port, username: ami.username } },
    switch: {
      target: cfg.switch.target,
      uplinkPort: cfg.switch.uplinkPort,
      bridgeInterface: cfg.switch.bridgeInterface,
    },
    control: { socket: cfg.control.socket },
  };
}
