import net from 'node:net';

/** A received AMI message as ordered `[name, value]` pairs, plus its text. */
export interface ProbeMessage {
  readonly raw: string;
  readonly fields: readonly (readonly [string, string])[];
  get(name: string): string | undefined;
}

function parse(raw: string): ProbeMessage {
  const fields = raw
    .split('\r\n')
    .filter((l) => l !== '')
    .map((l): [string, string] => {
      const i = l.indexOf(': ');
      return i < 0 ? [l.replace(/:$/, ''), ''] : [l.slice(0, i), l.slice(i + 2)];
    });
  return {
    raw,
    fields,
    get: (name) => fields.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1],
  };
}

export class ProbeError extends Error {
  constructor(
    readonly code: 'PROBE_CLOSED' | 'PROBE_TIMEOUT',
    message: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

interface Waiter {
  match(m: ProbeMessage): boolean;
  done(m: ProbeMessage): void;
  fail(e: Error): void;
}

/**
 * A deliberately plain AMI client for tests and the demo: splits the stream on CRLF CRLF
 * (independently of the server's framer), records everything, and waits for messages.
 */
export class AmiProbe {
  banner = '';
  readonly messages: ProbeMessage[] = [];
  private buf = '';
  private readonly waiters = new Set<Waiter>();
  private ids = 0;
  closed = false;

  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => this.onData(d));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      this.closed = true;
      for (const w of this.waiters) w.fail(new ProbeError('PROBE_CLOSED', 'AMI connection closed'));
      this.waiters.clear();
    });
  }

  static connect(host: string, port: number): Promise<AmiProbe> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host, port });
      const probe = new AmiProbe(sock);
      sock.once('error', reject);
      const check = (): void => {
        if (probe.banner !== '') resolve(probe);
        else setTimeout(check, 2);
      };
      sock.once('connect', check);
    });
  }

  private onData(d: string): void {
    this.buf += d;
    if (this.banner === '') {
      const eol = this.buf.indexOf('\r\n');
      if (eol < 0) return;
      this.banner = this.buf.slice(0, eol);
      this.buf = this.buf.slice(eol + 2);
    }
    for (let end = this.buf.indexOf('\r\n\r\n'); end >= 0; end = this.buf.indexOf('\r\n\r\n')) {
      const m = parse(this.buf.slice(0, end + 4));
      this.buf = this.buf.slice(end + 4);
      this.messages.push(m);
      for (const w of [...this.waiters]) {
        if (w.match(m)) {
          this.waiters.delete(w);
          w.done(m);
        }
      }
    }
  }

  write(text: string): void {
    this.sock.write(text);
  }

  /** Resolves with the next message (from now on) that matches. */
  waitFor(match: (m: ProbeMessage) => boolean, timeoutMs = 5000): Promise<ProbeMessage> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new ProbeError('PROBE_CLOSED', 'AMI connection closed'));
      const t = setTimeout(() => {
        this.waiters.delete(w);
        reject(new ProbeError('PROBE_TIMEOUT', `no matching AMI message within ${timeoutMs} ms`));
      }, timeoutMs);
      const w: Waiter = {
        match,
        done: (m) => {
          clearTimeout(t);
          resolve(m);
        },
        fail: (e) => {
          clearTimeout(t);
          reject(e);
        },
      };
      this.waiters.add(w);
    });
  }

  waitEvent(
    name: string,
    pred: (m: ProbeMessage) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<ProbeMessage> {
    return this.waitFor((m) => m.get('Event') === name && pred(m), timeoutMs);
  }

  /** Sends an action with a fresh ActionID and resolves with its Response. */
  action(name: string, fields: Record<string, string> = {}, timeoutMs = 5000): Promise<ProbeMessage> {
    const id = `p${++this.ids}`;
    const wait = this.waitFor((m) => m.get('ActionID') === id && m.get('Response') !== undefined, timeoutMs);
    this.sendAction(name, id, fields);
    return wait;
  }

  /** A list action: the ack, the items with our ActionID, and the completion event. */
  async list(
    name: string,
    fields: Record<string, string> = {},
    timeoutMs = 5000,
  ): Promise<{ response: ProbeMessage; items: ProbeMessage[]; complete: ProbeMessage | null }> {
    const id = `p${++this.ids}`;
    const start = this.messages.length;
    const response = this.waitFor(
      (m) => m.get('ActionID') === id && m.get('Response') !== undefined,
      timeoutMs,
    );
    const complete = this.waitFor(
      (m) => m.get('ActionID') === id && m.get('EventList') === 'Complete',
      timeoutMs,
    );
    this.sendAction(name, id, fields);
    const r = await response;
    if (r.get('Response') !== 'Success') {
      complete.catch(() => undefined);
      return { response: r, items: [], complete: null };
    }
    const c = await complete;
    const items = this.messages
      .slice(start)
      .filter(
        (m) => m.get('ActionID') === id && m.get('Event') !== undefined && m.get('EventList') === undefined,
      );
    return { response: r, items, complete: c };
  }

  private sendAction(name: string, id: string, fields: Record<string, string>): void {
    let text = `Action: ${name}\r\nActionID: ${id}\r\n`;
    for (const [k, v] of Object.entries(fields)) text += `${k}: ${v}\r\n`;
    this.sock.write(text + '\r\n');
  }

  async login(username: string, secret: string, events?: string): Promise<ProbeMessage> {
    return this.action('Login', {
      Username: username,
      Secret: secret,
      ...(events === undefined ? {} : { Events: events }),
    });
  }

  close(): void {
    this.sock.destroy();
  }
}
