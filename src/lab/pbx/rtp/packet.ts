/**
 * RTP header fields (RFC 3550 §5.1) read and written in place, so the relay path never
 * copies a datagram. Offsets: byte 1 = marker (bit 7) + payload type; 2–3 sequence;
 * 4–7 timestamp; 8–11 SSRC.
 */
export const RTP_HEADER_BYTES = 12;
export const MARKER_BIT = 0x80;

export const rtpPayloadType = (b: Buffer): number => b[1]! & 0x7f;
export const rtpMarker = (b: Buffer): boolean => (b[1]! & MARKER_BIT) !== 0;
export const rtpSequence = (b: Buffer): number => b.readUInt16BE(2);
export const rtpTimestamp = (b: Buffer): number => b.readUInt32BE(4);
export const rtpSsrc = (b: Buffer): number => b.readUInt32BE(8);

/** Version 2 and room for the fixed header. */
export function looksLikeRtp(b: Buffer): boolean {
  return b.length >= RTP_HEADER_BYTES && b[0]! >> 6 === 2;
}

/**
 * RFC 5761 §4 demultiplexing for rtcp-mux: RTCP packet types 200–204 land in the second
 * byte where RTP would carry marker + payload type 72–76.
 */
export function looksLikeRtcp(b: Buffer): boolean {
  return b.length >= 8 && b[0]! >> 6 === 2 && b[1]! >= 200 && b[1]! <= 204;
}

/** Writes a fresh 12-byte header into `b` (which must be at least that long). */
export function writeRtpHeader(
  b: Buffer,
  payloadType: number,
  marker: boolean,
  seq: number,
  timestamp: number,
  ssrc: number,
): void {
  b[0] = 0x80;
  b[1] = (marker ? MARKER_BIT : 0) | (payloadType & 0x7f);
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(timestamp >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
}
