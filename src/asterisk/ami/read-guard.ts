/**
 * The bounded AMI read path: what stands between the socket and asterisk-manager's reader.
 *
 * Why a wrapper and not a check afterwards: the library's ManagerReader appends every chunk
 * to the unfinished message and re-splits and re-scans all of it on each `data` event, so
 * a message that never ends costs O(n²) (0.8 MB took 7.7 s; single 16 KiB reads 300–440 ms
 * each) before anything it emits could be checked. Its buffer is private. So the socket is
 * opened with `onread` (net.connect's user-buffer mode, which stops `data` events) and the
 * bytes pass through this guard, which hands the library only whole messages, each at most
 * `maxMessageBytes`; the library then never holds a partial message and its cost is linear.
 * Bench: `node dist/bench/ami-read-path.js` (figures in the commit that added this).
 *
 * The guard also drops, before the library sees them, messages the library would mishandle
 * in ways no later check can undo: its parser and emitter are keyed by names from the wire,
 * so `Event: rawevent` re-enters its own handler for ever, `Event: close` or `ActionID:
 * close` fakes a socket close, a repeated `UserEvent:` throws inside its data handler, a
 * `__proto__:` header replaces the parsed object's prototype, and `Response: Follows` is
 * routed to whichever action was sent last (Asterisk ≥ 14 never sends Follows).
 */

import type { NetConnectOpts, Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_MESSAGE_LINES } from './connection-types.js';
import { AmiMessageTooLargeError } from './errors.js';

/** Names the library's emitter or our connection listen on: never valid as Event or ActionID. */
const EMITTER_NAMES = new Set([
  'rawevent',
  'managerevent',
  'response',
  'asterisk',
  'close',
  'end',
  'error',
  'connect',
  'newlistener',
  'removelistener',
]);

export interface AmiReadGuardOptions {
  /** Longest message (bytes of text up to its blank line) accepted. */
  readonly maxMessageBytes: number;
  /**
   * Most lines in one message. The library shift()s a message's lines one by one; past
   * ~16k elements V8 keeps the array in large-object space, where shift() copies it, so
   * a whole 0.8 MB message of 62k short lines cost 4.1 s even handed over at once.
   */
  readonly maxMessageLines: number;
  /** Our ActionID prefix: an Event named like one would be routed as a reply. */
  readonly actionIdPrefix: string;
}

export type GuardOutput =
  /** Whole messages for the library (possibly empty), and what was dropped. */
  | { readonly kind: 'text'; readonly text: string; readonly dropped: readonly GuardDrop[] }
  | { readonly kind: 'too-large'; readonly error: AmiMessageTooLargeError };

export interface GuardDrop {
  readonly field: string;
  readonly detail: string;
}

export class AmiReadGuard {
  readonly #decoder = new StringDecoder('utf8');
  readonly #max: number;
  readonly #prefix: string;
  /** Text of the unfinished message, in pieces (joined once, when it ends). */
  #parts: string[] = [];
  #partLength = 0;
  /** Characters on the current line so far, and whether the last one was CR. */
  #lineLength = 0;
  #lastCr = false;
  #lines = 0;
  readonly #maxLines: number;
  #failed = false;

  constructor(options: AmiReadGuardOptions) {
    this.#max = options.maxMessageBytes;
    this.#maxLines = options.maxMessageLines;
    this.#prefix = options.actionIdPrefix.toLowerCase();
  }

