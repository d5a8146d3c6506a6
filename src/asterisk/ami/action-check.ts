/**
 * What the connection checks before it hands an action to asterisk-manager, and the one
 * helper it needs to read the library's loosely typed replies.
 */

import type Manager from 'asterisk-manager';
import { AmiBadArgumentError } from './errors.js';
import type { AmiAction } from './connection-types.js';

/** Protocol limits of main/manager.c: longer lines fail the whole message. */
const MAX_LINE_BYTES = 1024;
const MAX_HEADERS = 128;

export function firstString(v: Manager.Message[string]): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v[0] ?? '';
  return '';
}

/**
 * Refuses what would corrupt or fail the message on Asterisk's side: CR/LF in a value (it
 * would start a new header), lines over 1024 bytes and more than 128 headers (manager.c).
 */
export function checkAction(action: AmiAction): AmiBadArgumentError | null {
  const entries = Object.entries(action);
  if (entries.length + 1 > MAX_HEADERS)
    return new AmiBadArgumentError(action.Action, '*', `count exceeds ${MAX_HEADERS}`);
  for (const [k, v] of entries) {
    if (k.toLowerCase() === 'actionid')
      return new AmiBadArgumentError(action.Action, k, 'is set by the connection');
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v))
      return new AmiBadArgumentError(action.Action, k, 'contains CR or LF');
    if (Buffer.byteLength(`${k}: ${v}\r\n`) > MAX_LINE_BYTES) {
      return new AmiBadArgumentError(action.Action, k, `line exceeds ${MAX_LINE_BYTES} bytes`);
    }
  }
  return null;
}
