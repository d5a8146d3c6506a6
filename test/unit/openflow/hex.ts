import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Bytes from commented hex, independent of the codec's writers:
 *
 *     hex`04 0e 00e0 00000001   # version, FLOW_MOD, length 224, xid 1`
 *
 * Everything from `#` to the end of a line is a comment; whitespace is ignored.
 */
export function hex(strings: TemplateStringsArray, ...values: unknown[]): Buffer {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const digits = text.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`bad hex literal: ${digits}`);
  return Buffer.from(digits, 'hex');
}

const OFCTL = '/usr/bin/ovs-ofctl';
/** The project's test script installs Open vSwitch; elsewhere the oracle checks are skipped. */
export const hasOfctl = existsSync(OFCTL);

/** `ovs-ofctl ofp-print <hex>`: OVS's own decoder, as an independent oracle. */
export function ofpPrint(bytes: Buffer): string {
  return execFileSync(OFCTL, ['ofp-print', bytes.toString('hex')], { encoding: 'utf8' }).trim();
}

/** A small seeded PRNG (mulberry32), so fuzz failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
