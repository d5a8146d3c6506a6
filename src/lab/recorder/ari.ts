import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type { Connector } from './connector.js';
import type { Transcript } from './transcript.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface HttpResult {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

export class AriError extends Error {
  constructor(
    readonly code: 'ARI_CLOSED' | 'ARI_TIMEOUT' | 'ARI_BAD_RESPONSE' | 'ARI_HANDSHAKE',
    message: string,
  ) {
    super(message);
    this.name = 'AriError';
  }
}

export interface AriEndpoint {
  readonly connect: Connector;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

function authHeader(ep: AriEndpoint): string {
  return `Basic ${Buffer.from(`${ep.user}:${ep.password}`).toString('base64')}`;
}

/** The Authorization value, so a transcript can be redacted before it is written. */
export function basicAuthToken(user: string, password: string): string {
  return Buffer.from(`${user}:${password}`).toString('base64');
}

function splitHead(text: string): { status: number; headers: [string, string][]; rest: string } | null {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = text.slice(0, end).split('\r\n');
  const status = Number.parseInt((lines[0] ?? '').split(' ')[1] ?? '', 10);
  const headers = lines.slice(1).map((l): [string, string] => {
    const c = l.indexOf(':');
    return [l.slice(0, c), l.slice(c + 1).trim()];
  });
  return { status, headers, rest: text.slice(end + 4) };
}

function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol < 0) return out;
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (!Number.isFinite(size) || size === 0) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/**
 * One HTTP/1.1 request on its own connection (`Connection: close`), recorded as exact
 * request and response text. Asterisk's HTTP server (main/http.c) closes after the reply.
 */
