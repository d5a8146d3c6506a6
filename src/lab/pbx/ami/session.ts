import { createHash, randomInt } from 'node:crypto';
import type net from 'node:net';
import type { AmiUser } from '../options.js';
import { AmiFramer, type AmiFrame } from './framer.js';
import { getHeader, type AmiField, type AmiMessage } from './message.js';
import { error } from './replies.js';
import { eventMaskFromString, parsePermissions, sessionWantsEvent } from './privileges.js';
import { serializeMessage } from './serializer.js';

/** What the session asks of the server: action dispatch and the user table. */
export interface SessionHost {
  readonly users: readonly AmiUser[];
  readonly authTimeoutMs: number;
  /** Runs an authenticated (or pre-login) action; Login/Logoff/Challenge/Events are the session's. */
  dispatch(session: AmiSession, msg: AmiMessage): Promise<void>;
  loggedIn(session: AmiSession): void;
  closed(session: AmiSession): void;
}

/**
 * One manager session (main/manager.c session_do): reads messages one at a time in
 * order, keeps the login state, the `read=`/`write=` authority and the event mask.
 */
export class AmiSession {
  authenticated = false;
  username = '';
  readPerm = 0;
  writePerm = 0;
  /** -1 until Login's `Events:` or Action Events sets it (session->send_events). */
  sendEvents = -1;
  private readonly framer = new AmiFramer();
  private chain: Promise<void> = Promise.resolve();
  private challenge = '';
  private isClosed = false;
  private readonly authTimer: NodeJS.Timeout;

  constructor(
    private readonly socket: net.Socket,
    private readonly host: SessionHost,
    bannerText: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.framer.push(chunk)) this.enqueue(frame);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.markClosed());
    this.authTimer = setTimeout(() => {
      if (!this.authenticated) this.close();
    }, host.authTimeoutMs);
    socket.write(bannerText);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get remote(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? 0}`;
  }

  send(fields: readonly AmiField[]): void {
    this.write(serializeMessage(fields));
  }

  write(text: string): void {
    if (!this.isClosed && this.socket.writable) this.socket.write(text);
  }

  /** An event already serialized by the server, if this session may and wants to see it. */
  deliver(category: number, text: string): void {
    if (this.authenticated && sessionWantsEvent(this.readPerm, this.sendEvents, category)) this.write(text);
  }

  close(): void {
    if (this.isClosed) return;
    this.socket.end();
    this.socket.destroySoon();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    clearTimeout(this.authTimer);
    this.host.closed(this);
  }

  private enqueue(frame: AmiFrame): void {
    this.chain = this.chain
      .then(() => (this.isClosed ? undefined : this.handle(frame)))
      .catch(() => undefined);
  }

  private async handle(frame: AmiFrame): Promise<void> {
    if (frame.kind === 'line-too-long') {
      this.send(error(frame.message, 'Failed to parse message: line too long'));
      return;
    }
    if (frame.kind === 'too-many-lines') {
      this.send(error(frame.message, 'Too many lines in message or allocation failure'));
      return;
    }
    const msg = frame.message;
    const action = getHeader(msg, 'Action').toLowerCase();
    if (action === 'login') return this.login(msg);
    if (action === 'logoff') {
      this.send([['Response', 'Goodbye'], ...idOf(msg), ['Message', 'Thanks for all the fish.']]);
      this.close();
      return;
    }
    if (action === 'challenge') return this.sendChallenge(msg);
    await this.host.dispatch(this, msg);
  }

  /** Action Events: `EventMask:` through strings_to_mask; the reply says On or Off. */
  setEventMask(msg: AmiMessage): void {
    const mask = eventMaskFromString(getHeader(msg, 'EventMask'));
    if (mask >= 0) this.sendEvents = mask;
    if (mask > 0) this.send([['Response', 'Success'], ...idOf(msg), ['Events', 'On']]);
    else if (mask === 0) this.send([['Response', 'Success'], ...idOf(msg), ['Events', 'Off']]);
    else this.send(error(msg, 'Invalid event mask'));
  }

  private sendChallenge(msg: AmiMessage): void {
    if (getHeader(msg, 'AuthType').toLowerCase() !== 'md5') {
      this.send(error(msg, 'Must specify AuthType'));
      return;
    }
    if (this.challenge === '') this.challenge = String(randomInt(1, 2 ** 31 - 1));
    this.send([['Response', 'Success'], ...idOf(msg), ['Challenge', this.challenge]]);
  }

  /** authenticate(): user by name (case-insensitive), secret or MD5(challenge + secret). */
  private findUser(msg: AmiMessage): AmiUser | null {
    const username = getHeader(msg, 'Username');
    if (username === '') return null;
    const user = this.host.users.find((u) => u.username.toLowerCase() === username.toLowerCase());
    if (!user) return null;
    if (getHeader(msg, 'AuthType').toLowerCase() === 'md5') {
      const key = getHeader(msg, 'Key');
      const expected = createHash('md5')
        .update(this.challenge + user.secret)
        .digest('hex');
      return this.challenge !== '' && key.toLowerCase() === expected ? user : null;
    }
    return getHeader(msg, 'Secret') === user.secret ? user : null;
  }

  private async login(msg: AmiMessage): Promise<void> {
    if (this.authenticated) {
      this.send([['Response', 'Success'], ...idOf(msg), ['Message', 'Already authenticated']]);
      return;
    }
    const user = this.findUser(msg);
    if (!user) {
      // action_login sleeps a second before answering, then drops the session.
      await new Promise((r) => setTimeout(r, 1000));
      this.send(error(msg, 'Authentication failed'));
      this.close();
      return;
    }
    this.authenticated = true;
    this.username = user.username;
    this.readPerm = parsePermissions(user.read);
    this.writePerm = parsePermissions(user.write);
    const mask = eventMaskFromString(getHeader(msg, 'Events'));
    if (mask >= 0) this.sendEvents = mask;
    clearTimeout(this.authTimer);
    this.send([['Response', 'Success'], ...idOf(msg), ['Message', 'Authentication accepted']]);
    this.host.loggedIn(this);
  }
}

function idOf(msg: AmiMessage): AmiField[] {
  const id = getHeader(msg, 'ActionID');
  return id === '' ? [] : [['ActionID', id]];
}
