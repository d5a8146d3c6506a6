import type { Config } from '../config.js';
import { AmiConnection } from '../asterisk/ami/connection.js';
import { DEFAULT_AMI_OPTIONS } from '../asterisk/index.js';
import { MODULE_LIST_ACTION } from '../asterisk/module/index.js';
import { fail, ok, skip, warn, within, type CheckResult } from './check.js';

/** Every action the agent sends (one of the two endpoint actions, by channel driver). */
const NEEDED = [
  'BridgeInfo',
  'BridgeList',
  'CoreShowChannels',
  'CoreStatus',
  'Getvar',
  'Setvar',
  'UserEvent',
];
const ENDPOINT_ACTIONS = ['PJSIPShowEndpoint', 'SIPshowpeer'];
/** write= classes the agent needs; anything else the user holds is more than it needs. */
const NEEDED_CLASSES = new Set(['system', 'call', 'reporting', 'user', 'all']);

/** The minimal interface of an AMI session the checks use, so tests can hand in their own. */
export interface AmiProbe {
  login(): Promise<void>;
  listCommands(): Promise<Readonly<Record<string, string>>>;
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
    close: () => conn.stop(),
  };
}

/** `Getvar: Gets a channel variable.  (Priv: call,all)` → the classes named. */
function privileges(line: string): string[] {
  const m = /\(Priv: ([^)]*)\)\s*$/.exec(line);
  return m
    ? m[1]!
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '' && s !== '<none>')
    : [];
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
      ];
    }
    const results = [ok('ami.login', `logged in as ${where}`)];
    const commands = await probe.listCommands();
    const has = (a: string): boolean =>
      Object.keys(commands).some((k) => k.toLowerCase() === a.toLowerCase());
    const missing = NEEDED.filter((a) => !has(a));
    if (!ENDPOINT_ACTIONS.some(has)) missing.push(ENDPOINT_ACTIONS.join(' or '));
    const wider = [...new Set(Object.values(commands).flatMap(privileges))]
      .filter((c) => !NEEDED_CLASSES.has(c))
      .sort();
    if (missing.length > 0)
      results.push(
        fail(
          'ami.permissions',
          `the AMI user may not run ${missing.join(', ')}`,
          `give [${ami.username}] in manager.conf read=system,call,dialplan,reporting and write=system,call,reporting,user`,
        ),
      );
    else if (wider.length > 0)
      results.push(
        warn(
          'ami.permissions',
          `the AMI user also holds ${wider.join(', ')}, which the agent never uses`,
          `narrow [${ami.username}] to write=system,call,reporting,user`,
        ),
      );
    else
      results.push(
        ok('ami.permissions', 'the AMI user may run every action the agent sends, and no more classes'),
      );
    results.push(
      has(MODULE_LIST_ACTION)
        ? ok('asterisk.module', `res_rtp_offload is loaded (${MODULE_LIST_ACTION} available)`)
        : warn(
            'asterisk.module',
            'res_rtp_offload is not loaded: payload types stay unknown (no offload unless policy.assumeSamePayloadTypes) and every leg costs Getvar round trips',
            'build and load asterisk-module/res_rtp_offload (see its README), then `module load res_rtp_offload.so`',
          ),
    );
    return results;
  } finally {
    await probe.close().catch(() => undefined);
  }
}
