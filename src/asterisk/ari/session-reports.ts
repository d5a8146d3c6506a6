/**
 * The `connected` / `disconnected` reports around every ARI event socket. A dropped socket
 * deactivates the application and loses the events of the gap (res/stasis), so every open is
 * a `connected` and the engine resyncs. The startup time (`GET /asterisk/info`,
 * res/ari/resource_asterisk.c) is read by the probe before a fresh client, or on open when
 * ari-client reopened the socket by itself; a new one means Asterisk restarted.
 */

import type { AmiLogger } from '../ami/logger.js';
import type { PbxEventFanout } from '../shared/event-fanout.js';
import { SessionOpening } from '../shared/session-opening.js';
import type { StartGate } from '../shared/start-gate.js';
import type { AriClientError } from './errors.js';
import type { AriReply, Query } from './http.js';
import { FieldProblems, isObject, requireObject, requireString } from './json-fields.js';

export interface AriSessionDeps {
  readonly name: string;
  readonly logger: AmiLogger;
  readonly fanout: PbxEventFanout;
  readonly start: StartGate<AriClientError>;
  get(path: string, query: Query): Promise<AriReply>;
  /** Asterisk restarted: drop every fact of the old process. */
  asteriskRestarted(): void;
  /** A frame to translate and deliver. */
  handle(text: string): void;
}

export class AriSessionReports {
  readonly #opening = new SessionOpening<string>();
  /** The startup time read by the probe that preceded the current client. */
  #probed: string | null = null;
  #opens = 0;
  #reconnects = 0;

  constructor(private readonly deps: AriSessionDeps) {}

  get reconnects(): number {
    return this.#reconnects;
  }

  /** Before a fresh client connects. */
  async probe(): Promise<void> {
    this.#probed = await this.#readStartupTime();
  }

  frame(text: string): void {
    if (!this.#opening.hold(text)) this.deps.handle(text);
  }

  async open(): Promise<void> {
    const d = this.deps;
    this.#opening.begin();
    if (this.#opens > 0) this.#reconnects++;
    this.#opens++;
    let startupTime = this.#probed ?? '';
    this.#probed = null;
    if (startupTime === '') {
      // ari-client reopened the socket by itself: ask again.
      try {
        startupTime = await this.#readStartupTime();
      } catch (err) {
        d.logger.warn('GET /asterisk/info failed; restart detection unavailable', {
          error: (err as Error).message,
        });
      }
    }
    if (!this.#opening.opening) return; // lost again meanwhile; the next open reports
    const { restarted, held } = this.#opening.finish(startupTime);
    if (restarted) d.asteriskRestarted();
    d.logger.info('ari connected', { startupTime, restarted });
    d.fanout.emit({ kind: 'connected', source: d.name, startupTime, restarted });
    d.start.succeed();
    for (const text of held) d.handle(text);
  }

  down(reason: string): void {
    const wasReported = !this.#opening.opening;
    this.#opening.abandon();
    // Hangups may be missed while down, and a restarted Asterisk reuses nothing.
    this.deps.fanout.connectionLost();
    if (wasReported) this.deps.fanout.emit({ kind: 'disconnected', source: this.deps.name, reason });
  }

  async #readStartupTime(): Promise<string> {
    const reply = await this.deps.get('/asterisk/info', { only: 'status' });
    const p = new FieldProblems();
    const body = isObject(reply.body) ? reply.body : {};
    const status = requireObject(body, 'status', p);
    const startup = requireString(status, 'startup_time', p, 'status.startup_time');
    if (!p.ok) {
      this.deps.logger.warn('GET /asterisk/info without startup_time; restart detection unavailable', {
        problems: p.list,
      });
    }
    return startup;
  }
}