export async function ariRequest(
  ep: AriEndpoint,
  transcript: Transcript,
  method: string,
  path: string,
  timeoutMs = 10_000,
): Promise<HttpResult> {
  const sock = await ep.connect(ep.host, ep.port);
  const request =
    `${method} ${path} HTTP/1.1\r\nHost: ${ep.host}:${ep.port}\r\nAuthorization: ${authHeader(ep)}\r\n` +
    (method === 'GET' ? '' : 'Content-Length: 0\r\n') +
    'Connection: close\r\n\r\n';
  transcript.wire('ari-http', 'sent', request);
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new AriError('ARI_TIMEOUT', `${method} ${path}: no complete response within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      transcript.wire('ari-http', 'received', text);
      const head = splitHead(text);
      if (!head) {
        reject(new AriError('ARI_BAD_RESPONSE', `${method} ${path}: incomplete response`));
        return;
      }
      const chunked = head.headers.some(
        ([k, v]) => k.toLowerCase() === 'transfer-encoding' && v.toLowerCase() === 'chunked',
      );
      resolve({ status: head.status, headers: head.headers, body: chunked ? dechunk(head.rest) : head.rest });
    };
    sock.setEncoding('utf8');
    sock.on('data', (c: string) => {
      text += c;
      // Asterisk may keep the socket open briefly; stop once Content-Length is satisfied.
      const head = splitHead(text);
      if (!head) return;
      const len = head.headers.find(([k]) => k.toLowerCase() === 'content-length');
      if (len && Buffer.byteLength(head.rest) >= Number.parseInt(len[1], 10)) {
        sock.removeAllListeners('close');
        sock.destroy();
        finish();
      }
    });
    sock.on('close', finish);
    sock.on('error', () => undefined);
    sock.write(request);
  });
}

export async function ariJson(
  ep: AriEndpoint,
  transcript: Transcript,
  method: string,
  path: string,
): Promise<{ status: number; json: Json }> {
  const res = await ariRequest(ep, transcript, method, path);
  let json: Json = null;
  if (res.body.trim() !== '') json = JSON.parse(res.body) as Json;
  return { status: res.status, json };
}

interface EventWaiter {
  readonly match: (e: JsonObject) => boolean;
  readonly done: (e: JsonObject) => void;
}

/**
 * The ARI event WebSocket (`/ari/events`), spoken directly (RFC 6455) so every text frame
 * is recorded exactly as Asterisk sent it. Client frames are masked as the RFC requires.
 */
export class AriEventSocket {
  private buffer = Buffer.alloc(0);
  private readonly waiters = new Set<EventWaiter>();
  private readonly events: JsonObject[] = [];
  private closed = false;
  private fragments: Buffer[] = [];

  private constructor(
    private readonly sock: net.Socket,
    private readonly transcript: Transcript,
  ) {}

  static async open(
    ep: AriEndpoint,
    transcript: Transcript,
    app: string,
    subscribeAll = true,
  ): Promise<AriEventSocket> {
    const sock = await ep.connect(ep.host, ep.port);
    const key = randomBytes(16).toString('base64');
    const path = `/ari/events?app=${encodeURIComponent(app)}${subscribeAll ? '&subscribeAll=true' : ''}`;
    const request =
      `GET ${path} HTTP/1.1\r\nHost: ${ep.host}:${ep.port}\r\nAuthorization: ${authHeader(ep)}\r\n` +
      `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    transcript.wire('ari-http', 'sent', request);
    const ws = new AriEventSocket(sock, transcript);
    const upgraded = ws.awaitUpgrade();
    sock.write(request);
    await upgraded;
    return ws;
  }

  /** Reads the HTTP 101 reply; frames that follow it in the same chunk are kept. */
  private awaitUpgrade(): Promise<void> {
    return new Promise((resolve, reject) => {
      let head = Buffer.alloc(0);
      const timer = setTimeout(
        () => reject(new AriError('ARI_HANDSHAKE', 'no WebSocket upgrade within 5 s')),
        5000,
      );
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        clearTimeout(timer);
        this.sock.removeListener('data', onData);
        const text = head.subarray(0, end + 4).toString('utf8');
        this.transcript.wire('ari-http', 'received', text);
        if (!text.startsWith('HTTP/1.1 101')) {
          reject(new AriError('ARI_HANDSHAKE', `upgrade refused: ${text.split('\r\n')[0] ?? ''}`));
          return;
        }
        this.sock.on('data', (c: Buffer) => this.onData(c));
        this.sock.on('close', () => {
          this.closed = true;
        });
        this.onData(head.subarray(end + 4));
        resolve();
      };
      this.sock.on('data', onData);
      this.sock.on('error', () => undefined);
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) return;
      const b0 = this.buffer[0]!;
      const b1 = this.buffer[1]!;
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buffer.length < 4) return;
        len = this.buffer.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buffer.length < 10) return;
        len = Number(this.buffer.readBigUInt64BE(2));
        off = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const maskOff = off;
      if (masked) off += 4;
      if (this.buffer.length < off + len) return;
      const payload = Buffer.from(this.buffer.subarray(off, off + len));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= this.buffer[maskOff + (i % 4)]!;
      this.buffer = this.buffer.subarray(off + len);
      this.onFrame((b0 & 0x80) !== 0, b0 & 0x0f, payload);
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === 0x9) {
      this.send(0xa, payload);
      return;
    }
    if (opcode === 0x8) {
      this.closed = true;
      this.sock.end();
      return;
    }
    if (opcode === 0x1 || opcode === 0x0) {
      this.fragments.push(payload);
      if (!fin) return;
      const text = Buffer.concat(this.fragments).toString('utf8');
      this.fragments = [];
      this.transcript.wire('ari-ws', 'received', text);
      const event = JSON.parse(text) as JsonObject;
      this.events.push(event);
      for (const w of [...this.waiters]) {
        if (w.match(event)) {
          this.waiters.delete(w);
          w.done(event);
        }
      }
    }
  }

  private send(opcode: number, payload: Buffer): void {
    const mask = randomBytes(4);
    const head =
      payload.length < 126
        ? Buffer.from([0x80 | opcode, 0x80 | payload.length])
        : Buffer.from([0x80 | opcode, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
    const body = Buffer.from(payload);
    for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!;
    this.sock.write(Buffer.concat([head, mask, body]));
  }

  received(): readonly JsonObject[] {
    return this.events;
  }

  waitFor(match: (e: JsonObject) => boolean, timeoutMs = 10_000): Promise<JsonObject> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new AriError('ARI_CLOSED', 'ARI WebSocket closed'));
        return;
      }
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new AriError('ARI_TIMEOUT', `no matching ARI event within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: EventWaiter = {
        match,
        done: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      this.waiters.add(waiter);
    });
  }

  close(): void {
    if (!this.closed) this.send(0x8, Buffer.from([0x03, 0xe8]));
    this.closed = true;
    setTimeout(() => this.sock.destroy(), 200).unref();
  }
}
