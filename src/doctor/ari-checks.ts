/**
 * `asterisk.source: ari`: Asterisk's HTTP server reachable, the ari.conf user accepted, and
 * whether it may write (only the agent's accounting writes: channel variables and user
 * events; ari.conf has no finer right than `read_only`). Nothing is
 * changed on the PBX: the write test is a POST Asterisk refuses for a missing parameter
 * (400) when the user may write, and for `read_only = yes` (403) before it looks at any.
 */
import type { Config } from '../config.js';
import { fail, ok, skip, warn, type CheckResult } from './check.js';

type AriConfig = NonNullable<Config['asterisk']['ari']>;

async function get(url: string, auth: string, method: 'GET' | 'POST', timeoutMs: number): Promise<number> {
  const r = await fetch(url, {
    method,
    headers: { authorization: `Basic ${auth}` },
    signal: AbortSignal.timeout(timeoutMs),
  });
  await r.arrayBuffer().catch(() => undefined);
  return r.status;
}

export async function checkAri(cfg: Config, timeoutMs: number): Promise<CheckResult[]> {
  const ari = cfg.asterisk.ari;
  if (cfg.asterisk.source !== 'ari' || !ari) return [];
  return ariChecks(ari, timeoutMs);
}

export async function ariChecks(ari: AriConfig, timeoutMs: number): Promise<CheckResult[]> {
  const base = ari.url.replace(/\/+$/, '');
  const auth = Buffer.from(`${ari.username}:${ari.password}`).toString('base64');
  const where = `${ari.username}@${base}`;
  let status: number;
  try {
    status = await get(`${base}/ari/asterisk/info?only=system`, auth, 'GET', timeoutMs);
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return [
      fail(
        'ari.login',
        `ARI at ${base} not reachable: ${e.cause?.code ?? e.message}`,
        'check asterisk.ari.url, http.conf (enabled = yes, bindaddr/bindport) and ari.conf (enabled = yes)',
      ),
      skip('ari.permissions', 'no ARI session'),
    ];
  }
  if (status === 401)
    return [
      fail(
        'ari.login',
        `ARI login of ${where} refused (HTTP 401)`,
        `check the [${ari.username}] section of ari.conf (type = user, password) and the password in the environment (asterisk.ari.passwordEnv, default RTPO_ARI_PASSWORD)`,
      ),
      skip('ari.permissions', 'no ARI session'),
    ];
  if (status !== 200)
    return [
      fail(
        'ari.login',
        `ARI at ${base} answered HTTP ${status} to /ari/asterisk/info`,
        'check that res_ari and res_ari_asterisk are loaded',
      ),
      skip('ari.permissions', 'no ARI session'),
    ];
  const results = [ok('ari.login', `logged in as ${where}`)];
  let write: number;
  try {
    write = await get(`${base}/ari/asterisk/variable`, auth, 'POST', timeoutMs);
  } catch (err) {
    results.push(skip('ari.permissions', `write access not known: ${(err as Error).message}`));
    return results;
  }
  results.push(
    write === 403
      ? warn(
          'ari.permissions',
          `the ARI user ${ari.username} is read-only: offloading works, but the RTPOFFLOAD_* channel variables and the RtpOffloadStart/End user events are refused`,
          `set read_only = no in the [${ari.username}] section of ari.conf if CDR/CEL should see them`,
        )
      : ok('ari.permissions', `the ARI user may write (HTTP ${write} to a POST without parameters)`),
  );
  return results;
}
