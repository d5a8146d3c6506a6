import { AmiSource, AriSource } from '../asterisk/index.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { PbxSource } from '../model/pbx.js';

/** The PBX adapter the configuration names. */
export function pbxSource(cfg: Config, log: Logger): PbxSource & { status?: string } {
  const { ami, ari } = cfg.asterisk;
  if (cfg.asterisk.source === 'ari' && ari) {
    return new AriSource({
      url: ari.url,
      username: ari.username,
      password: ari.password,
      app: ari.app,
      logger: log.child({ part: 'ari' }),
    });
  }
  if (!ami) throw new Error('config: asterisk.ami is required when asterisk.source is "ami"');
  return new AmiSource({
    host: ami.host,
    port: ami.port,
    username: ami.username,
    secret: ami.secret,
    requestTimeoutMs: ami.requestTimeoutMs,
    // Resync soon after Asterisk is back: offloads are only kept for the grace period.
    reconnect: { initialDelayMs: 250, maxDelayMs: 2000 },
    queue: { concurrency: ami.requestConcurrency, intervalCap: ami.requestsPerSecond, intervalMs: 1000 },
    logger: log.child({ part: 'ami' }),
  });
}
