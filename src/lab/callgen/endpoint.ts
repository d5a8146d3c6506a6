import type dgram from 'node:dgram';
import { RTP_HEADER_BYTES, looksLikeRtcp, looksLikeRtp, writeRtpHeader } from '../pbx/rtp/packet.js';
import {
  RTCP_RR,
  RTCP_SR,
  buildRtcp,
  ntpFromMs,
  ntpMiddle,
  parseRtcp,
  type RtcpReport,
} from '../pbx/rtp/rtcp.js';
import { RxStats } from '../pbx/rtp/rx-stats.js';
import { SeqCounter } from './seq-counter.js';

export interface HostPort {
  readonly address: string;
  readonly port: number;
}

/** DTX: talk for `talkMs`, then stay silent for `silenceMs` (sequence numbers continue). */
export interface DtxPattern {
  readonly talkMs: number;
  readonly silenceMs: number;
}

export interface EndpointOptions {
  readonly rtp: dgram.Socket;
  /** RTCP socket (RTP port + 1); without it RTCP goes out of the RTP socket (rtcp-mux). */
  readonly rtcp?: dgram.Socket;
  /** Where RTP goes: the PBX leg's address and port. */
  readonly target: HostPort;
  /** RTCP target port. @default target.port + 1, or target.port without an RTCP socket */
  readonly rtcpTargetPort?: number;
  /** @default 0 (PCMU) */
  readonly payloadType?: number;
  readonly ssrc?: number;
  /** @default 160 (20 ms of G.711) */
  readonly payloadBytes?: number;
  readonly dtx?: DtxPattern;
  /** @default 5000; 0 = send no RTCP */
  readonly rtcpIntervalMs?: number;
  /** Start sending at once. @default true */
  readonly sending?: boolean;
}

/** Comfort noise (RFC 3389): keepalives from the PBX, counted apart from the media stream. */
const CN_PT = 13;

export interface EndpointStats {
  readonly sent: number;
  readonly rtcpSent: number;
  /** RTP packets received, every one (media and comfort noise). */
  readonly received: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly reordered: number;
  /** Comfort-noise packets (keepalives), not part of the sequence accounting. */
  readonly comfortNoise: number;
  readonly markers: number;
  /** RTP packets per source `ip:port` (IPv6 as `[v6]:port`). */
  readonly sources: Readonly<Record<string, number>>;
  /** Per received SSRC (hex): the stream's own counts. */
  readonly streams: Readonly<
    Record<string, { received: number; lost: number; duplicated: number; reordered: number }>
  >;
  readonly payloadTypes: Readonly<Record<string, number>>;
  readonly rtcpReceived: number;
  readonly lastRtcp: RtcpReport | null;
}

const key = (address: string, port: number): string =>
  address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;

/** Buffers reused round-robin: a send may still be queued when the next one is built. */
const POOL = 16;

/**
 * One phone's RTP endpoint: sends G.711 frames when the shared clock says so, and counts
 * every packet it receives. No per-packet allocation on the send path and, for a steady
 * source, none on the receive path either.
 */
export class RtpEndpoint {
  readonly ssrc: number;
  target: HostPort;
  sending: boolean;
  private readonly pool: Buffer[];
  private poolIdx = 0;
  private seq = Math.floor(Math.random() * 0x10000);
  private ts = Math.floor(Math.random() * 0x1_0000_0000) >>> 0;
  private readonly pt: number;
  private readonly payloadBytes: number;
  private markNext = true;
  private sentCount = 0;
  private sentOctets = 0;
  private rtcpSentCount = 0;
  private startedAtMs = 0;
  private nextRtcpAtMs = 0;
  /** Main receive stream for our reports. */
  private readonly rx = new RxStats();
  private readonly counters = new Map<number, SeqCounter>();
  private lastSsrc = -1;
  private lastCounter: SeqCounter | null = null;
  private receivedCount = 0;
  private cn = 0;
  private markerCount = 0;
  private readonly sourceCounts = new Map<string, number>();
  private lastSrcAddress = '';
  private lastSrcPort = -1;
  private lastSrcCount = 0;
  private readonly ptCounts = new Map<number, number>();
  private rtcpIn = 0;
  private lastReport: RtcpReport | null = null;
  private closed = false;

