import { writeFileSync } from 'node:fs';

export type Proto = 'ami' | 'ari-ws' | 'ari-http';
export type Direction = 'sent' | 'received';

/** One exchange on the wire, exactly as sent or received. */
export interface WireEntry {
  /** Milliseconds since the transcript started. */
  readonly t: number;
  readonly proto: Proto;
  readonly dir: Direction;
  /** Exact wire text (AMI message incl. its blank line, HTTP request/response, WebSocket frame text). */
  readonly raw: string;
}

/** A scenario step, so a reader can tell which wire entries belong to which action. */
export interface MarkerEntry {
  readonly t: number;
  readonly marker: string;
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
}

export type TranscriptEntry = WireEntry | MarkerEntry;

export const isWire = (e: TranscriptEntry): e is WireEntry => 'proto' in e;
export const isMarker = (e: TranscriptEntry): e is MarkerEntry => 'marker' in e;

/** Text substitutions applied when the transcript is written (secrets, machine specifics). */
export type Redaction = readonly [search: string | RegExp, replacement: string];

export class Transcript {
  private readonly entries: TranscriptEntry[] = [];
  private readonly start: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.start = now();
  }

  private elapsed(): number {
    return Math.round((this.now() - this.start) * 10) / 10;
  }

  wire(proto: Proto, dir: Direction, raw: string): void {
    this.entries.push({ t: this.elapsed(), proto, dir, raw });
  }

  mark(marker: string, detail?: MarkerEntry['detail']): void {
    this.entries.push(
      detail === undefined ? { t: this.elapsed(), marker } : { t: this.elapsed(), marker, detail },
    );
  }

  all(): readonly TranscriptEntry[] {
    return this.entries;
  }

  toJsonLines(redactions: readonly Redaction[] = []): string {
    return this.entries.map((e) => redact(JSON.stringify(e), redactions)).join('\n') + '\n';
  }

  save(path: string, redactions: readonly Redaction[] = []): void {
    writeFileSync(path, this.toJsonLines(redactions));
  }
}

function redact(line: string, redactions: readonly Redaction[]): string {
  let out = line;
  for (const [search, replacement] of redactions) {
    out = typeof search === 'string' ? out.split(search).join(replacement) : out.replace(search, replacement);
  }
  return out;
}

export function parseTranscript(text: string): TranscriptEntry[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TranscriptEntry);
}
