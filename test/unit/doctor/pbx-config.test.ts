import { createServer, type Server } from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../../src/config.js';
import { amiProbe, checkAmi } from '../../../src/doctor/ami-checks.js';
import { checkPermissions, provenClasses } from '../../../src/doctor/ami-permissions.js';
import { ariChecks } from '../../../src/doctor/ari-checks.js';
import { rtpGeneral } from '../../../src/doctor/endpoint-checks.js';
import { SimulatedPbx } from '../../../src/lab/pbx/index.js';

const SECRET = 'doctor-config-secret';
let dir: string;
const pbxs: SimulatedPbx[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtpo-doctor-cfg-'));
});
afterAll(async () => {
  await Promise.all(pbxs.map((p) => p.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function pbxWith(o: Partial<Parameters<typeof SimulatedPbx.start>[0]>): Promise<SimulatedPbx> {
  const pbx = await SimulatedPbx.start({
    version: 22,
    driver: 'pjsip',
    ami: {
      host: '127.0.0.1',
      port: 0,
      users: [
        {
          username: 'offload',
          secret: SECRET,
          read: 'call,dialplan,reporting',
          write: 'system,call,reporting,user',
        },
        { username: 'nosystem', secret: SECRET, read: 'call', write: 'call,reporting,user' },
      ],
    },
    localAddress: { ipv4: '127.0.0.1' },
    endpoints: { alice: {}, bob: {} },
    ...o,
  });
  pbxs.push(pbx);
  return pbx;
}

function config(pbx: SimulatedPbx, username = 'offload', policy: Record<string, unknown> = {}): Config {
  const { host, port } = pbx.amiAddress();
  return parseConfig(
    {
      asterisk: { ami: { host, port, username } },
      switch: { target: `unix:${join(dir, 'no-switch.mgmt')}`, uplinkPort: 'eth0', bridgeInterface: 'lo' },
      control: { socket: join(dir, 'control.sock') },
      policy,
    },
    { RTPO_AMI_SECRET: SECRET },
  );
}

async function check(pbx: SimulatedPbx, username?: string, policy?: Record<string, unknown>) {
  const cfg = config(pbx, username, policy);
  const rs = await checkAmi(cfg, amiProbe(cfg.asterisk.ami!, 5000));
  return (id: string) => rs.find((r) => r.id === id)!;
}

describe('doctor: endpoints that can never be offloaded (simulated PBX)', { timeout: 30_000 }, () => {
  it('counts each endpoint by the setting that keeps it off the switch, and names them', async () => {
    const pbx = await pbxWith({
      endpoints: {
        alice: {},
        bob: {},
        dm1: { directMedia: true },
        dm2: { directMedia: true },
        ice: { iceSupport: true },
        mux: { rtcpMux: true },
        srtp: { mediaEncryption: 'sdes' },
        ka: { rtpKeepalive: 5 },
        kafine: { rtpKeepalive: 30 },
        timeout: { rtpTimeout: 30 },
      },
    });
    const r = (await check(pbx))('asterisk.endpoints');
    expect(r.status).toBe('warn');
    expect(r.message).toContain('6 of 10 endpoints can never be offloaded');
    expect(r.message).toContain('direct_media=yes 2 (dm1, dm2)');
    expect(r.message).toContain('ice_support=yes 1 (ice)');
    expect(r.message).toContain('rtcp_mux=yes 1 (mux)');
    expect(r.message).toContain('media_encryption=sdes 1 (srtp)');
    expect(r.message).toContain('rtp_keepalive not above the RTCP interval (5 s) 1 (ka)');
    expect(r.message).toContain(
      'offloaded only once their phones send RTCP: rtp_timeout 1 (timeout)',
    );
    expect(r.message).not.toContain('kafine');
    expect(r.fix).toContain('direct_media=no');
  });

  it('judges rtp_keepalive against policy.rtcpIntervalSec', async () => {
    const pbx = await pbxWith({ endpoints: { ka: { rtpKeepalive: 5 } }, rtcpIntervalMs: 4000 });
    const r = (await check(pbx, 'offload', { rtcpIntervalSec: 4 }))('asterisk.endpoints');
    expect(r.status).toBe('ok');
    expect(r.message).toBe('all 1 PJSIP endpoints can be offloaded');
  });

  it('says what is missing when the user may not list endpoints', async () => {
    const pbx = await pbxWith({});
    const get = await check(pbx, 'nosystem');
    expect(get('ami.permissions').status).toBe('fail');
    expect(get('asterisk.endpoints')).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('write=system'),
    });
  });
});

describe('doctor: rtp.conf (simulated PBX)', { timeout: 30_000 }, () => {
  it('passes strictrtp=yes with the RTCP interval the policy assumes', async () => {
    const r = (await check(await pbxWith({})))('asterisk.rtp-conf');
    expect(r).toMatchObject({ status: 'ok', message: 'strictrtp=yes, rtcpinterval=5000 ms' });
  });

  it('warns about strictrtp=no and an rtcpinterval the policy does not know', async () => {
    const r = (await check(await pbxWith({ strictRtp: false, rtcpIntervalMs: 2000 })))('asterisk.rtp-conf');
    expect(r.status).toBe('warn');
    expect(r.message).toContain('strictrtp=no');
    expect(r.message).toContain('rtcpinterval=2000 ms but policy.rtcpIntervalSec is 5');
    expect(r.fix).toBe('set strictrtp=yes in rtp.conf and policy.rtcpIntervalSec 2');
  });

  it('reports strictrtp unknown, with the fix, to a user that may not read configuration', async () => {
    const r = (await check(await pbxWith({}), 'nosystem'))('asterisk.rtp-conf');
    expect(r).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/^strictrtp unknown: .*Permission denied/),
    });
  });

  it('reads only [general] of a GetConfig reply', () => {
    const s = rtpGeneral({
      Response: 'Success',
      'Category-000000': 'general',
      'Line-000000-000000': 'strictrtp=seqno',
      'Category-000001': 'ice_host_candidates',
      'Line-000001-000000': 'strictrtp=no',
    });
    expect([...s]).toEqual([['strictrtp', 'seqno']]);
  });
});

