/**
 * OFPT_HELLO with version negotiation (OpenFlow 1.3.5 §7.5.1, §6.3.1). Both sides send HELLO
 * first; the body is a list of elements, of which VERSIONBITMAP (type 1) lists the versions a
 * side supports (bit n = wire version n). The negotiated version is the highest common one.
 */

import { ProtocolError } from '../errors.js';
import { pad8 } from './bytes.js';
import { OFP13_VERSION, OFP_HEADER_LEN, OFPHET_VERSIONBITMAP, OFPT_HELLO } from './constants.js';
import { writeHeader } from './header.js';

export interface Hello {
  readonly type: 'HELLO';
  readonly xid: number;
  /** The header's version: the sender's highest. */
  readonly version: number;
  /** Versions listed in a VERSIONBITMAP element, or undefined if the sender sent none. */
  readonly versions?: readonly number[];
}

/**
 * HELLO with a bitmap naming exactly `versions` (e.g. `[4]`: 1.3 only); the header carries the
 * highest. Without `versions`, a bare 8-byte HELLO of `headerVersion`.
 */
export function encodeHello(
  xid: number,
  versions?: readonly number[],
  headerVersion = OFP13_VERSION,
): Buffer {
  if (versions === undefined || versions.length === 0) {
    const bare = Buffer.alloc(OFP_HEADER_LEN);
    writeHeader(bare, 0, OFPT_HELLO, OFP_HEADER_LEN, xid);
    bare[0] = headerVersion;
    return bare;
  }
  const max = Math.max(...versions);
  const words = Math.floor(max / 32) + 1;
  const elemLen = 4 + words * 4;
  const length = OFP_HEADER_LEN + pad8(elemLen);
  const buf = Buffer.alloc(length);
  writeHeader(buf, 0, OFPT_HELLO, length, xid);
  buf[0] = max;
  buf.writeUInt16BE(OFPHET_VERSIONBITMAP, 8);
  buf.writeUInt16BE(elemLen, 10);
  for (const v of versions) {
    const at = 12 + Math.floor(v / 32) * 4;
    buf.writeUInt32BE((buf.readUInt32BE(at) | (1 << (v % 32))) >>> 0, at);
  }
  return buf;
}

/** Decodes a HELLO of any version; unknown elements are skipped as the spec requires. */
export function decodeHello(buf: Buffer): Hello {
  const version = buf[0]!;
  const xid = buf.readUInt32BE(4);
  let versions: number[] | undefined;
  for (let off = OFP_HEADER_LEN; off + 4 <= buf.length;) {
    const type = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    if (len < 4 || off + len > buf.length) throw new ProtocolError(`hello element length ${len}`, off + 2);
    if (type === OFPHET_VERSIONBITMAP) {
      versions = [];
      for (let w = 0; w * 4 + 4 + 4 <= len; w++) {
        const bits = buf.readUInt32BE(off + 4 + w * 4);
        for (let b = 0; b < 32; b++) if (bits & (1 << b)) versions.push(w * 32 + b);
      }
    }
    off += pad8(len);
  }
  return versions === undefined ? { type: 'HELLO', xid, version } : { type: 'HELLO', xid, version, versions };
}

/**
 * The version both sides speak, or undefined. A HELLO without bitmap means "every version up
 * to the header's" (1.3.5 §6.3.1), which is how OVS with default settings greets.
 */
export function negotiateVersion(ours: readonly number[], peer: Hello): number | undefined {
  const theirs = peer.versions ?? Array.from({ length: peer.version }, (_, i) => i + 1);
  let best: number | undefined;
  for (const v of ours) if (theirs.includes(v) && (best === undefined || v > best)) best = v;
  return best;
}