  /** Bytes from the socket in; whole, acceptable messages out. */
  push(bytes: Uint8Array): GuardOutput {
    if (this.#failed) return this.#fail(`${this.#max} bytes`);
    const text = this.#decoder.write(bytes as Buffer);
    const out: string[] = [];
    const dropped: GuardDrop[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10) {
        this.#lineLength++;
        this.#lastCr = c === 13;
        continue;
      }
      const empty = this.#lineLength - (this.#lastCr ? 1 : 0) === 0;
      this.#lineLength = 0;
      this.#lastCr = false;
      if (!empty) {
        if (++this.#lines > this.#maxLines) return this.#fail(`${this.#maxLines} lines`);
        continue;
      }
      this.#lines = 0;
      this.#parts.push(text.slice(start, i + 1));
      const message = this.#parts.join('');
      this.#parts = [];
      this.#partLength = 0;
      start = i + 1;
      if (message.length > this.#max) return this.#fail(`${this.#max} bytes`);
      const problem = this.#poison(message);
      if (problem) dropped.push(problem);
      else out.push(message);
    }
    if (start < text.length) {
      this.#parts.push(text.slice(start));
      this.#partLength += text.length - start;
      if (this.#partLength > this.#max) return this.#fail(`${this.#max} bytes`);
    }
    return { kind: 'text', text: out.join(''), dropped };
  }

  #fail(limit: string): GuardOutput {
    this.#failed = true;
    this.#parts = [];
    this.#partLength = 0;
    return { kind: 'too-large', error: new AmiMessageTooLargeError(limit) };
  }

  /** Why the library must not see this message, or null. Keys as the library reads them. */
  #poison(message: string): GuardDrop | null {
    let userEvents = 0;
    let actionIds = 0;
    let first = true;
    let response = false;
    let content = false;
    for (const line of message.split(/\r?\n/)) {
      if (line === '') continue;
      const sep = line.indexOf(': ');
      const key = (sep < 0 ? line : line.slice(0, sep)).trim().toLowerCase();
      const value = sep < 0 ? '' : line.slice(sep + 2);
      const lower = value.toLowerCase();
      // The library's own test, not ours: `Response:Follows` (no space) is not a header to us
      // but puts its reader in Follows mode, where it keeps every later line of the session
      // until `--END COMMAND--`: deaf to all events, and O(n²) as those lines pile up.
      if (first && line.slice(0, 9).toLowerCase() === 'response:' && line.toLowerCase().includes('follow')) {
        return { field: 'Response', detail: 'Response: Follows (not sent by Asterisk 14+)' };
      }
      if (!line.startsWith('Asterisk Call Manager')) first = false;
      if (key in Object.prototype) return { field: key, detail: 'header named after an Object member' };
      if (key === 'event' && (EMITTER_NAMES.has(lower.trim()) || lower.startsWith(this.#prefix))) {
        return { field: 'Event', detail: `Event '${value.slice(0, 40)}' collides with a listener name` };
      }
      if (key === 'actionid' && (EMITTER_NAMES.has(lower.trim()) || ++actionIds > 1)) {
        return { field: 'ActionID', detail: `ActionID '${value.slice(0, 40)}' repeated or reserved` };
      }
      if (key === 'userevent' && ++userEvents > 1) {
        return { field: 'UserEvent', detail: 'UserEvent repeated' };
      }
      if (key === 'response') response = true;
      if (key === 'content') content = true;
    }
    // The library hands a reply with `Content` and no ActionID to whichever action was sent
    // last: a fake answer to a request of ours. Asterisk always echoes our ActionID.
    if (response && content && actionIds === 0) {
      return { field: 'ActionID', detail: 'a reply with Content and no ActionID' };
    }
    return null;
  }
}

/** Read size of the guarded socket: one kernel read at most this many bytes. */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * Socket options for asterisk-manager's `connect`: user-buffer reads through `guard`; only
 * whole, acceptable messages reach the library (as its own `data` events, text).
 */
export function guardedSocketOptions(
  o: {
    readonly port: number;
    readonly host: string;
    readonly actionIdPrefix: string;
    readonly maxMessageBytes?: number;
    readonly maxMessageLines?: number;
  },
  report: { dropped(d: GuardDrop): void; tooLarge(err: AmiMessageTooLargeError): void },
): NetConnectOpts {
  const guard = new AmiReadGuard({
    maxMessageBytes: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    maxMessageLines: o.maxMessageLines ?? DEFAULT_MAX_MESSAGE_LINES,
    actionIdPrefix: o.actionIdPrefix,
  });
  return {
    port: o.port,
    host: o.host,
    onread: {
      buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
      // Node calls this with the socket as `this`; the buffer is reused after it returns.
      callback(this: Socket, bytes: number, buffer: Uint8Array): boolean {
        const out = guard.push(buffer.subarray(0, bytes));
        if (out.kind === 'too-large') {
          report.tooLarge(out.error);
          this.destroy();
          return false;
        }
        for (const d of out.dropped) report.dropped(d);
        if (out.text !== '') this.emit('data', out.text);
        // One chunk per turn of the event loop: libuv reads a busy socket up to 32 times in
        // a row, and a burst of events (100 hangups) would hold back the switch's replies and
        // the flow mods those events asked for until all of it had been parsed.
        if (!this.destroyed) setImmediate(() => this.destroyed || this.resume());
        return false;
      },
    },
  };
}
