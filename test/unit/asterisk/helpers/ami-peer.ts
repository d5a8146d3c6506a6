/**
 * A scripted AMI peer on 127.0.0.1 for the quirk tests: sends the banner, reads actions
 * framed as main/manager.c expects (CRLF lines, blank line ends a message), answers with
 * handlers written per test, and records every action it got. Not a PBX: each test says
 * what Asterisk would answer.
 */

import net from 'node:net';

export type Pairs = [string, string][];

export interface ReceivedAction {
  readonly session: number;
  readonly pairs: Pairs;
  get(name: string): string | undefined;
}

export type Handler = (action: ReceivedAction, reply: Replier) => void;

export interface Replier {
  /** Sends one message; `ActionID` of the action is added after the first line. */
  respond(pairs: Pairs): void;
  /** Sends one message as given. */
  raw(text: string): void;
  close(): void;
  destroy(): void;
}

export function formatMessage(pairs: Pairs): string {
  return pairs.map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
}

export class AmiPeer {
  readonly actions: ReceivedAction[] = [];
  readonly handlers = new Map<string, Handler>();
  banner = 'Asterisk Call Manager/11.0.0';
  username = 'agent';
  secret = 'sekrit';
  startup = { date: '2026-11-22', time: '10:00:00' };
  private readonly sockets = new Set<net.Socket>();
  private sessionSeq = 0;
  private server: net.Server | null = null;
  port = 0;

  constructor() {
    this.handlers.set('login', (a, r) => {
      if (a.get('Username') === this.username && a.get('Secret') === this.secret) {
        r.respond([
          ['Response', 'Success'],
          ['Message', 'Authentication accepted'],
        ]);
      } else {
        r.respond([
          ['Response', 'Error'],
          ['Message', 'Authentication failed'],
        ]);
        r.close();
      }
    });
    this.handlers.set('events', (_a, r) =>
      r.respond([
        ['Response', 'Success'],
        ['Events', 'On'],
      ]),
    );
    this.handlers.set('ping', (_a, r) =>
      r.respond([
        ['Response', 'Success'],
        ['Ping', 'Pong'],
        ['Timestamp', '1763805600.000000'],
      ]),
    );
    this.handlers.set('corestatus', (_a, r) =>
      r.respond([
        ['Response', 'Success'],
        ['CoreStartupDate', this.startup.date],
        ['CoreStartupTime', this.startup.time],
        ['CoreReloadDate', this.startup.date],
        ['CoreReloadTime', this.startup.time],
        ['CoreCurrentCalls', '0'],
      ]),
    );
    this.handlers.set('logoff', (_a, r) => {
      r.respond([
        ['Response', 'Goodbye'],
        ['Message', 'Thanks for all the fish.'],
      ]);
      r.close();
    });
  }

  /** Listens on 127.0.0.1 (an ephemeral port unless one is given, e.g. to come back on). */
  async listen(port = 0): Promise<number> {
    this.server = net.createServer((sock) => this.accept(sock));
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    return this.port;
  }

  get sessions(): number {
    return this.sockets.size;
  }

  /** Actions named `name` (case-insensitive), in arrival order. */
  received(name: string): ReceivedAction[] {
    return this.actions.filter((a) => a.get('Action')?.toLowerCase() === name.toLowerCase());
  }

  /** Sends an async event (no ActionID) to every session. */
  event(pairs: Pairs): void {
    for (const s of this.sockets) s.write(formatMessage(pairs));
  }

  rawToAll(text: string): void {
    for (const s of this.sockets) s.write(text);
  }

  /** Drops every session at once (RST), as a crashed Asterisk would. */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private accept(sock: net.Socket): void {
    const session = ++this.sessionSeq;
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => undefined);
    sock.setEncoding('utf8');
    sock.write(`${this.banner}\r\n`);
    let buffer = '';
    sock.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\r\n\r\n')) >= 0) {
        const text = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        this.dispatch(session, sock, text);
      }
    });
  }

  private dispatch(session: number, sock: net.Socket, text: string): void {
    const pairs: Pairs = text
      .split('\r\n')
      .filter((l) => l !== '')
      .map((l) => {
        const i = l.indexOf(':');
        return [l.slice(0, i), l.slice(i + 1).replace(/^ /, '')] as [string, string];
      });
    const get = (name: string): string | undefined =>
      pairs.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    const action: ReceivedAction = { session, pairs, get };
    this.actions.push(action);
    const id = get('ActionID');
    const replier: Replier = {
      respond: (reply) => {
        const [first, ...rest] = reply;
        const withId: Pairs = first ? [first] : [];
        if (id !== undefined) withId.push(['ActionID', id]);
        sock.write(formatMessage([...withId, ...rest]));
      },
      raw: (t) => sock.write(t),
      close: () => sock.end(),
      destroy: () => sock.destroy(),
    };
    const handler = this.handlers.get(get('Action')?.toLowerCase() ?? '');
    if (handler) handler(action, replier);
    else
      replier.respond([
        ['Response', 'Error'],
        ['Message', 'Invalid/unknown command'],
      ]);
  }
}

/** Writes a list reply as astman_send_listack … astman_send_list_complete_start/_end do. */
export function listReply(
  r: Replier,
  id: string | undefined,
  items: { event: string; fields: Pairs }[],
  complete: { event: string; fields?: Pairs },
): void {
  const withId = (p: Pairs): Pairs =>
    id === undefined ? p : [...p.slice(0, 1), ['ActionID', id], ...p.slice(1)];
  let text = formatMessage(
    withId([
      ['Response', 'Success'],
      ['EventList', 'start'],
      ['Message', 'Items will follow'],
    ]),
  );
  for (const item of items) text += formatMessage(withId([['Event', item.event], ...item.fields]));
  text += formatMessage(
    withId([
      ['Event', complete.event],
      ['EventList', 'Complete'],
      ['ListItems', String(items.length)],
      ...(complete.fields ?? []),
    ]),
  );
  r.raw(text);
}
