import type { AmiMessage } from './message.js';

/**
 * Input limits of main/manager.c: `inbuf` holds 1024 bytes, so a line whose bytes up to
 * and including its LF exceed that is "too long"; `struct message` holds 128 headers.
 */
export const AMI_MAX_LINE_BYTES = 1024;
export const AMI_MAX_HEADERS = 128;

/**
 * What the framer hands to the session, mirroring do_message's outcomes:
 * - `message`: a complete message (an empty one is possible: a lone blank line);
 * - `line-too-long`: the message had a line over the limit (MESSAGE_LINE_TOO_LONG); the
 *   headers read apart from that line are kept so the error can echo the ActionID;
 * - `too-many-lines`: more than 128 headers (hdr_loss).
 */
export type AmiFrame =
  | { readonly kind: 'message'; readonly message: AmiMessage }
  | { readonly kind: 'line-too-long'; readonly message: AmiMessage }
  | { readonly kind: 'too-many-lines'; readonly message: AmiMessage };

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits an AMI byte stream into messages (get_input + do_message). Lines end in LF; a CR
 * just before it is dropped, so LF-only input is accepted. A blank line ends a message.
 * Pure: bytes in, frames out, no sockets.
 */
export class AmiFramer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Discarding the rest of an over-long line until its LF. */
  private discarding = false;
  private lines: string[] = [];
  private tooLong = false;
  private headerLoss = false;

  push(chunk: Buffer): AmiFrame[] {
    const frames: AmiFrame[] = [];
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = lf < 0 ? chunk.length : lf + 1;
      const piece = chunk.subarray(start, end);
      start = end;
      if (this.discarding) {
        if (lf >= 0) this.discarding = false;
        continue;
      }
      if (this.pendingBytes + piece.length > AMI_MAX_LINE_BYTES) {
        // Asterisk dumps the buffer and marks the message as failed; the rest of the
        // line is thrown away and the message continues with the next line.
        this.pending = [];
        this.pendingBytes = 0;
        this.tooLong = true;
        this.discarding = lf < 0;
        continue;
      }
      if (lf < 0) {
        this.pending.push(piece);
        this.pendingBytes += piece.length;
        continue;
      }
      const lineBytes = this.pending.length === 0 ? piece : Buffer.concat([...this.pending, piece]);
      this.pending = [];
      this.pendingBytes = 0;
      let stop = lineBytes.length - 1;
      if (stop > 0 && lineBytes[stop - 1] === CR) stop--;
      const frame = this.line(lineBytes.toString('utf8', 0, stop));
      if (frame) frames.push(frame);
    }
    return frames;
  }

  private line(text: string): AmiFrame | null {
    if (text !== '') {
      if (this.lines.length < AMI_MAX_HEADERS) this.lines.push(text);
      else this.headerLoss = true;
      return null;
    }
    const message: AmiMessage = { lines: this.lines };
    const kind = this.headerLoss ? 'too-many-lines' : this.tooLong ? 'line-too-long' : 'message';
    this.lines = [];
    this.tooLong = false;
    this.headerLoss = false;
    return { kind, message };
  }
}
