/**
 * A loopback stand-in for Asterisk's ARI (res_ari + res_http_websocket) covering what the
 * ARI source and ari-client use:
 * - Basic auth or `api_key=user:pass` on every request; otherwise 401 with the recorded
 *   `WWW-Authenticate: Basic realm="Asterisk REST Interface"` and `{"message":"Authentication required"}`.
 * - `GET /ari/api-docs/resources.json` and `/ari/api-docs/{resource}.json`: Swagger 1.1
 *   documents in Asterisk's shape (httpMethod, responseClass, nickname, paramType), with
 *   `basePath` rewritten to the Host of the request as res_ari.c does, so that ari-client
 *   (swagger-client 2.0.26) builds its operations from them.
 * - The REST requests of the source, answered from the recorded transcripts
 *   (test/fixtures/asterisk-22) where they hold a reply, and otherwise from a model built from
 *   the replayed events (channels and bridges as their last snapshot in an event showed them).
 * - `GET /ari/events?app=…[&subscribeAll=true]`: the event socket, on which `play()` sends the
 *   recorded frames unchanged (ids and times as recorded).
 * Controls: drop the sockets, refuse connections for a while, restart with a new startup_time.
 */

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { resourceDoc, resourcesDoc } from '../../../src/lab/pbx/ari/swagger.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/asterisk-22/', import.meta.url));

// `ws` (6.x, a dependency of ari-client) ships no typings: the part used here.
interface WsSocket {
  readonly readyState: number;
  send(data: string, cb?: (err?: Error) => void): void;
  terminate(): void;
  close(code?: number): void;
  on(event: 'close', listener: () => void): this;
  on(event: 'ping', listener: () => void): this;
}
interface WsServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: WsSocket) => void): void;
  close(): void;
}
interface WsModule {
  Server: new (options: { noServer: true }) => WsServer;
}
const ws = createRequire(import.meta.url)('ws') as WsModule;

interface WireRecord {
  readonly t: number;
  readonly proto?: string;
  readonly dir?: 'sent' | 'received';
  readonly raw?: string;
  readonly marker?: string;
}

type Json = Record<string, unknown>;

interface RecordedReply {
  readonly status: number;
  readonly body: string;
  /** Replay step at which it was recorded. */
  readonly seq: number;
}

export interface AriServerOptions {
  readonly username: string;
  readonly password: string;
  /** @default '2026-11-22T10:40:00.000+0000' */
  readonly startupTime?: string;
}

export interface LoggedRequest {
  readonly method: string;
  /** Path and query as sent. */
  readonly target: string;
  readonly status: number;
  readonly upgrade: boolean;
}

/** The pjsip.conf of the recorded system (fixtures README), as the sorcery object prints it. */
function endpointTuples(name: string): { attribute: string; value: string }[] | null {
  const phones = ['alice', 'bob', 'carol', 'dave', 'erin', 'sdesa', 'sdesb'];
  if (!phones.includes(name)) return null;
  const v: Record<string, string> = {
    context: 'internal',
    allow: '(ulaw)',
    direct_media: 'false',
    rtp_symmetric: 'true',
    force_rport: 'true',
    rewrite_contact: 'false',
    dtmf_mode: 'rfc4733',
    rtp_timeout: name === 'dave' ? '6' : '0',
    rtp_timeout_hold: name === 'dave' ? '20' : '0',
    rtp_keepalive: '0',
    ice_support: 'false',
    rtcp_mux: name === 'erin' ? 'true' : 'false',
    media_encryption: name.startsWith('sdes') ? 'sdes' : 'no',
    tos_audio: '0',
    send_connected_line: 'true',
    moh_suggest: 'default',
  };
  return Object.entries(v).map(([attribute, value]) => ({ attribute, value }));
}

// --- the server ---------------------------------------------------------------------

export class FakeAriServer {
  readonly #options: AriServerOptions;
  #server: Server | null = null;
  #wss: WsServer = new ws.Server({ noServer: true });
  #port = 0;
  readonly #sockets = new Set<WsSocket>();
  readonly #connections = new Set<Duplex>();
  #refusing: ReturnType<typeof setTimeout> | null = null;
  #startupTime: string;
  #seq = 0;
  /** Replay position per scenario (index of the next record). */
  readonly #cursor = new Map<string, number>();
  readonly #recorded = new Map<string, RecordedReply>();
  readonly #channels = new Map<string, Json>();
  readonly #bridges = new Map<string, Json & { seq: number }>();
  #bridgeListSeq = 0;
  /** Channel name or uniqueid → variable → value, from the recorded AMI Getvar answers. */
  readonly #amiValues = new Map<string, Map<string, string>>();
  /** Values set with POST …/variable. */
  readonly #setValues = new Map<string, Map<string, string>>();
  readonly requests: LoggedRequest[] = [];
  readonly userEvents: { name: string; query: Record<string, string>; body: unknown }[] = [];
  /** Event sockets accepted so far. */
  socketsOpened = 0;
  /** Pings received on event sockets. */
  pings = 0;

