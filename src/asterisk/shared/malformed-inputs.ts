import type { AmiLogger } from '../ami/logger.js';

/**
 * Counts input from the wire that was not understood (AMI events and replies, ARI frames and
 * REST bodies), per source and field, and warns about it at most once per interval per
 * source: a hostile or broken peer can send thousands a second, and a log line per input
 * would be a second way to wedge the agent. metrics.ts reads `snapshot()`.
 */
export interface MalformedInputs {
  /** One input not understood; `field` names the header or property that was wrong. */
  note(source: string, field: string, detail: string): void;
  /** Counts so far, keyed `<source>` and `<source>.<field>`. */
  snapshot(): Readonly<Record<string, number>>;
  total(): number;
}

export interface MalformedInputsOptions {
  readonly logger: AmiLogger;
  readonly now: () => number;
  /** Shortest gap between two warnings of one source. @default 10000 */
  readonly warnIntervalMs?: number;
  /** Distinct `<source>.<field>` keys kept; later ones count under `<source>.other`. @default 256 */
  readonly maxKeys?: number;
}

export class MalformedCounter implements MalformedInputs {
  readonly #counts = new Map<string, number>();
  readonly #lastWarn = new Map<string, { at: number; suppressed: number }>();
  readonly #logger: AmiLogger;
  readonly #now: () => number;
  readonly #interval: number;
  readonly #maxKeys: number;
  #total = 0;

  constructor(options: MalformedInputsOptions) {
    this.#logger = options.logger;
    this.#now = options.now;
    this.#interval = options.warnIntervalMs ?? 10_000;
    this.#maxKeys = options.maxKeys ?? 256;
  }

  note(source: string, field: string, detail: string): void {
    this.#total++;
    this.#bump(source);
    // Field names come from the wire too: a peer inventing a new one per message must
    // not grow this table without end.
    const key = `${source}.${field}`;
    this.#bump(this.#counts.has(key) || this.#counts.size < this.#maxKeys ? key : `${source}.other`);
    const now = this.#now();
    const last = this.#lastWarn.get(source);
    if (last && now - last.at < this.#interval) {
      last.suppressed++;
      return;
    }
    if (this.#lastWarn.size >= this.#maxKeys && !last) return;
    this.#lastWarn.set(source, { at: now, suppressed: 0 });
    this.#logger.warn('malformed input', {
      source,
      field,
      detail: detail.slice(0, 200),
      ...(last ? { suppressedSinceLastWarning: last.suppressed } : {}),
    });
  }

  snapshot(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.#counts);
  }

  total(): number {
    return this.#total;
  }

  #bump(key: string): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }
}

/** One source's share of what was not understood: its own count, and the shared record. */
export class MalformedTally {
  #count = 0;

  constructor(
    private readonly inputs: MalformedInputs,
    private readonly source: string,
  ) {}

  get count(): number {
    return this.#count;
  }

  note(field: string, detail: string): void {
    this.#count++;
    this.inputs.note(this.source, field, detail);
  }
}
