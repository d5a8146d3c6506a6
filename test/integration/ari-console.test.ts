import { afterEach, describe, expect, it, vi } from 'vitest';
import { AriSource } from '../../src/asterisk/ari/index.js';
import type { AmiLogger } from '../../src/asterisk/ami/logger.js';
import { FakeAriServer } from './helpers/ari-server.js';

/**
 * ari-client (swagger-client) prints a line of its own on every connect; the agent's log
 * is JSON lines on stderr, so anything printed beside it breaks every reader of the log.
 */
let server: FakeAriServer | null = null;
let source: AriSource | null = null;
afterEach(async () => {
  vi.restoreAllMocks();
  await source?.stop();
  await server?.close();
});

describe('ari-client console output', () => {
  it('goes through the agent logger, never raw to stdout or stderr', async () => {
    server = await FakeAriServer.start({ username: 'u', password: 'p' });
    const raw: string[] = [];
    const keep =
      (stream: NodeJS.WriteStream) =>
      (chunk: unknown): boolean => {
        raw.push(`${stream === process.stderr ? 'stderr' : 'stdout'}: ${String(chunk)}`);
        return true;
      };
    vi.spyOn(process.stderr, 'write').mockImplementation(keep(process.stderr));
    vi.spyOn(process.stdout, 'write').mockImplementation(keep(process.stdout));
    for (const m of ['log', 'warn', 'error', 'info'] as const) {
      vi.spyOn(console, m).mockImplementation((...args: unknown[]) =>
        raw.push(`console.${m}: ${args.join(' ')}`),
      );
    }
    const lines: string[] = [];
    const at =
      (level: string) =>
      (msg: string, fields?: Record<string, unknown>): void => {
        lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
      };
    const logger: AmiLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    source = new AriSource({
      url: server.url,
      username: 'u',
      password: 'p',
      app: 'rtpo',
      startTimeoutMs: 5000,
      pingIntervalMs: 0,
      logger,
    });
    await source.start();
    vi.restoreAllMocks();
    expect(raw.filter((l) => /swagger/i.test(l))).toEqual([]);
    expect(raw).toEqual([]);
    expect(lines.some((l) => l.startsWith('debug') && l.includes('deprecated version of Swagger'))).toBe(
      true,
    );
  }, 20_000);
});
