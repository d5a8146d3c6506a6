import { chmodSync, lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { Coalesced } from './coalesce.js';
import { toBridgeDto } from './map.js';
import type { AgentControl, BridgeView } from './provider.js';

export class ControlError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

/** What a route sees: the agent, and its bridge listing with switch reads coalesced. */
interface Context {
  readonly control: AgentControl;
  bridges(refresh: boolean): Promise<readonly BridgeView[]>;
}

type Handler = (
  control: Context,
  params: string[],
  body: Record<string, unknown>,
  query: URLSearchParams,
) => Promise<unknown>;

const ID_RE = /^[A-Za-z0-9._:/@;-]{1,128}$/;

function idOf(body: Record<string, unknown>): string {
  const id = body.id;
  if (typeof id !== 'string' || !ID_RE.test(id))
    throw new ControlError(
      'BAD_ID',
      400,
      `"id" must be a bridge or channel id, got ${JSON.stringify(id ?? null)}`,
    );
  return id;
}

async function affected(p: Promise<string[]>, id: string): Promise<{ bridges: string[] }> {
  const bridges = await p;
  if (bridges.length === 0)
    throw new ControlError('UNKNOWN_ID', 404, `no bridge or bridged channel with id ${id}`);
  return { bridges };
}

const routes: [string, RegExp, Handler][] = [
  ['GET', /^\/v1\/status$/, async (c) => c.control.status()],
  [
    'GET',
    /^\/v1\/bridges$/,
    async (c, _p, _b, q) => (await c.bridges(q.get('refresh') === '1')).map(toBridgeDto),
  ],
  [
    'GET',
    /^\/v1\/streams$/,
    async (c) => (await c.bridges(true)).filter((b) => b.state === 'offloaded').map(toBridgeDto),
  ],
  [
    'GET',
    /^\/v1\/bridges\/([^/]+)$/,
    async (c, [id]) => {
      const s = await c.control.explain(decodeURIComponent(id!));
      if (!s) throw new ControlError('UNKNOWN_ID', 404, `no bridge with id ${decodeURIComponent(id!)}`);
      return toBridgeDto(s);
    },
  ],
  ['POST', /^\/v1\/offload$/, async (c, _p, b) => affected(c.control.offload(idOf(b)), idOf(b))],
  ['POST', /^\/v1\/revert$/, async (c, _p, b) => affected(c.control.revert(idOf(b)), idOf(b))],
  ['POST', /^\/v1\/unpin$/, async (c, _p, b) => affected(c.control.unpin(idOf(b)), idOf(b))],
  [
    'POST',
    /^\/v1\/kill-switch$/,
    async (c, _p, b) => {
      if (typeof b.on !== 'boolean') throw new ControlError('BAD_BODY', 400, '"on" must be true or false');
      await c.control.setKillSwitch(b.on);
      return { killSwitch: b.on };
    },
  ],
];

export interface ControlServerOptions {
  /** Counter reads from the switch (`/v1/streams`, `?refresh=1`) at most this often. @default 1000 */
  readonly minRefreshIntervalMs?: number;
  /** Monotonic milliseconds, for the refresh spacing. @default performance.now */
  readonly now?: () => number;
}

/**
 * The local control API: JSON over HTTP on a unix socket. The socket appears at its path
 * only once it has its mode (never world-writable), so file permissions decide who may pin
 * calls from the first connection on.
 */
export class ControlServer {
  private readonly server: http.Server;
  private readonly ctx: Context;
  private bound: { path: string; ino: number } | null = null;

  constructor(
    private readonly control: AgentControl,
    options: ControlServerOptions = {},
  ) {
    const live = new Coalesced(
      () => control.bridges(true),
      () => control.bridges(false),
      options.minRefreshIntervalMs ?? 1000,
      options.now,
    );
    this.ctx = { control, bridges: (refresh) => (refresh ? live.get() : control.bridges(false)) };
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  /**
   * Binds inside a fresh 0700 directory beside `path`, sets the mode, then renames the
   * socket into place: nobody can connect before the mode is right, and the process umask
   * (shared by every concurrent file creation in the agent) is never touched.
   */
  async listen(path: string, mode: number): Promise<void> {
    if (mode & 0o002)
      throw new ControlError('BAD_MODE', 500, `control socket mode ${mode.toString(8)} is world-writable`);
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    // Only replace a stale socket, never a regular file someone pointed us at.
    const existing = statOrNull(path);
    if (existing && !existing.isSocket())
      throw new ControlError('BAD_PATH', 500, `${path} exists and is not a socket`);
    const privateDir = mkdtempSync(join(dirname(path), '.rtpo-'));
    try {
      const staging = join(privateDir, 's');
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen(staging, () => {
          this.server.off('error', reject);
          resolve();
        });
      });
      chmodSync(staging, mode);
      renameSync(staging, path);
      this.bound = { path, ino: lstatSync(path).ino };
    } catch (err) {
      if (this.server.listening) await this.close();
      throw err;
    } finally {
      rmSync(privateDir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    // The socket was bound under its staging name, so closing does not unlink it: do it,
    // unless another agent has replaced it meanwhile.
    if (this.bound && statOrNull(this.bound.path)?.ino === this.bound.ino) rmSync(this.bound.path);
    this.bound = null;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://agent');
    try {
      if (req.method === 'GET' && url.pathname === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(this.control.metrics());
        return;
      }
      const route = routes.find(([m, re]) => m === req.method && re.test(url.pathname));
      if (!route) throw new ControlError('NOT_FOUND', 404, `no route ${req.method} ${url.pathname}`);
      const body = req.method === 'POST' ? await readJson(req) : {};
      const params = route[1].exec(url.pathname)!.slice(1);
      const out = await route[2](this.ctx, params, body, url.searchParams);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
    } catch (err) {
      const e = err instanceof ControlError ? err : new ControlError('INTERNAL', 500, (err as Error).message);
      res.writeHead(e.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: e.code, message: e.message } }));
    }
  }
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) throw new ControlError('BAD_BODY', 413, 'request body over 64 KiB');
    chunks.push(c as Buffer);
  }
  if (size === 0) return {};
  try {
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw new ControlError('BAD_BODY', 400, `request body is not a JSON object: ${(err as Error).message}`);
  }
}

function statOrNull(path: string): ReturnType<typeof lstatSync> | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}
