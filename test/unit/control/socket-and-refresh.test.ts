import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ControlClient } from '../../../src/control/client.js';
import type { AgentControl, BridgeView } from '../../../src/control/provider.js';
import { ControlServer } from '../../../src/control/server.js';
import { bridge, fakeAgent } from '../cli/helpers.js';

const dirs: string[] = [];
const servers: ControlServer[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rtpo-sock-'));
  dirs.push(d);
  return d;
}

describe('the control socket', () => {
  it.each([0o000, 0o022, 0o077])(
    'gets mode 0660 under process umask %o, and the umask is never touched',
    async (_name, mask) => {
      const old = process.umask(mask);
      try {
        const spy = vi.spyOn(process, 'umask');
        const dir = tempDir();
        const s = new ControlServer(fakeAgent(() => []));
        servers.push(s);
        await s.listen(join(dir, 'control.sock'), 0o660);
        expect(statSync(join(dir, 'control.sock')).mode & 0o777).toBe(0o660);
        expect(spy).not.toHaveBeenCalled();
        // The private directory it was bound in is gone.
        expect(readdirSync(dir)).toEqual(['control.sock']);
        expect(await new ControlClient(join(dir, 'control.sock')).get('/v1/status')).toMatchObject({
          version: '9.9.9',
        });
      } finally {
        process.umask(old);
      }
    },
  );

  it('replaces a stale socket and removes its own on close', async () => {
    const dir = tempDir();
    const path = join(dir, 'control.sock');
    const first = new ControlServer(fakeAgent(() => []));
    await first.listen(path, 0o660);
    const second = new ControlServer(fakeAgent(() => []));
    servers.push(second);
    await second.listen(path, 0o600);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // The first one's close must not remove the second one's socket.
    await first.close();
    expect(existsSync(path)).toBe(true);
    await servers.pop()!.close();
    expect(existsSync(path)).toBe(false);
  });
});

describe('counter refreshes through the control API', () => {
  function slowAgent(): AgentControl & { dumps: number; release(): void } {
    let dumps = 0;
    let releases: (() => void)[] = [];
    const base = fakeAgent(() => [bridge('B1')]);
    return {
      ...base,
      get dumps() {
        return dumps;
      },
      release: () => {
        for (const r of releases.splice(0)) r();
        releases = [];
      },
      bridges: async (refresh: boolean): Promise<BridgeView[]> => {
        if (refresh) {
          dumps++;
          await new Promise<void>((resolve) => releases.push(resolve));
        }
        return [bridge('B1')];
      },
    };
  }

  it('share one flow dump among concurrent requests and space dumps by the minimum interval', async () => {
    const dir = tempDir();
    const agent = slowAgent();
    let now = 1_000;
    const s = new ControlServer(agent, { minRefreshIntervalMs: 1000, now: () => now });
    servers.push(s);
    await s.listen(join(dir, 'c.sock'), 0o660);
    const c = new ControlClient(join(dir, 'c.sock'));
    const answers = Promise.all([
      c.get<unknown[]>('/v1/streams'),
      c.get<unknown[]>('/v1/streams'),
      c.get<unknown[]>('/v1/bridges?refresh=1'),
      c.get<unknown[]>('/v1/streams'),
    ]);
    await vi.waitFor(() => expect(agent.dumps).toBe(1), { timeout: 10_000 });
    // Give the other requests every chance to start a dump of their own.
    await new Promise((r) => setTimeout(r, 200));
    expect(agent.dumps).toBe(1);
    agent.release();
    expect((await answers).map((a) => a.length)).toEqual([1, 1, 1, 1]);

    now += 500;
    await c.get('/v1/streams');
    expect(agent.dumps).toBe(1);

    now += 600;
    const later = c.get('/v1/streams');
    await vi.waitFor(() => expect(agent.dumps).toBe(2), { timeout: 10_000 });
    agent.release();
    await later;
    // A plain listing never dumps.
    await c.get('/v1/bridges');
    expect(agent.dumps).toBe(2);
  });
});
