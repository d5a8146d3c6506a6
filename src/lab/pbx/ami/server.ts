import net from 'node:net';
import { PbxError } from '../errors.js';
import type { AmiUser } from '../options.js';
import { dispatchAction, type ActionTable } from './actions/table.js';
import type { PbxCore } from './core.js';
import { fullyBooted, type ManagerEvent } from './events.js';
import type { AmiMessage } from './message.js';
import { authorityToString, EventClass } from './privileges.js';
import { banner, serializeMessage } from './serializer.js';
import { AmiSession, type SessionHost } from './session.js';

export interface AmiServerOptions {
  readonly amiVersion: string;
  readonly users: readonly AmiUser[];
  readonly authTimeoutMs: number;
  readonly timestampEvents: boolean;
  readonly systemName: string;
  readonly actions: ActionTable;
  readonly core: PbxCore;
  /** Seconds since start-up and since the last reload, for FullyBooted. */
  readonly uptime: () => { uptime: number; lastReload: number };
}

/**
 * The manager interface: accepts TCP sessions, greets them with the banner, and fans
 * events out to every session whose authority and mask admit the event's class.
 */
export class AmiServer implements SessionHost {
  private readonly sessions = new Set<AmiSession>();
  private server: net.Server | null = null;
  private owned = false;
  /** While set, new connections are dropped (a restarting PBX accepts no sessions). */
  private refusing = false;

  constructor(private readonly o: AmiServerOptions) {}

  get users(): readonly AmiUser[] {
    return this.o.users;
  }
  get authTimeoutMs(): number {
    return this.o.authTimeoutMs;
  }

  async listen(host: string, port: number): Promise<void> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(new PbxError('AMI_LISTEN_FAILED', `cannot listen on ${host}:${port}: ${err.message}`)),
      );
      server.listen(port, host, () => resolve());
    });
    this.owned = true;
    this.attach(server);
  }

  /** Accepts on a server someone else opened (e.g. inside a testbed namespace). */
  adopt(server: net.Server): void {
    this.owned = false;
    this.attach(server);
  }

  private attach(server: net.Server): void {
    this.server = server;
    this.refusing = false;
    server.on('connection', (sock) => {
      if (this.refusing) {
        sock.destroy();
        return;
      }
      this.sessions.add(new AmiSession(sock, this, banner(this.o.amiVersion)));
    });
  }

  address(): { host: string; port: number } {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new PbxError('PBX_STOPPED', 'AMI server is not listening');
    return { host: a.address, port: a.port };
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  dispatch(session: AmiSession, msg: AmiMessage): Promise<void> {
    return dispatchAction(this.o.actions, { session, msg, core: this.o.core });
  }

  loggedIn(session: AmiSession): void {
    const system = EventClass.system;
    if ((session.sendEvents & system) !== 0 && (session.readPerm & system) !== 0) {
      const { uptime, lastReload } = this.o.uptime();
      session.write(this.serialize(fullyBooted(uptime, lastReload)));
    }
  }

  closed(session: AmiSession): void {
    this.sessions.delete(session);
  }

  /** __manager_event_sessions_va: Event, Privilege, Timestamp, SystemName, body. */
  serialize(ev: ManagerEvent): string {
    const head: [string, string][] = [
      ['Event', ev.name],
      ['Privilege', authorityToString(ev.category)],
    ];
    if (this.o.timestampEvents) {
      const now = Date.now();
      head.push(['Timestamp', `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, '0')}`]);
    }
    if (this.o.systemName !== '') head.push(['SystemName', this.o.systemName]);
    return serializeMessage([...head, ...ev.fields]);
  }

  broadcast(ev: ManagerEvent): void {
    if (this.sessions.size === 0) return;
    const text = this.serialize(ev);
    for (const s of this.sessions) s.deliver(ev.category, text);
  }

  /** Drops every session (as a restarting Asterisk does). */
  dropSessions(): void {
    for (const s of [...this.sessions]) s.close();
    this.sessions.clear();
  }

  async pause(): Promise<void> {
    this.dropSessions();
    if (this.owned && this.server) {
      const server = this.server;
      this.server = null;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    } else {
      this.refusing = true;
    }
  }

  resumeRefused(): void {
    this.refusing = false;
  }

  get isOwned(): boolean {
    return this.owned;
  }

  async close(): Promise<void> {
    this.dropSessions();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