  private constructor(options: AriServerOptions) {
    this.#options = options;
    this.#startupTime = options.startupTime ?? '2026-11-22T10:40:00.000+0000';
  }

  static async start(options: AriServerOptions): Promise<FakeAriServer> {
    const s = new FakeAriServer(options);
    await s.#listen(0);
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get startupTime(): string {
    return this.#startupTime;
  }

  get openSockets(): number {
    return this.#sockets.size;
  }

  #listen(port: number): Promise<void> {
    const server = createServer((req, res) => this.#onRequest(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#onUpgrade(req, socket, head),
    );
    server.on('connection', (c: Duplex) => {
      this.#connections.add(c);
      c.on('close', () => this.#connections.delete(c));
    });
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const addr = server.address();
        if (addr && typeof addr === 'object') this.#port = addr.port;
        resolve();
      });
    });
  }

  /** Closes the listener and every connection (the port is refused, as with Asterisk down). */
  async #shut(): Promise<void> {
    for (const s of this.#sockets) s.terminate();
    this.#sockets.clear();
    const server = this.#server;
    this.#server = null;
    for (const c of this.#connections) c.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    if (this.#refusing) clearTimeout(this.#refusing);
    this.#refusing = null;
    await this.#shut();
    this.#wss.close();
  }

  /** Cuts every event socket at the TCP level (no close frame), as a crash or reset would. */
  dropSockets(): void {
    for (const s of this.#sockets) s.terminate();
    this.#sockets.clear();
  }

  /** Closes the port for `ms`, then listens on the same port again. */
  async refuseFor(ms: number): Promise<void> {
    await this.#shut();
    await new Promise<void>((resolve) => {
      this.#refusing = setTimeout(() => {
        this.#refusing = null;
        resolve();
      }, ms);
    });
    await this.#listen(this.#port);
  }

  /** An Asterisk restart: everything is gone, the port is refused for `downMs`, the startup time changes. */
  async restart(startupTime: string, downMs = 200): Promise<void> {
    this.#channels.clear();
    this.#bridges.clear();
    this.#recorded.clear();
    this.#amiValues.clear();
    this.#setValues.clear();
    this.#bridgeListSeq = ++this.#seq;
    this.#startupTime = startupTime;
    await this.refuseFor(downMs);
  }

  /** Sends one text frame to every event socket. */
  async sendRaw(text: string): Promise<void> {
    await Promise.all(
      [...this.#sockets].map(
        (s) =>
          new Promise<void>((resolve) => (s.readyState === 1 ? s.send(text, () => resolve()) : resolve())),
      ),
    );
  }

  /**
   * Replays a recorded scenario from where the last play of it stopped, up to (not including)
   * the marker `until` or to the end: WebSocket frames are sent as recorded, REST replies and
   * AMI Getvar answers become the answers of this server.
   */
  async play(scenario: string, until?: string): Promise<number> {
    const records = readFileSync(`${FIXTURES}${scenario}.jsonl`, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as WireRecord);
    let i = this.#cursor.get(scenario) ?? 0;
    let sent = 0;
    let pendingHttp: string | null = null;
    let pendingGetvar: { channel: string; variable: string } | null = null;
    for (; i < records.length; i++) {
      const r = records[i] as WireRecord;
      if (r.marker !== undefined && r.marker === until && i > (this.#cursor.get(scenario) ?? 0)) break;
      if (r.raw === undefined) continue;
      if (r.proto === 'ari-ws' && r.dir === 'received') {
        this.#model(r.raw);
        await this.sendRaw(r.raw);
        sent++;
      } else if (r.proto === 'ari-http' && r.dir === 'sent') {
        const line = r.raw.split('\r\n')[0] ?? '';
        const [method = '', target = ''] = line.split(' ');
        pendingHttp = r.raw.includes('Upgrade: websocket') ? null : `${method} ${target}`;
      } else if (r.proto === 'ari-http' && r.dir === 'received' && pendingHttp) {
        const head = r.raw.split('\r\n\r\n')[0] ?? '';
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
        this.#recorded.set(pendingHttp, { status, body: r.raw.slice(head.length + 4), seq: ++this.#seq });
        pendingHttp = null;
      } else if (r.proto === 'ami' && r.dir === 'sent' && /^Action: Getvar\r\n/i.test(r.raw)) {
        const channel = /\r\nChannel: (.*)\r\n/.exec(r.raw)?.[1];
        const variable = /\r\nVariable: (.*)\r\n/.exec(r.raw)?.[1];
        pendingGetvar = channel && variable ? { channel, variable } : null;
      } else if (r.proto === 'ami' && r.dir === 'received' && pendingGetvar && /^Response: /.test(r.raw)) {
        const value = /\r\nValue: (.*)\r\n/.exec(r.raw)?.[1];
        if (/^Response: Success/.test(r.raw) && value !== undefined) {
          const m = this.#amiValues.get(pendingGetvar.channel) ?? new Map<string, string>();
          m.set(pendingGetvar.variable, value);
          this.#amiValues.set(pendingGetvar.channel, m);
        }
        pendingGetvar = null;
      }
    }
    this.#cursor.set(scenario, i);
    return sent;
  }

  /** Tracks channels and bridges as the last event snapshot shows them. */
  #model(raw: string): void {
    let ev: Json;
    try {
      ev = JSON.parse(raw) as Json;
    } catch {
      return;
    }
    const seq = ++this.#seq;
    const channel = ev['channel'] as Json | undefined;
    const bridge = ev['bridge'] as Json | undefined;
    if (channel && typeof channel['id'] === 'string') {
      if (ev['type'] === 'ChannelDestroyed') this.#channels.delete(channel['id']);
      else this.#channels.set(channel['id'], channel);
    }
    if (bridge && typeof bridge['id'] === 'string') {
      if (ev['type'] === 'BridgeDestroyed') this.#bridges.delete(bridge['id']);
      else this.#bridges.set(bridge['id'], { ...bridge, seq });
      this.#bridgeListSeq = seq;
    }
    const from = ev['bridge_from'] as Json | undefined;
    if (ev['type'] === 'BridgeMerged' && from && typeof from['id'] === 'string') {
      this.#bridges.delete(from['id']);
    }
  }

  // --- HTTP -------------------------------------------------------------------------

  #authorized(req: IncomingMessage, query: URLSearchParams): boolean {
    const { username, password } = this.#options;
    const auth = req.headers.authorization ?? '';
    if (auth === `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`) return true;
    return query.get('api_key') === `${username}:${password}`;
  }

  #log(req: IncomingMessage, status: number, upgrade = false): void {
    this.requests.push({ method: req.method ?? '', target: req.url ?? '', status, upgrade });
  }

  #send(req: IncomingMessage, res: ServerResponse, status: number, body: string, extra: Json = {}): void {
    this.#log(req, status);
    const headers: Record<string, string> = {
      Server: 'Asterisk/22.11.0-rc1',
      'Cache-Control': 'no-cache, no-store',
      ...(extra as Record<string, string>),
    };
    if (body !== '') headers['Content-type'] = 'application/json';
    res.writeHead(status, headers);
    res.end(body);
  }

  #json(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
    this.#send(req, res, status, body === undefined ? '' : JSON.stringify(body));
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => this.#route(req, res, Buffer.concat(chunks).toString('utf8')));
  }

  #route(req: IncomingMessage, res: ServerResponse, bodyText: string): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    if (!this.#authorized(req, url.searchParams)) {
      this.#send(req, res, 401, '{"message":"Authentication required"}', {
        'WWW-Authenticate': 'Basic realm="Asterisk REST Interface"',
      });
      return;
    }
    const path = url.pathname;
    const basePath = `http://${req.headers.host ?? `127.0.0.1:${this.#port}`}/ari`;
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/ari/api-docs/resources.json') {
      this.#json(req, res, 200, resourcesDoc(basePath));
      return;
    }
    if (method === 'GET' && (m = /^\/ari\/api-docs\/(\w+)\.json$/.exec(path))) {
      const doc = resourceDoc(m[1] ?? '', basePath);
      if (doc) this.#json(req, res, 200, doc);
      else this.#json(req, res, 404, { message: 'Not found' });
      return;
    }
    // A recorded reply to this exact request, unless a later event changed what it shows.
    const rec = this.#recorded.get(`${method} ${req.url ?? ''}`);
    if (method === 'GET' && path === '/ari/asterisk/info') {
      this.#json(req, res, 200, {
        status: { startup_time: this.#startupTime, last_reload_time: this.#startupTime },
        system: { version: '22.11.0-rc1', entity_id: '02:72:e7:23:ec:ea' },
      });
      return;
    }
    if (method === 'GET' && path === '/ari/bridges') {
      if (rec && rec.seq > this.#bridgeListSeq) this.#send(req, res, rec.status, rec.body);
      else
        this.#json(
          req,
          res,
          200,
          [...this.#bridges.values()].map(({ seq: _seq, ...b }) => b),
        );
      return;
    }
    if (method === 'GET' && (m = /^\/ari\/bridges\/([^/]+)$/.exec(path))) {
      const id = decodeURIComponent(m[1] ?? '');
      const live = this.#bridges.get(id);
      if (rec && rec.seq > (live?.seq ?? this.#bridgeListSeq)) this.#send(req, res, rec.status, rec.body);
      else if (live) this.#json(req, res, 200, { ...live, seq: undefined });
      else this.#json(req, res, 404, { message: 'Bridge not found' });
      return;
    }
    if (method === 'GET' && path === '/ari/channels') {
      this.#json(req, res, 200, [...this.#channels.values()]);
      return;
    }
    if ((m = /^\/ari\/channels\/([^/]+)\/variable$/.exec(path))) {
      const id = decodeURIComponent(m[1] ?? '');
      const variable = url.searchParams.get('variable');
      const channel = this.#channels.get(id);
      if (!variable) {
        this.#json(req, res, 400, { message: 'Variable name is required' });
      } else if (!channel) {
        this.#json(req, res, 404, { message: 'Provided channel was not found' });
      } else if (method === 'POST') {
        const vars = this.#setValues.get(id) ?? new Map<string, string>();
        vars.set(variable, url.searchParams.get('value') ?? '');
        this.#setValues.set(id, vars);
        this.#send(req, res, 204, '');
      } else if (method === 'GET') {
        const name = typeof channel['name'] === 'string' ? channel['name'] : '';
        const value =
          this.#setValues.get(id)?.get(variable) ??
          this.#amiValues.get(id)?.get(variable) ??
          this.#amiValues.get(name)?.get(variable);
        if (rec) this.#send(req, res, rec.status, rec.body);
        else if (value !== undefined) this.#json(req, res, 200, { value });
        else if (/\(/.test(variable))
          this.#json(req, res, 500, { message: 'Unable to read provided function' });
        else this.#json(req, res, 404, { message: 'Provided variable was not found' });
      } else {
        this.#json(req, res, 405, { message: 'Method not allowed' });
      }
      return;
    }
    if (method === 'POST' && (m = /^\/ari\/events\/user\/([^/]+)$/.exec(path))) {
      const application = url.searchParams.get('application');
      if (!application) {
        this.#json(req, res, 400, { message: 'Missing parameter application' });
        return;
      }
      let body: unknown = undefined;
      try {
        body = bodyText === '' ? undefined : (JSON.parse(bodyText) as unknown);
      } catch {
        this.#json(req, res, 400, { message: 'Bad request body' });
        return;
      }
      this.userEvents.push({
        name: decodeURIComponent(m[1] ?? ''),
        query: Object.fromEntries(url.searchParams),
        body,
      });
      this.#send(req, res, 204, '');
      return;
    }
    if (
      method === 'GET' &&
      (m = /^\/ari\/asterisk\/config\/dynamic\/res_pjsip\/endpoint\/([^/]+)$/.exec(path))
    ) {
      const tuples = endpointTuples(decodeURIComponent(m[1] ?? ''));
      if (tuples) this.#json(req, res, 200, tuples);
      else this.#json(req, res, 404, { message: 'Object not found' });
      return;
    }
    this.#json(req, res, 404, { message: 'Not found' });
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const refuse = (status: number, reason: string, body: string, extra = ''): void => {
      this.#log(req, status, true);
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nServer: Asterisk/22.11.0-rc1\r\nConnection: close\r\n${extra}` +
          `Content-type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    };
    if (url.pathname !== '/ari/events') {
      refuse(404, 'Not Found', '{"message":"Not found"}');
      return;
    }
    if (!this.#authorized(req, url.searchParams)) {
      refuse(
        401,
        'Unauthorized',
        '{"message":"Authentication required"}',
        'WWW-Authenticate: Basic realm="Asterisk REST Interface"\r\n',
      );
      return;
    }
    if (!url.searchParams.get('app')) {
      refuse(400, 'Bad Request', '{"message":"Missing parameter app"}');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (s) => {
      this.#log(req, 101, true);
      this.socketsOpened++;
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
      s.on('ping', () => {
        this.pings++;
      });
    });
  }
}
