import type { AmiLogger } from '../ami/logger.js';

/**
 * swagger-client 2.0.26 (loaded by ari-client) prints through a global `log` function it
 * defines in sloppy mode: `console.log` of an array, e.g. "This API is using a deprecated
 * version of Swagger!" on every connect to Asterisk's Swagger 1.1 documents, and it keeps
 * every line in `log.history` for ever. Those lines are replaced by one debug line each
 * through the agent's logger (whose JSON lines nothing else may interleave with), and no
 * history is kept. The global is shared by the process: the latest source's logger wins.
 */
export function routeLibraryLog(logger: AmiLogger): void {
  const g = globalThis as { log?: unknown };
  g.log = (...args: unknown[]): void => {
    logger.debug('ari-client library message', { text: args.map(String).join(' ') });
  };
}
