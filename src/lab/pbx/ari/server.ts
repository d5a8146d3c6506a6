import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { ManagerEvent } from '../ami/events.js';
import type { SimBridge, SimChannel } from '../model/objects.js';
import type { ResolvedEndpoint } from '../options.js';
import { ariTime, bridgeJson, channelJson } from './snapshots.js';
import { toAriEvent } from './stasis.js';
import { resourceDoc, resourcesDoc } from './swagger.js';

// `ws` (6.x, ari-client's WebSocket library) ships no typings: the part used here.
interface WsSocket {
  readonly readyState: number;
  send(data: string): void;
  terminate(): void;
  on(event: 'close', listener: () => void): this;
}
interface WsServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: WsSocket) => void): void;
  close(): void;
}
/** Loaded on first use, so a bundled PBX without ARI does not need `ws` beside it. */
const loadWs = (): { Server: new (o: { noServer: true }) => WsServer } =>
  createRequire(import.meta.url)('ws') as { Server: new (o: { noServer: true }) => WsServer };

/** What ARI reads and changes of the live PBX. */
export interface AriCore {
  channels(): readonly SimChannel[];
  bridges(): readonly SimBridge[];
  endpoint(name: string): ResolvedEndpoint | null;
  startupTime(): Date;
  readVariable(channel: SimChannel, name: string): string;
  setVariable(channel: SimChannel, name: string, value: string): void;
}

export interface AriServerOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
}

/** A fixed entity id in the recorded shape (a MAC). */
const ENTITY_ID = '02:00:00:00:22:01';
const VERSION = '22.11.0-rc1';

/** pjsip.conf options of an endpoint as `GET …/config/dynamic/res_pjsip/endpoint/{id}` prints them. */
function endpointTuples(e: ResolvedEndpoint): { attribute: string; value: string }[] {
  const v: Record<string, string> = {
    context: e.context,
    allow: `(${e.allow.join('|')})`,
    direct_media: String(e.directMedia),
    rtp_symmetric: 'true',
    dtmf_mode: e.dtmfMode,
    rtp_timeout: String(e.rtpTimeout),
    rtp_timeout_hold: String(e.rtpTimeoutHold),
    rtp_keepalive: String(e.rtpKeepalive),
    ice_support: String(e.iceSupport),
    rtcp_mux: String(e.rtcpMux),
    media_encryption: e.mediaEncryption,
    tos_audio: String(e.tosAudio),
    moh_suggest: e.mohSuggest,
  };
  return Object.entries(v).map(([attribute, value]) => ({ attribute, value }));
}

/**
 * ARI (res_ari, res_http_websocket) of the simulated PBX: Basic or `api_key` auth, the
 * Swagger documents ari-client builds its operations from, REST reads of the live model
 * (asterisk info, bridges, channels, channel variables, endpoint configuration), user
 * events, and `/ari/events` sockets carrying the model's events as Asterisk 22 frames them.
 * Channels and bridges are remembered from their first event so that their last snapshot
 * can still be sent after the model forgot them (ChannelDestroyed, BridgeDestroyed).
 */
export class AriServer {
  private server: Server | null = null;
  private readonly wss: WsServer = new (loadWs().Server)({ noServer: true });
  private readonly sockets = new Map<WsSocket, string>();
  private readonly connections = new Set<Duplex>();
  private readonly seenChannels = new Map<string, SimChannel>();
  private readonly seenBridges = new Map<string, SimBridge>();
  private port = 0;

  constructor(
    private readonly o: AriServerOptions,
    private readonly core: AriCore,
  ) {}

