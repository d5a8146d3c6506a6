/**
 * Meaning of the values Getvar returns for the CHANNEL() items we read. Asterisk answers
 * `Response: Success` with an empty `Value` when the function itself failed (action_getvar:
 * the read's return code is ignored), so "empty" is always its own case here.
 */

import type { SocketAddr } from '../../model/pbx.js';
import { parseSocketAddr } from './socket-addr.js';

/** Outcome of reading one value: known, unset by Asterisk, or unreadable. */
export type Reading<T> =
  | { readonly kind: 'value'; readonly value: T }
  /** Asterisk said "nothing here": `(null)` address, `(nothing)` format. */
  | { readonly kind: 'unset' }
  /** The function failed (empty Value) or the text did not parse. */
  | { readonly kind: 'failed'; readonly why: string };

const failedEmpty = { kind: 'failed', why: 'empty value (function failed)' } as const;

/**
 * `CHANNEL(rtp,src|dest)` (chan_pjsip) and `CHANNEL(rtpsource|rtpdest)` (chan_sip).
 * `(null)` while held with nothing received; wildcard `0.0.0.0:port` / `[::]:port` is kept.
 */
export function readAddress(value: string): Reading<SocketAddr> {
  if (value.trim() === '') return failedEmpty;
  const parsed = parseSocketAddr(value);
  switch (parsed.kind) {
    case 'address':
      return { kind: 'value', value: parsed.addr };
    case 'unset':
      return { kind: 'unset' };
    case 'invalid':
      return { kind: 'failed', why: parsed.why };
  }
}

/** `CHANNEL(rtp,direct)`: an address while re-INVITEd to direct media, `(null)` otherwise. */
export function readDirect(value: string): Reading<boolean> {
  if (value.trim() === '') return failedEmpty;
  const parsed = parseSocketAddr(value);
  if (parsed.kind === 'address') return { kind: 'value', value: true };
  if (parsed.kind === 'unset' && (parsed.text === '(null)' || parsed.text === ''))
    return { kind: 'value', value: false };
  if (parsed.kind === 'unset') return { kind: 'value', value: true }; // an address without port
  return { kind: 'failed', why: parsed.why };
}

/** `CHANNEL(rtp,secure)` and `CHANNEL(rtp,hold)`: `1` or `0`. */
export function readFlag(value: string): Reading<boolean> {
  const v = value.trim();
  if (v === '') return failedEmpty;
  if (v === '1') return { kind: 'value', value: true };
  if (v === '0') return { kind: 'value', value: false };
  return { kind: 'failed', why: `expected 1 or 0, got '${v}'` };
}

/** chan_sip `CHANNEL(secure_media)`: `1` or empty (channels/sip/dialplan_functions.c). */
export function readSipSecureMedia(value: string): Reading<boolean> {
  const v = value.trim();
  if (v === '') return { kind: 'value', value: false };
  if (v === '1') return { kind: 'value', value: true };
  return { kind: 'failed', why: `expected 1 or empty, got '${v}'` };
}

/**
 * `CHANNEL(audionativeformat)` / `videonativeformat`: a parenthesised list from
 * ast_format_cap_get_names (main/format_cap.c): `(ulaw)`, `(opus|ulaw)`, `(nothing)`.
 */
export function readFormatList(value: string): Reading<readonly string[]> {
  const v = value.trim();
  if (v === '') return failedEmpty;
  const m = /^\((.*)\)$/.exec(v);
  const inner = m ? (m[1] ?? '') : v;
  if (inner === 'nothing' || inner === '') return { kind: 'unset' };
  return { kind: 'value', value: inner.split('|').filter((s) => s !== '') };
}

/** `CHANNEL(audioreadformat)`: a bare format name (`ulaw`, `slin`). */
export function readFormatName(value: string): Reading<string> {
  const v = value.trim();
  if (v === '') return failedEmpty;
  if (v === '(nothing)' || v === 'nothing') return { kind: 'unset' };
  return { kind: 'value', value: v };
}

export function valueOr<T>(reading: Reading<T>, fallback: T): T {
  return reading.kind === 'value' ? reading.value : fallback;
}
