/**
 * The `connected` / `disconnected` reports around every AMI session: on ready, CoreStatus
 * gives the startup time (a new one means Asterisk restarted and nothing learned from the
 * old process holds), events arriving meanwhile are held and delivered right after
 * `connected`, and `disconnected` says why, with the Shutdown event's reason when one came.
 */

import type { PbxEventFanout } from '../shared/event-fanout.js';
import { SessionOpening } from '../shared/session-opening.js';
import { StartGate } from '../shared/start-gate.js';
import type { AmiAction } from './connection-types.js';
import { AmiDisconnectedError, type AmiClientError } from './errors.js';
import type { AmiLogger } from './logger.js';
import type { AmiMessage } from './message.js';

export interface AmiSessionDeps {
  readonly name: string;
  readonly logger: AmiLogger;
  readonly fanout: PbxEventFanout;
  request(action: AmiAction, priority: number): Promise<AmiMessage>;
  /** A new session: forget whether the module is loaded. */
  sessionBegins(): void;
  /** Asterisk restarted: drop every fact of the old process. */
  asteriskRestarted(): void;
  /** The session is gone: fail what waits on it. */
  sessionLost(reason: string): void;
  /** An event to translate and deliver. */
  handle(msg: AmiMessage): void;
}

export class AmiSessionReports {
  /** The first session: what start() waits on. */
  readonly gate = new StartGate<AmiClientError>();
  readonly #opening = new SessionOpening<AmiMessage>();
  #shutdownNote = '';

  constructor(private readonly deps: AmiSessionDeps) {}

  /** The startup time of the Asterisk last seen, '' before any. */
  get startupTime(): string {
    return this.#opening.startupTime;
  }

  /** Whether `connected` was reported for the current session (no opening under way). */
  get reported(): boolean {
    return !this.#opening.opening;
  }

  /** Event: Shutdown precedes the close (class system): say why in `disconnected`. */
  noteShutdown(note: string): void {
    this.#shutdownNote = note;
  }

  event(msg: AmiMessage): void {
    if (!this.#opening.hold(msg)) this.deps.handle(msg);
  }

  async ready(): Promise<void> {
    const d = this.deps;
    this.#opening.begin();
    d.sessionBegins();
    let startupTime = '';
    try {
      const status = await d.request({ Action: 'CoreStatus' }, 50);
      startupTime = `${status.get('CoreStartupDate') ?? ''} ${status.get('CoreStartupTime') ?? ''}`.trim();
    } catch (err) {
      if (err instanceof AmiDisconnectedError) return; // lost again; the next ready retries
      d.logger.warn('CoreStatus failed; restart detection unavailable', { error: (err as Error).message });
    }
    const { restarted, held } = this.#opening.finish(startupTime);
    this.#shutdownNote = '';
    if (restarted) d.asteriskRestarted();
    d.logger.info('ami connected', { startupTime, restarted });
    d.fanout.emit({ kind: 'connected', source: d.name, startupTime, restarted });
    this.gate.succeed();
    for (const msg of held) d.handle(msg);
  }

  down(reason: string, wasReady: boolean): void {
    this.#opening.abandon();
    // Hangups may be missed while down, and a restarted Asterisk reuses nothing.
    this.deps.fanout.connectionLost();
    this.deps.sessionLost(reason);
    if (!wasReady) return;
    const why = this.#shutdownNote ? `${reason}; ${this.#shutdownNote}` : reason;
    this.deps.fanout.emit({ kind: 'disconnected', source: this.deps.name, reason: why });
  }
}
