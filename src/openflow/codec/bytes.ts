/**
 * Byte-level helpers shared by the encoders and decoders: bounds checks that raise
 * `ProtocolError` with the offending offset, and address text ⇄ bytes written straight into
 * the destination buffer (the flow-mod encoder runs tens of thousands of times per batch).
 */

import { OpenFlowArgumentError, ProtocolError } from '../errors.js';

/** Rounds up to the next multiple of 8: matches, instructions and actions are 8-aligned. */
export function pad8(n: number): number {
  return (n + 7) & ~7;
}

/** Throws `ProtocolError` unless `buf` holds `n` bytes at `offset`. */
export function need(buf: Buffer, offset: number, n: number, what: string): void {
  if (offset + n > buf.length) {
    throw new ProtocolError(`${what}: needs ${n} bytes, ${Math.max(0, buf.length - offset)} left`, offset);
  }
}

function badArgument(what: string, text: string): never {
  throw new OpenFlowArgumentError(`${what}: ${JSON.stringify(text)} is not valid`);
}

/** Writes dotted-quad IPv4 text as 4 bytes at `off`. */
export function writeIpv4(buf: Buffer, off: number, text: string): void {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) badArgument('IPv4 address', text);
    } else if (c === 46 && digits > 0 && part < 3) {
      buf[off + part++] = value;
      value = 0;
      digits = 0;
    } else {
      badArgument('IPv4 address', text);
    }
  }
  if (part !== 3 || digits === 0) badArgument('IPv4 address', text);
  buf[off + 3] = value;
}

/**
 * Decoded address text is cached: a dump of 20,000 rewrite flows repeats the same few PBX
 * and MAC addresses in every entry, and each fresh string is garbage to collect. The caches
 * are bounded by clearing, not evicting: cheap, and a miss only costs the formatting.
 */
const CACHE_LIMIT = 4096;
const ipv4Text = new Map<number, string>();
const macText = new Map<number, string>();

