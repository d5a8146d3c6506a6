import type { Config } from '../config.js';
import { AmiConnection } from '../asterisk/ami/connection.js';
import { DEFAULT_AMI_OPTIONS } from '../asterisk/index.js';
import { MODULE_LIST_ACTION } from '../asterisk/module/index.js';
import type { AmiMessage } from '../asterisk/ami/message.js';
import { checkPermissions } from './ami-permissions.js';
import { fail, ok, skip, warn, within, type CheckResult } from './check.js';
import { checkEndpoints, checkRtpConf, type AmiQuery } from './endpoint-checks.js';

/** The minimal interface of an AMI session the checks use, so tests can hand in their own. */
export interface AmiProbe {
  login(): Promise<void>;
  listCommands(): Promise<Readonly<Record<string, string>>>;
  /** Endpoint and rtp.conf checks; a probe without it skips them. */
  readonly query?: AmiQuery;
  close(): Promise<void>;
}

/** A real AMI session from the configuration: one login, no reconnect. */
export function amiProbe(cfg: NonNullable<Config['asterisk']['ami']>, timeoutMs: number): AmiProbe {
  const conn = new AmiConnection({
    ...DEFAULT_AMI_OPTIONS,
    host: cfg.host,
    port: cfg.port,
    username: cfg.username,
    secret: cfg.secret,
    eventMask: 'off',
    requestTimeoutMs: timeoutMs,
    connectTimeoutMs: timeoutMs,
    pingIntervalMs: 0,
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    random: Math.random,
  });
  return {
    login: () =>
      within(
        new Promise<void>((resolve, reject) => {
          conn.onReady(resolve);
          conn.onAuthFailed(reject);
          conn.onDown((d) => reject(new Error(d.reason)));
          conn.start();
        }),
        timeoutMs + 500,
        `AMI ${cfg.host}:${cfg.port}`,
      ),
    listCommands: async () => (await conn.request({ Action: 'ListCommands' })).toJSON(),
    query: {
      request: (action): Promise<AmiMessage> => conn.request({ ...action, Action: action.Action ?? '' }),
      requestList: async (action): Promise<readonly AmiMessage[]> =>
        (await conn.requestList({ ...action, Action: action.Action ?? '' })).items,
    },
    close: () => conn.stop(),
  };
}

export async function checkAmi(cfg: Config, probe: AmiProbe | null): Promise<CheckResult[]> {
  const ami = cfg.asterisk.ami;
  if (cfg.asterisk.source !== 'ami' || !ami || !probe)
    return [skip('ami.login', `asterisk.source is ${cfg.asterisk.source}: AMI not checked`)];
  const where = `${ami.username}@${ami.host}:${ami.port}`;
  try {
    try {
      await probe.login();
    } catch (err) {
      const e = err as Error & { code?: string };
      const refused = e.code === 'AMI_AUTH_FAILED';
      return [
        fail(
          'ami.login',
          refused
            ? `AMI login of ${where} refused: ${e.message}`
            : `AMI at ${ami.host}:${ami.port} not reachable: ${e.message}`,
          refused
            ? `check the [${ami.username}] section of manager.conf and the secret in the environment (asterisk.ami.secretEnv, default RTPO_AMI_SECRET)`
            : 'check asterisk.ami.host/port, that manager.conf has enabled=yes and bindaddr allows this host',
        ),
        skip('ami.permissions', 'no AMI session'),
        skip('asterisk.module', 'no AMI session'),
        skip('asterisk.endpoints', 'no AMI session'),
        skip('asterisk.rtp-conf', 'no AMI session'),
      ];
    }
    const results = [ok('ami.login', `logged in as ${where}`)];
    const commands = await probe.listCommands();
    const has = (a: string): boolean =>
      Object.keys(commands).some((k) => k.toLowerCase() === a.toLowerCase());
    results.push(checkPermissions(ami.username, commands));
    results.push(
      has(MODULE_LIST_ACTION)
        ? ok('asterisk.module', `res_rtp_offload is loaded (${MODULE_LIST_ACTION} available)`)
        : warn(
            'asterisk.module',
            'res_rtp_offload is not loaded: payload types stay unknown (no offload unless policy.assumeSamePayloadTypes) and every leg costs Getvar round trips',
            'build and load asterisk-module/res_rtp_offload (see its README), then `module load res_rtp_offload.so`',
          ),
    );
    results.push(...(await configChecks(cfg, probe, has)));
    return results;
  } finally {
    await probe.close().catch(() => undefined);
  }
}

/** Endpoints and rtp.conf, when the probe can ask and the user may (else say what is missing). */
async function configChecks(
  cfg: Config,
  probe: AmiProbe,
  has: (a: string) => boolean,
): Promise<CheckResult[]> {
  const q = probe.query;
  const interval = cfg.policy.rtcpIntervalSec;
  const user = cfg.asterisk.ami?.username ?? '';
  if (!q) return [skip('asterisk.endpoints', 'not asked'), skip('asterisk.rtp-conf', 'not asked')];
  const endpoints = has('PJSIPShowEndpoints')
    ? await checkEndpoints(q, interval)
    : has('SIPshowpeer')
      ? skip(
          'asterisk.endpoints',
          'chan_sip: endpoints are not listed (only chan_pjsip endpoints are checked)',
        )
      : warn(
          'asterisk.endpoints',
          'endpoints unknown: the AMI user may not run PJSIPShowEndpoints',
          `give [${user}] write=system`,
        );
  return [endpoints, await checkRtpConf(q, user, interval)];
}