describe('doctor: AMI rights wider than the agent needs', () => {
  // Lines as Asterisk 22.10.1 lists them (ListCommands), for a user with
  // write=system,call,reporting,user: several actions of more than one class are listed
  // although the user holds only one of their classes.
  const line = (priv: string): string => `x.  (Priv: ${priv})`;
  const needed: Record<string, string> = {
    BridgeInfo: line('<none>'),
    BridgeList: line('<none>'),
    CoreShowChannels: line('system,reporting,all'),
    CoreStatus: line('system,reporting,all'),
    Getvar: line('call,reporting,all'),
    Setvar: line('call,all'),
    UserEvent: line('user,all'),
    PJSIPShowEndpoint: line('system,all'),
    ShowDialPlan: line('config,reporting,all'),
    GetConfig: line('system,config,all'),
    Reload: line('system,config,all'),
  };

  it("does not mistake the classes of a multi-class action for the user's", () => {
    expect([...provenClasses(needed)].sort()).toEqual(['call', 'system', 'user']);
    expect(checkPermissions('offload', needed).status).toBe('ok');
  });

  it('warns about command, originate and config, each proven by an action of that class alone', () => {
    const r = checkPermissions('offload', {
      ...needed,
      Command: line('command,all'),
      Originate: line('originate,all'),
      UpdateConfig: line('config,all'),
    });
    expect(r.status).toBe('warn');
    expect(r.message).toContain('command (CLI commands, including core stop/restart)');
    expect(r.message).toContain('originate (placing calls)');
    expect(r.message).toContain('config (rewriting configuration files)');
    expect(r.fix).toBe('narrow [offload] to write=system,call,reporting,user');
  });

  it('warns, without failing, when only the accounting actions are refused', () => {
    const { Setvar: _s, UserEvent: _u, ...rest } = needed;
    const r = checkPermissions('offload', rest);
    expect(r.status).toBe('warn');
    expect(r.message).toContain('Setvar (call: no RTPOFFLOAD_* channel variables for CDR/CEL)');
    expect(r.message).toContain('offloading works');
  });
});

describe('doctor: ARI', { timeout: 30_000 }, () => {
  let server: Server | null = null;
  afterEach(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = null;
  });

  /** An HTTP server answering like res_ari: 401 for a wrong password, 403 for a write by a read-only user. */
  async function fakeAri(readOnly: boolean): Promise<string> {
    const good = `Basic ${Buffer.from('agent:pw').toString('base64')}`;
    server = createServer((req, res) => {
      if (req.headers.authorization !== good) return void res.writeHead(401).end();
      if (req.method === 'GET' && req.url?.startsWith('/ari/asterisk/info'))
        return void res.writeHead(200).end('{}');
      if (req.method === 'POST') return void res.writeHead(readOnly ? 403 : 400).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server!.address() as net.AddressInfo).port}`;
  }
  const ari = (url: string, password = 'pw') => ({ url, username: 'agent', password, app: 'rtp-offload' });

  it('accepts a login that may write', async () => {
    const rs = await ariChecks(ari(await fakeAri(false)), 2000);
    expect(rs.map((r) => [r.id, r.status])).toEqual([
      ['ari.login', 'ok'],
      ['ari.permissions', 'ok'],
    ]);
  });

  it('fails a refused password and names ari.conf', async () => {
    const rs = await ariChecks(ari(await fakeAri(false), 'wrong'), 2000);
    expect(rs[0]).toMatchObject({
      id: 'ari.login',
      status: 'fail',
      message: expect.stringContaining('HTTP 401'),
    });
    expect(rs[0]!.fix).toContain('[agent] section of ari.conf');
  });

  it('warns about a read-only user', async () => {
    const rs = await ariChecks(ari(await fakeAri(true)), 2000);
    expect(rs[1]).toMatchObject({
      id: 'ari.permissions',
      status: 'warn',
      fix: expect.stringContaining('read_only = no'),
    });
  });

  it('fails an HTTP port nobody listens on', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const rs = await ariChecks(ari(`http://127.0.0.1:${closed}`), 2000);
    expect(rs[0]).toMatchObject({ status: 'fail', message: expect.stringContaining('ECONNREFUSED') });
  });
});
