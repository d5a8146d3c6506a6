/**
 * Event classes and permissions of main/manager.c (EVENT_FLAG_* in include/asterisk/manager.h,
 * the `perms[]` table, get_perm, strings_to_mask, authority_to_str).
 */
export const EventClass = {
  system: 1 << 0,
  call: 1 << 1,
  log: 1 << 2,
  verbose: 1 << 3,
  command: 1 << 4,
  agent: 1 << 5,
  user: 1 << 6,
  config: 1 << 7,
  dtmf: 1 << 8,
  reporting: 1 << 9,
  cdr: 1 << 10,
  dialplan: 1 << 11,
  originate: 1 << 12,
  agi: 1 << 13,
  cc: 1 << 15,
  aoc: 1 << 16,
  test: 1 << 17,
  security: 1 << 18,
  message: 1 << 19,
} as const;

export type EventClassName = keyof typeof EventClass;

/** `all` is INT_MAX in perms[], so every class string of a real event ends in `,all`. */
export const ALL_CLASSES = 0x7fffffff;

const PERMS: readonly (readonly [string, number])[] = [...Object.entries(EventClass), ['all', ALL_CLASSES]];

/** ast_instring(list, label, ','): the label is one of the comma-separated words. */
function inList(list: string, label: string): boolean {
  return list.split(',').some((w) => w === label);
}

/** get_perm: `read=`/`write=` strings and class lists (case-sensitive labels, as in C). */
export function parsePermissions(text: string): number {
  let mask = 0;
  for (const [label, bit] of PERMS) if (inList(text, label)) mask |= bit;
  return mask;
}

const TRUE_WORDS = new Set(['yes', 'true', 'y', 't', '1', 'on']);
const FALSE_WORDS = new Set(['no', 'false', 'n', 'f', '0', 'off']);

/**
 * strings_to_mask, used by Login's `Events:` and Action Events' `EventMask:`: all digits
 * → that number; ast_false → 0; ast_true → every class; else a class list. An empty
 * string gives -1, meaning "leave the mask as it is".
 */
export function eventMaskFromString(text: string): number {
  if (text === '') return -1;
  if (/^[0-9]+$/.test(text)) return Number.parseInt(text, 10) | 0;
  const lower = text.toLowerCase();
  if (FALSE_WORDS.has(lower)) return 0;
  if (TRUE_WORDS.has(lower)) {
    let all = 0;
    for (const [, bit] of PERMS) all |= bit;
    return all;
  }
  return parsePermissions(text);
}

/** authority_to_str: the `Privilege:` text, e.g. `call,all`; `<none>` for 0. */
export function authorityToString(authority: number): string {
  const labels: string[] = [];
  for (const [label, bit] of PERMS) if ((authority & bit) !== 0) labels.push(label);
  return labels.length === 0 ? '<none>' : labels.join(',');
}

/** An event reaches a session only if its whole class is in both `read=` and the mask. */
export function sessionWantsEvent(readPerm: number, sendEvents: number, category: number): boolean {
  return (readPerm & category) === category && (sendEvents & category) === category;
}

/** process_message: an action runs if it needs no authority or `write=` overlaps it. */
export function mayRunAction(writePerm: number, authority: number): boolean {
  return authority === 0 || (writePerm & authority) !== 0;
}
