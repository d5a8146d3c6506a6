import { loadConfig, type Config } from '../config.js';
import { InterfaceAddresses } from '../net/index.js';
import { amiProbe, checkAmi, type AmiProbe } from './ami-checks.js';
import { checkAri } from './ari-checks.js';
import { fail, ok, skip, type CheckResult } from './check.js';
import { checkBridgeInterface } from './host-checks.js';
import { checkSwitch } from './switch-checks.js';

export interface DoctorOptions {
  /** Per dependency. @default 3000 */
  readonly timeoutMs?: number;
  /** Replaces the AMI session built from the configuration (tests). */
  readonly ami?: AmiProbe;
}

/** Every check over an already parsed configuration; independent checks run side by side. */
export async function diagnose(cfg: Config, o: DoctorOptions = {}): Promise<CheckResult[]> {
  const timeoutMs = o.timeoutMs ?? 3000;
  const ami = cfg.asterisk.ami;
  const probe = o.ami ?? (ami && cfg.asterisk.source === 'ami' ? amiProbe(ami, timeoutMs) : null);
  const addrs = new InterfaceAddresses(cfg.netns ? { netns: cfg.netns } : {});
  const [sw, host, pbx, ari] = await Promise.all([
    checkSwitch(cfg, { timeoutMs }),
    checkBridgeInterface(cfg, addrs),
    checkAmi(cfg, probe),
    checkAri(cfg, timeoutMs),
  ]);
  return [...sw, host, ...(cfg.asterisk.source === 'ari' ? ari : pbx)];
}

/** `rtp-offload doctor`: the configuration first; without a valid one nothing else can be asked. */
export async function doctor(configPath: string, o: DoctorOptions = {}): Promise<CheckResult[]> {
  let cfg: Config;
  try {
    cfg = loadConfig(configPath);
  } catch (err) {
    return [
      fail('config', `${configPath}: ${(err as Error).message}`, 'see docs/configuration.md for every key'),
      skip('switch.reachable', 'no valid configuration'),
      skip('ami.login', 'no valid configuration'),
    ];
  }
  return [ok('config', `${configPath} is valid`), ...(await diagnose(cfg, o))];
}