export function readIpv4(buf: Buffer, off: number): string {
  const key = ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
  let text = ipv4Text.get(key);
  if (text === undefined) {
    text = `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
    if (ipv4Text.size >= CACHE_LIMIT) ipv4Text.clear();
    ipv4Text.set(key, text);
  }
  return text;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Writes `aa:bb:cc:dd:ee:ff` (or `-` separated) as 6 bytes at `off`. */
export function writeMac(buf: Buffer, off: number, text: string): void {
  if (text.length !== 17) badArgument('MAC address', text);
  for (let i = 0; i < 6; i++) {
    const hi = hexValue(text.charCodeAt(i * 3));
    const lo = hexValue(text.charCodeAt(i * 3 + 1));
    const sep = i < 5 ? text.charCodeAt(i * 3 + 2) : 58;
    if (hi < 0 || lo < 0 || (sep !== 58 && sep !== 45)) badArgument('MAC address', text);
    buf[off + i] = (hi << 4) | lo;
  }
}

const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function readMac(buf: Buffer, off: number): string {
  // 48 bits fit a double exactly.
  const key = buf.readUIntBE(off, 6);
  let text = macText.get(key);
  if (text === undefined) {
    text = `${HEX2[buf[off]!]}:${HEX2[buf[off + 1]!]}:${HEX2[buf[off + 2]!]}:${HEX2[buf[off + 3]!]}:${HEX2[buf[off + 4]!]}:${HEX2[buf[off + 5]!]}`;
    if (macText.size >= CACHE_LIMIT) macText.clear();
    macText.set(key, text);
  }
  return text;
}

/** Parses one group list (`a:b:c`, possibly ending in dotted IPv4) into 16-bit words. */
function parseIpv6Groups(text: string, part: string, words: number[]): void {
  if (part === '') return;
  const groups = part.split(':');
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (i === groups.length - 1 && g.includes('.')) {
      const v4 = Buffer.allocUnsafe(4);
      writeIpv4(v4, 0, g);
      words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      continue;
    }
    if (g.length === 0 || g.length > 4) badArgument('IPv6 address', text);
    let w = 0;
    for (let j = 0; j < g.length; j++) {
      const h = hexValue(g.charCodeAt(j));
      if (h < 0) badArgument('IPv6 address', text);
      w = (w << 4) | h;
    }
    words.push(w);
  }
}

/** Writes IPv6 text (RFC 4291 §2.2 forms, incl. `::` and a trailing dotted IPv4) as 16 bytes. */
export function writeIpv6(buf: Buffer, off: number, text: string): void {
  const dbl = text.indexOf('::');
  const head: number[] = [];
  const tail: number[] = [];
  if (dbl < 0) {
    parseIpv6Groups(text, text, head);
    if (head.length !== 8) badArgument('IPv6 address', text);
  } else {
    if (text.indexOf('::', dbl + 1) >= 0) badArgument('IPv6 address', text);
    parseIpv6Groups(text, text.slice(0, dbl), head);
    parseIpv6Groups(text, text.slice(dbl + 2), tail);
    if (head.length + tail.length > 7) badArgument('IPv6 address', text);
  }
  buf.fill(0, off, off + 16);
  for (let i = 0; i < head.length; i++) buf.writeUInt16BE(head[i]!, off + i * 2);
  for (let i = 0; i < tail.length; i++) buf.writeUInt16BE(tail[i]!, off + 16 - (tail.length - i) * 2);
}

/** Formats 16 bytes as canonical IPv6 text (RFC 5952: lower case, longest zero run as `::`). */
export function readIpv6(buf: Buffer, off: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(buf.readUInt16BE(off + i * 2));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // RFC 5952 §4.2.2: a single zero group is not shortened.
  if (bestLen < 2) return words.map((w) => w.toString(16)).join(':');
  const left = words.slice(0, bestStart).map((w) => w.toString(16));
  const right = words.slice(bestStart + bestLen).map((w) => w.toString(16));
  return `${left.join(':')}::${right.join(':')}`;
}

/** Lower-case hex of a whole buffer, as `ovs-ofctl ofp-print` accepts it. */
export function toHex(buf: Buffer): string {
  return buf.toString('hex');
}

// Big-endian stores for the flow-mod writer. `Buffer#writeUInt16BE` and `#fill` check every
// argument on every call, which dominated the cost of encoding a batch; the callers size the
// buffer first, so only the value range is checked here, to refuse rather than truncate.

function outOfRange(v: number, bits: number): never {
  throw new OpenFlowArgumentError(`${v} does not fit in an unsigned ${bits}-bit field`);
}

export function put8(buf: Buffer, off: number, v: number): void {
  if ((v & 0xff) !== v) outOfRange(v, 8);
  buf[off] = v;
}

export function put16(buf: Buffer, off: number, v: number): void {
  if ((v & 0xffff) !== v) outOfRange(v, 16);
  buf[off] = v >>> 8;
  buf[off + 1] = v;
}

export function put32(buf: Buffer, off: number, v: number): void {
  if (v >>> 0 !== v) outOfRange(v, 32);
  buf[off] = v >>> 24;
  buf[off + 1] = v >>> 16;
  buf[off + 2] = v >>> 8;
  buf[off + 3] = v;
}

// A u64 goes through a typed array rather than BigInt shifts, which allocate.
const u64 = new BigUint64Array(1);
const u64Bytes = new Uint8Array(u64.buffer);
const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function put64(buf: Buffer, off: number, v: bigint): void {
  if (v === 0n) {
    put32(buf, off, 0);
    put32(buf, off + 4, 0);
    return;
  }
  u64[0] = v;
  if (hostLittleEndian) for (let i = 0; i < 8; i++) buf[off + i] = u64Bytes[7 - i]!;
  else for (let i = 0; i < 8; i++) buf[off + i] = u64Bytes[i]!;
}

export function zero(buf: Buffer, from: number, to: number): void {
  for (let i = from; i < to; i++) buf[i] = 0;
}
