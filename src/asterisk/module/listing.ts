/**
 * A raw `RtpOffloadList` reply as Asterisk wrote it on the wire (messages of `Key: Value` lines
 * ending in a blank line), parsed into pairs without the AMI client library: the entry point a
 * fuzz harness calls on arbitrary bytes, and a way to check a recorded listing byte for byte.
 * Total: never throws, whatever the text.
 */

import { AmiMessage } from '../ami/message.js';
import { MODULE_ITEM_EVENT, parseModulePairs, type ModulePairsParse } from './pairs.js';

/** asterisk-manager splits a line at its first `": "`; a line without one carries no value. */
function linePair(line: string): [string, string] | null {
  const at = line.indexOf(':');
  if (at <= 0) return null;
  return [line.slice(0, at), line.slice(at + 1).replace(/^ /, '')];
}

/** The messages of a raw AMI text (CRLF or LF line ends), each as its `Key: Value` pairs. */
export function splitAmiMessages(raw: string): [string, string][][] {
  const messages: [string, string][][] = [];
  let current: [string, string][] = [];
  for (const line of raw.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (current.length > 0) messages.push(current);
      current = [];
      continue;
    }
    const pair = linePair(line);
    if (pair) current.push(pair);
  }
  if (current.length > 0) messages.push(current);
  return messages;
}

/**
 * Parses every `RtpOffloadPair` message in a raw listing; other messages (the response, the
 * completion event, unrelated events interleaved on the session) are ignored.
 */
export function parseModuleListing(raw: string, now: number): ModulePairsParse {
  const items: AmiMessage[] = [];
  for (const pairs of splitAmiMessages(raw)) {
    const event = pairs.find(([k]) => k.trim().toLowerCase() === 'event');
    if (event?.[1].trim().toLowerCase() !== MODULE_ITEM_EVENT.toLowerCase()) continue;
    items.push(AmiMessage.fromPairs(pairs));
  }
  return parseModulePairs(items, now);
}
