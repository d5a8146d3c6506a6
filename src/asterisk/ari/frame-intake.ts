/**
 * The delivery edge of the ARI source: every WebSocket frame is counted, translated,
 * counted again when not understood (an event type this adapter does not know among them),
 * and delivered. Nothing Asterisk sends may throw out of here.
 */

import type { PbxEvent } from '../../model/pbx.js';
import type { MalformedTally } from '../shared/malformed-inputs.js';
import { translateAriFrame } from './event-translator.js';

export class AriFrameIntake {
  #frames = 0;
  #unknown = 0;

  constructor(
    private readonly malformed: MalformedTally,
    private readonly deliver: (event: PbxEvent) => void,
  ) {}

  get frames(): number {
    return this.#frames;
  }

  get unknownEvents(): number {
    return this.#unknown;
  }

  handle(text: string): void {
    this.#frames++;
    try {
      this.#translateAndDeliver(text);
    } catch (err) {
      this.malformed.note('frame', `translation threw: ${(err as Error).message}`);
    }
  }

  #translateAndDeliver(text: string): void {
    const t = translateAriFrame(text);
    if (t.kind === 'malformed' || t.kind === 'unknown') {
      if (t.kind === 'unknown') this.#unknown++;
      const why = t.kind === 'malformed' ? t.problems.join('; ') : 'event type not known to this adapter';
      this.malformed.note(t.kind === 'unknown' ? 'type' : t.eventType || 'frame', `${t.eventType}: ${why}`);
      return;
    }
    if (t.kind === 'ignored') return;
    this.deliver(t.event);
  }
}