  constructor(private o: EndpointOptions) {
    this.ssrc = (o.ssrc ?? Math.floor(Math.random() * 0x1_0000_0000)) >>> 0;
    this.target = o.target;
    this.sending = o.sending ?? true;
    this.pt = o.payloadType ?? 0;
    this.payloadBytes = o.payloadBytes ?? 160;
    const fill = this.pt === 8 ? 0xd5 : 0xff;
    this.pool = Array.from({ length: POOL }, () => {
      const b = Buffer.alloc(RTP_HEADER_BYTES + this.payloadBytes, fill);
      return b;
    });
    this.listen(o);
  }

  private listen(o: EndpointOptions): void {
    o.rtp.on('message', (b, r) => this.onMessage(b, r));
    o.rtp.on('error', () => undefined);
    if (o.rtcp) {
      o.rtcp.on('message', (b) => this.onRtcp(b));
      o.rtcp.on('error', () => undefined);
    }
  }

  /**
   * A NAT rebinding: the phone goes on (same SSRC, sequence, timestamps) from new sockets,
   * with no SIP; the old ones are closed, as the NAT's old mapping is gone. What is still
   * sent to the old port is lost and shows as a gap in `lost`.
   */
  rebind(rtp: dgram.Socket, rtcp?: dgram.Socket): void {
    const old = this.o;
    this.o = { ...old, rtp, ...(rtcp ? { rtcp } : { rtcp: undefined }) };
    this.listen(this.o);
    for (const sock of [old.rtp, old.rtcp]) {
      if (!sock) continue;
      sock.removeAllListeners('message');
      try {
        sock.close();
      } catch {
        // already closed
      }
    }
  }

  get localPort(): number {
    return this.o.rtp.address().port;
  }

  get localAddress(): string {
    return this.o.rtp.address().address;
  }

  /** Called by the clock every packet interval. `nowMs` drives DTX and RTCP. */
  tick(nowMs: number): void {
    if (this.closed) return;
    if (this.startedAtMs === 0) {
      this.startedAtMs = nowMs;
      this.nextRtcpAtMs = nowMs + (this.o.rtcpIntervalMs ?? 5000) * (0.5 + Math.random());
    }
    const rtcpInterval = this.o.rtcpIntervalMs ?? 5000;
    if (rtcpInterval > 0 && nowMs >= this.nextRtcpAtMs) {
      this.nextRtcpAtMs = nowMs + rtcpInterval;
      this.sendReport(nowMs);
    }
    if (!this.sending) return;
    this.ts = (this.ts + this.payloadBytes) >>> 0;
    const dtx = this.o.dtx;
    if (dtx) {
      const phase = (nowMs - this.startedAtMs) % (dtx.talkMs + dtx.silenceMs);
      if (phase >= dtx.talkMs) {
        this.markNext = true; // the next talkspurt starts with the marker bit
        return;
      }
    }
    const b = this.pool[this.poolIdx]!;
    this.poolIdx = (this.poolIdx + 1) % POOL;
    this.seq = (this.seq + 1) & 0xffff;
    writeRtpHeader(b, this.pt, this.markNext, this.seq, this.ts, this.ssrc);
    this.markNext = false;
    this.o.rtp.send(b, this.target.port, this.target.address);
    this.sentCount++;
    this.sentOctets += this.payloadBytes;
  }

