import { readFileSync } from 'node:fs';

/** IP and UDP facts of one captured datagram, plus the RTP/RTCP header bytes. */
export interface CapturedUdp {
  /** Seconds since the epoch, microsecond resolution. */
  readonly time: number;
  readonly family: 4 | 6;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** DSCP (upper 6 bits of TOS / traffic class). */
  readonly dscp: number;
  readonly ecn: number;
  /** TTL or hop limit. */
  readonly ttl: number;
  /** IPv4 identification; null for IPv6. */
  readonly ipId: number | null;
  /** Don't-fragment bit (IPv4). */
  readonly df: boolean | null;
  readonly payload: Buffer;
}

const LINKTYPE_ETHERNET = 1;

/** Reads a classic pcap file (tcpdump -w) of Ethernet frames and returns its UDP datagrams. */
export function readPcapUdp(path: string): CapturedUdp[] {
  const buf = readFileSync(path);
  if (buf.length < 24) return [];
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nanos = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  if (u32(20) !== LINKTYPE_ETHERNET) throw new Error(`unsupported pcap link type ${u32(20)}`);
  const out: CapturedUdp[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    const frame = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    const time = sec + frac / (nanos ? 1e9 : 1e6);
    let type = frame.readUInt16BE(12);
    let l3 = 14;
    if (type === 0x8100) {
      type = frame.readUInt16BE(16);
      l3 = 18;
    }
    if (type === 0x0800) {
      const ihl = (frame[l3]! & 0x0f) * 4;
      if (frame[l3 + 9] !== 17) continue;
      const tos = frame[l3 + 1]!;
      const l4 = l3 + ihl;
      out.push({
        time,
        family: 4,
        src: [...frame.subarray(l3 + 12, l3 + 16)].join('.'),
        dst: [...frame.subarray(l3 + 16, l3 + 20)].join('.'),
        srcPort: frame.readUInt16BE(l4),
        dstPort: frame.readUInt16BE(l4 + 2),
        dscp: tos >> 2,
        ecn: tos & 3,
        ttl: frame[l3 + 8]!,
        ipId: frame.readUInt16BE(l3 + 4),
        df: (frame[l3 + 6]! & 0x40) !== 0,
        payload: Buffer.from(frame.subarray(l4 + 8, l3 + frame.readUInt16BE(l3 + 2))),
      });
    } else if (type === 0x86dd) {
      if (frame[l3 + 6] !== 17) continue;
      const tc = ((frame.readUInt16BE(l3) >> 4) & 0xff) >>> 0;
      const l4 = l3 + 40;
      const v6 = (o: number): string => {
        const parts: string[] = [];
        for (let i = 0; i < 16; i += 2) parts.push(frame.readUInt16BE(o + i).toString(16));
        return parts.join(':');
      };
      out.push({
        time,
        family: 6,
        src: v6(l3 + 8),
        dst: v6(l3 + 24),
        srcPort: frame.readUInt16BE(l4),
        dstPort: frame.readUInt16BE(l4 + 2),
        dscp: tc >> 2,
        ecn: tc & 3,
        ttl: frame[l3 + 7]!,
        ipId: null,
        df: null,
        payload: Buffer.from(frame.subarray(l4 + 8, l4 + frame.readUInt16BE(l4 + 4))),
      });
    }
  }
  return out;
}
