/**
 * RTCP sender and receiver reports (RFC 3550 §6.4) with the SDES CNAME that makes them a
 * valid compound packet (§6.1), as res_rtp_asterisk.c ast_rtcp_write sends them.
 */
export const RTCP_SR = 200;
export const RTCP_RR = 201;
const RTCP_SDES = 202;

export interface RtcpReportBlock {
  readonly sourceSsrc: number;
  /** Fraction lost since the previous report, in 1/256. */
  readonly fractionLost: number;
  readonly cumulativeLost: number;
  /** Extended highest sequence number: cycles << 16 | highest. */
  readonly highestSequence: number;
  /** Interarrival jitter in timestamp units. */
  readonly jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from that source. */
  readonly lsr: number;
  /** Delay since that SR, in 1/65536 s. */
  readonly dlsr: number;
}

export interface RtcpSenderInfo {
  readonly ntpSeconds: number;
  readonly ntpFraction: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
}

export interface RtcpReport {
  readonly type: typeof RTCP_SR | typeof RTCP_RR;
  readonly ssrc: number;
  readonly sender: RtcpSenderInfo | null;
  readonly blocks: readonly RtcpReportBlock[];
}

/** Seconds between 1900 (NTP era 0) and 1970 (Unix epoch). */
const NTP_UNIX_OFFSET = 2_208_988_800;

export function ntpFromMs(ms: number): { seconds: number; fraction: number } {
  const secs = Math.floor(ms / 1000);
  const frac = Math.floor(((ms - secs * 1000) / 1000) * 0x1_0000_0000);
  return { seconds: (secs + NTP_UNIX_OFFSET) >>> 0, fraction: frac >>> 0 };
}

/** The "middle 32 bits" used for LSR (RFC 3550 §6.4.1). */
export function ntpMiddle(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

export function buildRtcp(report: RtcpReport, cname: string): Buffer {
  const blocks = report.blocks.slice(0, 31);
  const headLen = report.type === RTCP_SR ? 28 : 8;
  const reportLen = headLen + blocks.length * 24;
  const cnameBytes = Buffer.from(cname, 'utf8').subarray(0, 255);
  // SDES chunk: SSRC, CNAME item (type, length, text), a null item, padded to 32 bits.
  const sdesBody = 4 + 2 + cnameBytes.length + 1;
  const sdesLen = 4 + Math.ceil(sdesBody / 4) * 4;
  const out = Buffer.alloc(reportLen + sdesLen);
  out[0] = 0x80 | blocks.length;
  out[1] = report.type;
  out.writeUInt16BE(reportLen / 4 - 1, 2);
  out.writeUInt32BE(report.ssrc >>> 0, 4);
  let o = 8;
  if (report.type === RTCP_SR) {
    const s = report.sender ?? {
      ntpSeconds: 0,
      ntpFraction: 0,
      rtpTimestamp: 0,
      packetCount: 0,
      octetCount: 0,
    };
    out.writeUInt32BE(s.ntpSeconds >>> 0, 8);
    out.writeUInt32BE(s.ntpFraction >>> 0, 12);
    out.writeUInt32BE(s.rtpTimestamp >>> 0, 16);
    out.writeUInt32BE(s.packetCount >>> 0, 20);
    out.writeUInt32BE(s.octetCount >>> 0, 24);
    o = 28;
  }
  for (const b of blocks) {
    out.writeUInt32BE(b.sourceSsrc >>> 0, o);
    out[o + 4] = b.fractionLost & 0xff;
    const lost = Math.max(-0x800000, Math.min(0x7fffff, b.cumulativeLost));
    out.writeUIntBE(lost & 0xffffff, o + 5, 3);
    out.writeUInt32BE(b.highestSequence >>> 0, o + 8);
    out.writeUInt32BE(b.jitter >>> 0, o + 12);
    out.writeUInt32BE(b.lsr >>> 0, o + 16);
    out.writeUInt32BE(b.dlsr >>> 0, o + 20);
    o += 24;
  }
  out[o] = 0x81;
  out[o + 1] = RTCP_SDES;
  out.writeUInt16BE(sdesLen / 4 - 1, o + 2);
  out.writeUInt32BE(report.ssrc >>> 0, o + 4);
  out[o + 8] = 1; // CNAME
  out[o + 9] = cnameBytes.length;
  cnameBytes.copy(out, o + 10);
  return out;
}

/** Parses the first SR or RR of a compound packet; `null` when there is none. */
export function parseRtcp(b: Buffer): RtcpReport | null {
  let o = 0;
  while (o + 8 <= b.length) {
    if (b[o]! >> 6 !== 2) return null;
    const count = b[o]! & 0x1f;
    const type = b[o + 1]!;
    const len = (b.readUInt16BE(o + 2) + 1) * 4;
    if (o + len > b.length) return null;
    if (type === RTCP_SR || type === RTCP_RR) {
      const ssrc = b.readUInt32BE(o + 4);
      let p = o + 8;
      let sender: RtcpSenderInfo | null = null;
      if (type === RTCP_SR) {
        if (len < 28) return null;
        sender = {
          ntpSeconds: b.readUInt32BE(o + 8),
          ntpFraction: b.readUInt32BE(o + 12),
          rtpTimestamp: b.readUInt32BE(o + 16),
          packetCount: b.readUInt32BE(o + 20),
          octetCount: b.readUInt32BE(o + 24),
        };
        p = o + 28;
      }
      const blocks: RtcpReportBlock[] = [];
      for (let i = 0; i < count && p + 24 <= o + len; i++, p += 24) {
        const raw = b.readUIntBE(p + 5, 3);
        blocks.push({
          sourceSsrc: b.readUInt32BE(p),
          fractionLost: b[p + 4]!,
          cumulativeLost: raw & 0x800000 ? raw - 0x1000000 : raw,
          highestSequence: b.readUInt32BE(p + 8),
          jitter: b.readUInt32BE(p + 12),
          lsr: b.readUInt32BE(p + 16),
          dlsr: b.readUInt32BE(p + 20),
        });
      }
      return { type, ssrc, sender, blocks };
    }
    o += len;
  }
  return null;
}
