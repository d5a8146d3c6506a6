import type { AmiField } from './message.js';

/**
 * Wire text of one AMI message: `Name: value` lines with CRLF and the blank line that
 * ends it. Values are written as given, like astman_append: an empty value still prints
 * `Name: ` (e.g. `AccountCode: `).
 */
export function serializeMessage(fields: readonly AmiField[]): string {
  let out = '';
  for (const [name, value] of fields) out += `${name}: ${value}\r\n`;
  return out + '\r\n';
}

/** The greeting session_do sends before anything else. */
export function banner(amiVersion: string): string {
  return `Asterisk Call Manager/${amiVersion}\r\n`;
}