  private onMessage(b: Buffer, r: dgram.RemoteInfo): void {
    if (looksLikeRtcp(b)) {
      this.onRtcp(b);
      return;
    }
    if (!looksLikeRtp(b)) return;
    this.receivedCount++;
    if (r.port === this.lastSrcPort && r.address === this.lastSrcAddress) this.lastSrcCount++;
    else {
      this.flushSource();
      this.lastSrcAddress = r.address;
      this.lastSrcPort = r.port;
      this.lastSrcCount = 1;
    }
    const second = b[1]!;
    if (second & 0x80) this.markerCount++;
    const pt = second & 0x7f;
    this.ptCounts.set(pt, (this.ptCounts.get(pt) ?? 0) + 1);
    if (pt === CN_PT) {
      this.cn++;
      return;
    }
    const ssrc = b.readUInt32BE(8);
    let counter = this.lastCounter;
    if (ssrc !== this.lastSsrc || counter === null) {
      counter = this.counters.get(ssrc) ?? null;
      if (counter === null) {
        counter = new SeqCounter();
        this.counters.set(ssrc, counter);
      }
      this.lastSsrc = ssrc;
      this.lastCounter = counter;
    }
    const seq = b.readUInt16BE(2);
    counter.add(seq);
    this.rx.update(seq, ssrc, b.readUInt32BE(4), Date.now());
  }

  private flushSource(): void {
    if (this.lastSrcCount === 0) return;
    const k = key(this.lastSrcAddress, this.lastSrcPort);
    this.sourceCounts.set(k, (this.sourceCounts.get(k) ?? 0) + this.lastSrcCount);
    this.lastSrcCount = 0;
  }

  private onRtcp(b: Buffer): void {
    this.rtcpIn++;
    const report = parseRtcp(b);
    if (!report) return;
    this.lastReport = report;
    if (report.type === RTCP_SR && report.sender) {
      this.rx.lastSrMiddle = ntpMiddle(report.sender.ntpSeconds, report.sender.ntpFraction);
      this.rx.lastSrAtMs = Date.now();
    }
  }

  private sendReport(nowMs: number): void {
    const ntp = ntpFromMs(Date.now());
    const sr = this.sentCount > 0;
    const report: RtcpReport = {
      type: sr ? RTCP_SR : RTCP_RR,
      ssrc: this.ssrc,
      sender: sr
        ? {
            ntpSeconds: ntp.seconds,
            ntpFraction: ntp.fraction,
            rtpTimestamp: this.ts,
            packetCount: this.sentCount,
            octetCount: this.sentOctets,
          }
        : null,
      blocks: this.rx.hasData ? [this.rx.reportBlock(nowMs)] : [],
    };
    const sock = this.o.rtcp ?? this.o.rtp;
    const port = this.o.rtcpTargetPort ?? (this.o.rtcp ? this.target.port + 1 : this.target.port);
    sock.send(buildRtcp(report, `ep-${this.ssrc.toString(16)}`), port, this.target.address);
    this.rtcpSentCount++;
  }

  /** Stops or resumes sending (a muted phone); receiving goes on. */
  setSending(on: boolean): void {
    if (on && !this.sending) this.markNext = true;
    this.sending = on;
  }

  /** After a re-INVITE: send to a new PBX address. */
  setTarget(target: HostPort): void {
    this.target = target;
    this.markNext = true;
  }

  stats(): EndpointStats {
    this.flushSource();
    const streams: Record<string, { received: number; lost: number; duplicated: number; reordered: number }> =
      {};
    let lost = 0;
    let duplicated = 0;
    let reordered = 0;
    for (const [ssrc, c] of this.counters) {
      streams[ssrc.toString(16).padStart(8, '0')] = {
        received: c.received,
        lost: c.lost,
        duplicated: c.duplicated,
        reordered: c.reordered,
      };
      lost += c.lost;
      duplicated += c.duplicated;
      reordered += c.reordered;
    }
    return {
      sent: this.sentCount,
      rtcpSent: this.rtcpSentCount,
      received: this.receivedCount,
      lost,
      duplicated,
      reordered,
      comfortNoise: this.cn,
      markers: this.markerCount,
      sources: Object.fromEntries(this.sourceCounts),
      streams,
      payloadTypes: Object.fromEntries([...this.ptCounts].map(([k, v]) => [String(k), v])),
      rtcpReceived: this.rtcpIn,
      lastRtcp: this.lastReport,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.o.rtp, this.o.rtcp]) {
      if (!s) continue;
      s.removeAllListeners('message');
      try {
        s.close();
      } catch {
        // already closed
      }
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
