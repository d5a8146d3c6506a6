import type net from 'node:net';
import type { Connector } from './connector.js';
import type { Transcript } from './transcript.js';

/** One AMI message: its exact text and its `Key: Value` lines in order (keys may repeat). */
export interface AmiMessage {
  readonly raw: string;
  readonly headers: readonly (readonly [string, string])[];
}

/** First value of a header, matched case-insensitively as Asterisk does (__astman_get_header). */
export function header(msg: AmiMessage, name: string): string | undefined {
  const lower = name.toLowerCase();
  return msg.headers.find(([k]) => k.toLowerCase() === lower)?.[1];
}

export function parseAmiMessage(raw: string): AmiMessage {
  const headers: [string, string][] = [];
  for (const line of raw.split(/\r?\n/)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon < 0) headers.push([line, '']);
    else headers.push([line.slice(0, colon), line.slice(colon + 1).replace(/^ /, '')]);
  }
  return { raw, headers };
}

export class AmiError extends Error {
  constructor(
    readonly code: 'AMI_CLOSED' | 'AMI_TIMEOUT' | 'AMI_NO_BANNER',
    message: string,
  ) {
    super(message);
    this.name = 'AmiError';
  }
}

export interface ListResult {
  readonly response: AmiMessage;
  readonly items: readonly AmiMessage[];
  readonly complete: AmiMessage | null;
}

type Fields = readonly (readonly [string, string])[];

interface Waiter {
  readonly match: (m: AmiMessage) => boolean;
  readonly done: (m: AmiMessage) => void;
}

/**
 * An AMI session over one raw TCP socket, recording every message to a transcript.
 * Framing follows main/manager.c: a banner line, then `Key: Value` CRLF lines ended by an
 * empty line, in both directions.
 */
export class AmiSession {
  banner = '';
  private buffer = '';
  private nextId = 1;
  private readonly waiters = new Set<Waiter>();
  private readonly messages: AmiMessage[] = [];
  private closed = false;
  private readonly closedPromise: Promise<void>;

  private constructor(
    private readonly sock: net.Socket,
    private readonly transcript: Transcript,
    private readonly idPrefix: string,
  ) {
    sock.setEncoding('utf8');
    this.closedPromise = new Promise((resolve) => {
      sock.on('close', () => {
        this.closed = true;
        resolve();
      });
    });
    sock.on('error', () => undefined);
  }

  static async open(
    connect: Connector,
    host: string,
    port: number,
    transcript: Transcript,
    idPrefix = 'a',
  ): Promise<AmiSession> {
    const sock = await connect(host, port);
    const session = new AmiSession(sock, transcript, idPrefix);
    await session.readBanner();
    return session;
  }

  private readBanner(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new AmiError('AMI_NO_BANNER', 'no AMI banner within 5 s')), 5000);
      const onData = (chunk: string): void => {
        this.buffer += chunk;
        const eol = this.buffer.indexOf('\r\n');
        if (eol < 0) return;
        clearTimeout(timer);
        this.banner = this.buffer.slice(0, eol + 2);
        this.buffer = this.buffer.slice(eol + 2);
        this.transcript.wire('ami', 'received', this.banner);
        this.sock.removeListener('data', onData);
        this.sock.on('data', (c: string) => this.onData(c));
        if (this.buffer !== '') this.onData('');
        resolve();
      };
      this.sock.on('data', onData);
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const raw = this.buffer.slice(0, end + 4);
      this.buffer = this.buffer.slice(end + 4);
      this.transcript.wire('ami', 'received', raw);
      const msg = parseAmiMessage(raw);
      this.messages.push(msg);
      for (const w of [...this.waiters]) {
        if (w.match(msg)) {
          this.waiters.delete(w);
          w.done(msg);
        }
      }
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  /** Every message received so far (responses and events), in arrival order. */
  received(): readonly AmiMessage[] {
    return this.messages;
  }

  /** Writes text exactly as given (for malformed or pre-login probes). */
  writeRaw(text: string): void {
    this.transcript.wire('ami', 'sent', text);
    this.sock.write(text);
  }

  newActionId(): string {
    return `${this.idPrefix}${this.nextId++}`;
  }

  /** Sends an action with an ActionID and resolves with its `Response:` message. */
  async action(
    name: string,
    fields: Fields = [],
    timeoutMs = 10_000,
    actionId = this.newActionId(),
  ): Promise<AmiMessage> {
    const wait = this.waitFor(
      (m) => header(m, 'ActionID') === actionId && header(m, 'Response') !== undefined,
      timeoutMs,
    );
    this.writeRaw(formatAction(name, actionId, fields));
    return wait;
  }

  /**
   * A list action: the `Response` (with `EventList: start`), the item events carrying the
   * same ActionID, and the completion event (`EventList: Complete`).
   */
  async list(name: string, fields: Fields = [], timeoutMs = 10_000): Promise<ListResult> {
    const actionId = this.newActionId();
    const items: AmiMessage[] = [];
    const collector: Waiter = {
      match: (m) => {
        if (
          header(m, 'ActionID') === actionId &&
          header(m, 'Event') !== undefined &&
          header(m, 'EventList') === undefined
        )
          items.push(m);
        return false;
      },
      done: () => undefined,
    };
    this.waiters.add(collector);
    try {
      const completeWait = this.waitFor(
        (m) =>
          header(m, 'ActionID') === actionId &&
          header(m, 'Event') !== undefined &&
          header(m, 'EventList')?.toLowerCase() === 'complete',
        timeoutMs,
      );
      const response = await this.action(name, fields, timeoutMs, actionId);
      if (header(response, 'Response') !== 'Success') {
        completeWait.catch(() => undefined);
        return { response, items, complete: null };
      }
      const complete = await completeWait;
      return { response, items, complete };
    } finally {
      this.waiters.delete(collector);
    }
  }

  /** Resolves with the next message (from now on) that matches. */
  waitFor(match: (m: AmiMessage) => boolean, timeoutMs = 10_000): Promise<AmiMessage> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new AmiError('AMI_CLOSED', 'AMI connection closed'));
        return;
      }
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new AmiError('AMI_TIMEOUT', `no matching AMI message within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        done: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.waiters.add(waiter);
      void this.closedPromise.then(() => {
        if (!this.waiters.has(waiter)) return;
        this.waiters.delete(waiter);
        clearTimeout(timer);
        reject(new AmiError('AMI_CLOSED', 'AMI connection closed'));
      });
    });
  }

  /** The next event of a given name matching an optional predicate. */
  waitForEvent(
    event: string,
    match: (m: AmiMessage) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<AmiMessage> {
    return this.waitFor((m) => header(m, 'Event') === event && match(m), timeoutMs);
  }

  close(): void {
    this.sock.destroy();
  }
}

export function formatAction(name: string, actionId: string | null, fields: Fields): string {
  let text = `Action: ${name}\r\n`;
  if (actionId !== null) text += `ActionID: ${actionId}\r\n`;
  for (const [k, v] of fields) text += `${k}: ${v}\r\n`;
  return text + '\r\n';
}
