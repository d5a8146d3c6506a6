/**
 * Splits a byte stream into whole OpenFlow messages: read 8 header bytes, then `length - 8`
 * more (1.3.5 §7.1). The framer never interprets anything but `length`, so it also frames
 * messages of other versions (a peer's HELLO may be 1.5).
 */

import { ProtocolError } from '../errors.js';
import { OFP_HEADER_LEN } from './constants.js';

export class OfpFramer {
  /** Chunks of an incomplete message, joined only once the message is complete. */
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** Stream position of the first pending byte, for error offsets. */
  private streamOffset = 0;
  private broken = false;

  /**
   * Feeds one chunk; calls `onMessage` for every complete message, in order. Messages may be
   * views into the chunk: consume them before the next `push`, or copy. `onMessage` must not
   * throw. A length below 8 desynchronises the stream for good: `ProtocolError`, and every
   * later push throws too.
   */
  push(chunk: Buffer, onMessage: (message: Buffer) => void): void {
    if (this.broken) throw new ProtocolError('stream already failed framing', this.streamOffset);
    let buf = chunk;
    if (this.pendingLength > 0) {
      this.pending.push(chunk);
      this.pendingLength += chunk.length;
      // Join only when the awaited message is complete, so a 64 KiB reply arriving in small
      // reads is copied once rather than once per read.
      if (this.pendingLength < OFP_HEADER_LEN) return;
      if (this.pending[0]!.length < OFP_HEADER_LEN) this.pending = [Buffer.concat(this.pending)];
      const length = this.pending[0]!.readUInt16BE(2);
      if (length >= OFP_HEADER_LEN && this.pendingLength < length) return;
      buf = Buffer.concat(this.pending, this.pendingLength);
      this.pending = [];
      this.pendingLength = 0;
    }
    let off = 0;
    while (buf.length - off >= OFP_HEADER_LEN) {
      const length = buf.readUInt16BE(off + 2);
      if (length < OFP_HEADER_LEN) {
        this.broken = true;
        throw new ProtocolError(
          `message length ${length} is below the 8-byte header`,
          this.streamOffset + off + 2,
        );
      }
      if (buf.length - off < length) break;
      const message = buf.subarray(off, off + length);
      off += length;
      onMessage(message);
    }
    this.streamOffset += off;
    if (off < buf.length) {
      this.pending.push(buf.subarray(off));
      this.pendingLength = buf.length - off;
    }
  }

  /** Bytes held back waiting for the rest of a message. */
  get pendingBytes(): number {
    return this.pendingLength;
  }
}
