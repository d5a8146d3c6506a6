/**
 * One AMI message in the shape the rest of the adapter reads: asterisk-manager's parsed
 * object (lower-cased keys, arrays for repeated keys, objects for `variable`/`chanvariable`)
 * normalised once, so no other module deals with those shapes.
 */

import type Manager from 'asterisk-manager';

export class AmiMessage {
  private constructor(
    private readonly first: ReadonlyMap<string, string>,
    private readonly repeated: ReadonlyMap<string, readonly string[]>,
    private readonly vars: ReadonlyMap<string, Readonly<Record<string, string>>>,
    /** Estimated size on the wire (`Key: Value\r\n` per line plus the blank line). */
    readonly bytes: number,
  ) {}

  /** Builds a message from `Key: Value` pairs as Asterisk would send them (tests, lab). */
  static fromPairs(pairs: readonly (readonly [string, string])[]): AmiMessage {
    // Null prototype: a `__proto__` key from a test or the lab is a key, not a prototype.
    const raw: Manager.Message = Object.create(null) as Manager.Message;
    for (const [k, v] of pairs) {
      const key = k.trim().toLowerCase();
      if (key === 'variable' || key === 'chanvariable') {
        const obj = (
          typeof raw[key] === 'object' && !Array.isArray(raw[key]) ? raw[key] : Object.create(null)
        ) as Record<string, string>;
        const eq = v.indexOf('=');
        if (eq < 0) obj[v] = '';
        else obj[v.slice(0, eq)] = v.slice(eq + 1);
        raw[key] = obj;
        continue;
      }
      const prev = raw[key];
      if (prev === undefined) raw[key] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else if (typeof prev === 'string') raw[key] = [prev, v];
    }
    return AmiMessage.fromLibrary(raw);
  }

  static fromLibrary(raw: Manager.Message): AmiMessage {
    const first = new Map<string, string>();
    const repeated = new Map<string, string[]>();
    const vars = new Map<string, Record<string, string>>();
    let bytes = 2;
    for (const [rawKey, value] of Object.entries(raw)) {
      if (value === undefined) continue;
      // A line without a blank after its colon (`AccountCode:`) is not split by the
      // library's `": "` split, so its key keeps the colon and its value is lost (empty).
      const key = rawKey.replace(/:+$/, '').trim();
      if (typeof value === 'string') {
        if (!first.has(key)) first.set(key, value);
        const list = repeated.get(key) ?? [];
        list.push(value);
        repeated.set(key, list);
        bytes += key.length + value.length + 4;
      } else if (Array.isArray(value)) {
        // The library's `key in item` sees inherited names, so a `Constructor:` header
        // arrives as [Object, 'text']: keep only the strings.
        const strings = value.filter((v): v is string => typeof v === 'string');
        if (strings[0] !== undefined && !first.has(key)) first.set(key, strings[0]);
        repeated.set(key, [...(repeated.get(key) ?? []), ...strings]);
        for (const s of strings) bytes += key.length + s.length + 4;
      } else if (typeof value === 'object' && value !== null) {
        const copy = Object.create(null) as Record<string, string>;
        for (const [n, v] of Object.entries(value)) {
          if (typeof v !== 'string') continue;
          copy[n] = v;
          bytes += key.length + n.length + v.length + 5;
        }
        vars.set(key, copy);
      }
    }
    return new AmiMessage(first, repeated, vars, bytes);
  }

  /** First value of a header (case-insensitive, as Asterisk's __astman_get_header). */
  get(name: string): string | undefined {
    return this.first.get(name.toLowerCase());
  }

  /** Every value of a repeated header, in order. */
  all(name: string): readonly string[] {
    return this.repeated.get(name.toLowerCase()) ?? [];
  }

  has(name: string): boolean {
    const key = name.toLowerCase();
    return this.first.has(key) || this.vars.has(key);
  }

  /** `Variable:` / `ChanVariable:` lines as `{ name: value }` (the library's object form). */
  variables(name: 'variable' | 'chanvariable'): Readonly<Record<string, string>> {
    return this.vars.get(name) ?? {};
  }

  /** The event name as Asterisk spelled it (`BridgeEnter`), or undefined for a response. */
  get eventName(): string | undefined {
    return this.get('event');
  }

  /** Plain object for logs: lower-cased keys, first values. */
  toJSON(): Record<string, string> {
    return Object.fromEntries(this.first);
  }
}
