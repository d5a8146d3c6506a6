import type { CapturedUdp } from './pcap.js';

/** RTP header of a captured datagram (RFC 3550 §5.1), or null if it is RTCP or too short. */
export function rtpHeader(
  p: CapturedUdp,
): { pt: number; marker: boolean; seq: number; ts: number; ssrc: number; counter: number } | null {
  const b = p.payload;
  if (b.length < 16 || b[0]! >> 6 !== 2) return null;
  const pt = b[1]! & 0x7f;
  if (pt >= 72 && pt <= 76) return null;
  return {
    pt,
    marker: (b[1]! & 0x80) !== 0,
    seq: b.readUInt16BE(2),
    ts: b.readUInt32BE(4),
    ssrc: b.readUInt32BE(8),
    counter: b.readUInt32BE(12),
  };
}

export function isRtcp(p: CapturedUdp): boolean {
  const b = p.payload;
  return b.length >= 8 && b[0]! >> 6 === 2 && b[1]! >= 200 && b[1]! <= 204;
}

const uniq = <T>(xs: readonly T[]): T[] => [...new Set(xs)];
const median = (xs: readonly number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/**
 * Compares what one phone sent toward the PBX with what the PBX forwarded to the other phone,
 * packet by packet (the payload carries the sender's packet counter).
 */
export function relayFacts(packets: readonly CapturedUdp[], from: Endpoint, to: Endpoint, pbx: string) {
  const sent = new Map<number, { p: CapturedUdp; h: NonNullable<ReturnType<typeof rtpHeader>> }>();
  for (const p of packets) {
    if (p.src !== from.address || p.srcPort !== from.port || p.dst !== pbx) continue;
    const h = rtpHeader(p);
    if (h) sent.set(h.counter, { p, h });
  }
  const pairs: {
    inP: CapturedUdp;
    inH: NonNullable<ReturnType<typeof rtpHeader>>;
    outP: CapturedUdp;
    outH: NonNullable<ReturnType<typeof rtpHeader>>;
  }[] = [];
  const out = packets.filter((p) => p.src === pbx && p.dst === to.address && p.dstPort === to.port);
  for (const p of out) {
    const h = rtpHeader(p);
    if (!h) continue;
    const s = sent.get(h.counter);
    if (s) pairs.push({ inP: s.p, inH: s.h, outP: p, outH: h });
  }
  const outIds = out.map((p) => p.ipId).filter((x): x is number => x !== null);
  const idSteps = outIds.slice(1).map((id, i) => (id - outIds[i]! + 0x10000) % 0x10000);
  return {
    packetsSent: sent.size,
    packetsForwarded: pairs.length,
    payloadTypeIn: uniq(pairs.map((x) => x.inH.pt)),
    payloadTypeOut: uniq(pairs.map((x) => x.outH.pt)),
    ssrcUnchanged: pairs.every((x) => x.inH.ssrc === x.outH.ssrc),
    sequenceUnchanged: pairs.every((x) => x.inH.seq === x.outH.seq),
    timestampUnchanged: pairs.every((x) => x.inH.ts === x.outH.ts),
    payloadUnchanged: pairs.every((x) => x.inP.payload.subarray(12).equals(x.outP.payload.subarray(12))),
    markerIn: pairs.filter((x) => x.inH.marker).map((x) => x.inH.counter),
    markerOut: pairs.filter((x) => x.outH.marker).map((x) => x.outH.counter),
    dscpIn: uniq(pairs.map((x) => x.inP.dscp)),
    dscpOut: uniq(pairs.map((x) => x.outP.dscp)),
    ttlIn: uniq(pairs.map((x) => x.inP.ttl)),
    ttlOut: uniq(pairs.map((x) => x.outP.ttl)),
    ipIdCopied: pairs.length > 0 && pairs.every((x) => x.inP.ipId === x.outP.ipId),
    ipIdStepMedian: median(idSteps),
    dfOut: uniq(pairs.map((x) => x.outP.df)),
    srcPortOut: uniq(out.map((p) => p.srcPort)),
    relayDelayMsMedian: median(pairs.map((x) => Math.round((x.outP.time - x.inP.time) * 1e6) / 1e3)),
  };
}

/** RTCP seen between the PBX and each phone: counts, types, SSRCs, and whether any was forwarded. */
export function rtcpFacts(
  packets: readonly CapturedUdp[],
  phones: Readonly<Record<string, Endpoint & { ssrc: number }>>,
  pbx: string,
) {
  const rtcp = packets.filter(isRtcp);
  const result: Record<string, unknown> = {};
  const fromPhones = rtcp.filter((p) => p.dst === pbx).map((p) => p.payload.toString('hex'));
  for (const [name, ep] of Object.entries(phones)) {
    const toPhone = rtcp.filter((p) => p.src === pbx && p.dst === ep.address);
    const times = toPhone.map((p) => p.time);
    const gaps = times.slice(1).map((t, i) => Math.round((t - times[i]!) * 1000));
    result[name] = {
      fromPbx: toPhone.length,
      pbxSrcPorts: uniq(toPhone.map((p) => p.srcPort)),
      phoneDstPorts: uniq(toPhone.map((p) => p.dstPort)),
      types: uniq(toPhone.map((p) => p.payload[1]!)),
      senderSsrcs: uniq(toPhone.map((p) => p.payload.readUInt32BE(4).toString(16).padStart(8, '0'))),
      intervalMsMedian: median(gaps),
      dscp: uniq(toPhone.map((p) => p.dscp)),
      identicalToAPhonesRtcp: toPhone.filter((p) => fromPhones.includes(p.payload.toString('hex'))).length,
      fromPhone: rtcp.filter((p) => p.src === ep.address && p.dst === pbx).length,
    };
  }
  return result;
}
