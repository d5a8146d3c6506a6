/**
 * One AMI message as main/manager.c keeps it: the raw header lines in arrival order
 * (`struct message`, at most 128 of them). Lookups follow __astman_get_header: the name
 * is compared case-insensitively and must be followed directly by `:`; blanks after the
 * colon are skipped. Lines without a colon are kept (they count) but never match.
 */
export interface AmiMessage {
  readonly lines: readonly string[];
}

/** A header to write: name and value, in the order they go on the wire. */
export type AmiField = readonly [name: string, value: string];

function valueOf(line: string, lowerName: string): string | undefined {
  if (line.length <= lowerName.length || line[lowerName.length] !== ':') return undefined;
  if (line.slice(0, lowerName.length).toLowerCase() !== lowerName) return undefined;
  let i = lowerName.length + 1;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  return line.slice(i);
}

/** First value of a header, or `''` when absent (astman_get_header never returns NULL). */
export function getHeader(msg: AmiMessage, name: string): string {
  const lower = name.toLowerCase();
  for (const line of msg.lines) {
    const v = valueOf(line, lower);
    if (v !== undefined) return v;
  }
  return '';
}

/** Every value of a repeated header (`Variable:` lines of Originate, `ChanVariable`). */
export function getHeaders(msg: AmiMessage, name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (const line of msg.lines) {
    const v = valueOf(line, lower);
    if (v !== undefined) out.push(v);
  }
  return out;
}

/** Builds a message from fields, for tests and for feeding the dispatcher directly. */
export function messageOf(fields: readonly AmiField[]): AmiMessage {
  return { lines: fields.map(([k, v]) => `${k}: ${v}`) };
}