  async listen(): Promise<void> {
    const server = createServer((req, res) => this.onRequest(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    server.on('connection', (c: Duplex) => {
      this.connections.add(c);
      c.on('close', () => this.connections.delete(c));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port || this.o.port, this.o.host, () => resolve());
    });
    const addr = server.address();
    if (addr && typeof addr === 'object') this.port = addr.port;
    this.server = server;
  }

  address(): { host: string; port: number } {
    return { host: this.o.host, port: this.port };
  }

  /**
   * What crossed the ARI surface, in order: `event <type>[ <variable>]` for every event sent,
   * `<METHOD> <path>` for every request. Kept for tests that assert an order; bounded.
   */
  readonly trace: string[] = [];

  private note(line: string): void {
    if (this.trace.length >= 10_000) this.trace.splice(0, 5000);
    this.trace.push(line);
  }

  get openSockets(): number {
    return this.sockets.size;
  }

  /** One manager event of the model, sent to every event socket as its ARI event. */
  publish(e: ManagerEvent): void {
    this.remember(e);
    const ev =
      this.sockets.size === 0
        ? null
        : toAriEvent(
            e,
            {
              channel: (id) => this.seenChannels.get(id) ?? null,
              bridge: (id) => this.seenBridges.get(id) ?? null,
            },
            Date.now(),
          );
    if (e.name === 'Hangup') this.seenChannels.delete(this.field(e, 'Uniqueid'));
    if (e.name === 'BridgeDestroy') this.seenBridges.delete(this.field(e, 'BridgeUniqueid'));
    if (!ev) return;
    this.note(`event ${String(ev['type'])}${typeof ev['variable'] === 'string' ? ` ${ev['variable']}` : ''}`);
    for (const [s, app] of this.sockets) {
      if (s.readyState === 1) s.send(JSON.stringify({ ...ev, asterisk_id: ENTITY_ID, application: app }));
    }
  }

  /** Drops every socket and connection (a restart); the listener stays. */
  dropAll(): void {
    for (const s of this.sockets.keys()) s.terminate();
    this.sockets.clear();
    for (const c of this.connections) c.destroy();
    this.seenChannels.clear();
    this.seenBridges.clear();
  }

  async close(): Promise<void> {
    this.dropAll();
    this.wss.close();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private field(e: ManagerEvent, name: string): string {
    return e.fields.find(([k]) => k === name)?.[1] ?? '';
  }

  private remember(e: ManagerEvent): void {
    for (const [k, v] of e.fields) {
      if (k.endsWith('BridgeUniqueid') && !this.seenBridges.has(v)) {
        const b = this.core.bridges().find((x) => x.uniqueid === v);
        if (b) this.seenBridges.set(v, b);
      } else if (k.endsWith('Uniqueid') && !this.seenChannels.has(v)) {
        const c = this.core.channels().find((x) => x.uniqueid === v);
        if (c) this.seenChannels.set(v, c);
      }
    }
  }

  private authorized(req: IncomingMessage, query: URLSearchParams): boolean {
    const { username, password } = this.o;
    if (req.headers.authorization === `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`)
      return true;
    return query.get('api_key') === `${username}:${password}`;
  }

  private send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = {
      Server: `Asterisk/${VERSION}`,
      'Cache-Control': 'no-cache, no-store',
      ...extra,
    };
    if (text !== '') headers['Content-type'] = 'application/json';
    res.writeHead(status, headers);
    res.end(text);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    req.on('end', () => this.route(req, res));
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    if (!this.authorized(req, url.searchParams)) {
      this.send(
        res,
        401,
        { message: 'Authentication required' },
        {
          'WWW-Authenticate': 'Basic realm="Asterisk REST Interface"',
        },
      );
      return;
    }
    const path = url.pathname;
    this.note(`${method} ${path}`);
    const basePath = `http://${req.headers.host ?? `${this.o.host}:${this.port}`}/ari`;
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/ari/api-docs/resources.json')
      return this.send(res, 200, resourcesDoc(basePath));
    if (method === 'GET' && (m = /^\/ari\/api-docs\/(\w+)\.json$/.exec(path))) {
      const doc = resourceDoc(m[1] ?? '', basePath);
      return this.send(res, doc ? 200 : 404, doc ?? { message: 'Not found' });
    }
    if (method === 'GET' && path === '/ari/asterisk/info') {
      const t = ariTime(this.core.startupTime().getTime());
      return this.send(res, 200, {
        status: { startup_time: t, last_reload_time: t },
        system: { version: VERSION, entity_id: ENTITY_ID },
      });
    }
    if (method === 'GET' && path === '/ari/bridges')
      return this.send(res, 200, this.core.bridges().map(bridgeJson));
    if (method === 'GET' && (m = /^\/ari\/bridges\/([^/]+)$/.exec(path))) {
      const b = this.core.bridges().find((x) => x.uniqueid === decodeURIComponent(m![1] ?? ''));
      return this.send(res, b ? 200 : 404, b ? bridgeJson(b) : { message: 'Bridge not found' });
    }
    if (method === 'GET' && path === '/ari/channels')
      return this.send(res, 200, this.core.channels().map(channelJson));
    if ((m = /^\/ari\/channels\/([^/]+)\/variable$/.exec(path)))
      return this.variable(req, res, m[1] ?? '', url);
    if (method === 'GET' && (m = /^\/ari\/channels\/([^/]+)$/.exec(path))) {
      const c = this.findChannel(m[1] ?? '');
      return this.send(res, c ? 200 : 404, c ? channelJson(c) : { message: 'Channel not found' });
    }
    if (method === 'POST' && /^\/ari\/events\/user\/[^/]+$/.test(path)) {
      if (!url.searchParams.get('application'))
        return this.send(res, 400, { message: 'Missing parameter application' });
      return this.send(res, 204, undefined);
    }
    if (
      method === 'GET' &&
      (m = /^\/ari\/asterisk\/config\/dynamic\/res_pjsip\/endpoint\/([^/]+)$/.exec(path))
    ) {
      const e = this.core.endpoint(decodeURIComponent(m[1] ?? ''));
      return this.send(res, e ? 200 : 404, e ? endpointTuples(e) : { message: 'Object not found' });
    }
    this.send(res, 404, { message: 'Not found' });
  }

  private findChannel(rawId: string): SimChannel | null {
    const id = decodeURIComponent(rawId);
    return this.core.channels().find((c) => c.uniqueid === id) ?? null;
  }

  /** GET/POST /channels/{id}/variable (res/ari/resource_channels.c). */
  private variable(req: IncomingMessage, res: ServerResponse, rawId: string, url: URL): void {
    const variable = url.searchParams.get('variable');
    const channel = this.findChannel(rawId);
    if (!variable) return this.send(res, 400, { message: 'Variable name is required' });
    if (!channel) return this.send(res, 404, { message: 'Provided channel was not found' });
    if (req.method === 'POST') {
      this.core.setVariable(channel, variable, url.searchParams.get('value') ?? '');
      return this.send(res, 204, undefined);
    }
    if (req.method !== 'GET') return this.send(res, 405, { message: 'Method not allowed' });
    const value = this.core.readVariable(channel, variable);
    const isFunction = variable.includes('(');
    if (value === '' && isFunction)
      return this.send(res, 500, { message: 'Unable to read provided function' });
    if (value === '' && !isFunction && !channel.vars.has(variable))
      return this.send(res, 404, { message: 'Provided variable was not found' });
    this.send(res, 200, { value });
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const refuse = (status: number, reason: string, body: string, extra = ''): void => {
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nServer: Asterisk/${VERSION}\r\nConnection: close\r\n${extra}` +
          `Content-type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    };
    if (url.pathname !== '/ari/events') return refuse(404, 'Not Found', '{"message":"Not found"}');
    if (!this.authorized(req, url.searchParams))
      return refuse(
        401,
        'Unauthorized',
        '{"message":"Authentication required"}',
        'WWW-Authenticate: Basic realm="Asterisk REST Interface"\r\n',
      );
    const app = url.searchParams.get('app');
    if (!app) return refuse(400, 'Bad Request', '{"message":"Missing parameter app"}');
    this.wss.handleUpgrade(req, socket, head, (s) => {
      this.sockets.set(s, app);
      s.on('close', () => this.sockets.delete(s));
    });
  }
}
