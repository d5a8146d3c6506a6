/**
 * The delivery edge of the AMI source: every event is translated, counted when not
 * understood, and delivered; the few events that are not PBX events (module loads, Shutdown)
 * go to whoever needs them. Nothing Asterisk sends may throw out of here.
 */

import type { PbxEvent } from '../../model/pbx.js';
import type { MalformedTally } from '../shared/malformed-inputs.js';
import { translateEvent } from './event-translator.js';
import type { AmiMessage } from './message.js';

export interface AmiEventIntakeDeps {
  readonly malformed: MalformedTally;
  deliver(event: PbxEvent): void;
  /** Event: Load/Unload/Reload, with its Module header. */
  moduleEvent(module: string): void;
  /** Event: Shutdown, described for the `disconnected` that follows. */
  shutdown(note: string): void;
}

export class AmiEventIntake {
  constructor(private readonly deps: AmiEventIntakeDeps) {}

  /** Inputs of this source not understood: events, list items, replies. */
  get malformedCount(): number {
    return this.deps.malformed.count;
  }

  handle(msg: AmiMessage): void {
    try {
      this.#translateAndDeliver(msg);
    } catch (err) {
      this.deps.malformed.note(
        'Event',
        `${msg.eventName ?? ''}: translation threw: ${(err as Error).message}`,
      );
    }
  }

  #translateAndDeliver(msg: AmiMessage): void {
    const t = translateEvent(msg);
    if (t.kind === 'malformed') {
      this.deps.malformed.note(t.field, `${t.eventName}: ${t.problems.join('; ')}`);
      return;
    }
    if (t.kind === 'ignored') {
      const name = t.eventName.toLowerCase();
      if (name === 'load' || name === 'unload' || name === 'reload')
        this.deps.moduleEvent(msg.get('Module') ?? '');
      if (name === 'shutdown') {
        this.deps.shutdown(
          `Asterisk shutdown (${msg.get('Shutdown') ?? '?'}, restart ${msg.get('Restart') ?? '?'})`,
        );
      }
      return;
    }
    this.deps.deliver(t.event);
  }
}
