import { randomBytes } from 'node:crypto';
import type dgram from 'node:dgram';

export type UdpFactory = (type: 'udp4' | 'udp6', address: string, port: number) => Promise<dgram.Socket>;

/** RTP header fields of one received packet (RFC 3550 §5.1). */
export interface RtpSeen {
  /** Milliseconds, this process's monotonic clock. */
  readonly at: number;
  /** Which of our sockets got it (`rtp` = the SDP port, `alt` = the other source port). */
  readonly on: 'rtp' | 'alt';
  readonly from: string;
  readonly pt: number;
  readonly marker: boolean;
  readonly seq: number;
  readonly ts: number;
  readonly ssrc: number;
  readonly payloadLength: number;
}

export interface RtcpSeen {
  readonly at: number;
  readonly on: 'rtcp' | 'rtp' | 'alt';
  readonly from: string;
  /** Packet types in the compound packet, e.g. `[200, 202]`. */
  readonly types: readonly number[];
  /** SSRC of the sender of the first packet. */
  readonly senderSsrc: number;
  /** Report-block source SSRCs of the first packet. */
  readonly reportSources: readonly number[];
}

export interface PhoneOptions {
  readonly address: string;
  /** The port the SDP names. */
  readonly rtpPort: number;
  /** RTCP on the RTP port (rtcp-mux) instead of rtpPort+1. */
  readonly rtcpMux?: boolean;
  /** Send RTP from this port instead of rtpPort (to see what Asterisk learns). */
  readonly sendFromPort?: number;
  /** RTCP report interval; 0 = send no RTCP. */
  readonly rtcpIntervalMs?: number;
  /**
   * Set the marker bit on the first packet of each talkspurt. Off by default, so every
   * marker a phone receives was set by the relay.
   */
  readonly markTalkspurts?: boolean;
}

const open = new Set<RtpPhone>();

/** Closes every phone still open (after a failed scenario), freeing its ports. */
export function closeAllPhones(): void {
  for (const p of [...open]) p.close();
}

/**
 * A G.711 µ-law phone: sends 20 ms packets of payload type 0 and RTCP SR reports, and keeps
 * every RTP and RTCP packet it receives, so the relay's rewriting can be measured.
 */
export class RtpPhone {
  readonly ssrc = randomBytes(4).readUInt32BE(0);
  private seq = randomBytes(2).readUInt16BE(0);
  private ts = randomBytes(4).readUInt32BE(0);
  private sentPackets = 0;
  private sentOctets = 0;
  private remote: { address: string; port: number } | null = null;
  private rtpTimer: NodeJS.Timeout | null = null;
  private rtcpTimer: NodeJS.Timeout | null = null;
  private markNext = true;
  readonly rtpIn: RtpSeen[] = [];
  readonly rtcpIn: RtcpSeen[] = [];
  readonly sentLog: { at: number; seq: number; ts: number; marker: boolean }[] = [];

  private constructor(
    readonly opts: PhoneOptions,
    private readonly rtp: dgram.Socket,
    private readonly rtcp: dgram.Socket | null,
    private readonly alt: dgram.Socket | null,
  ) {
    rtp.on('message', (m, r) => this.onPacket(m, `${r.address}:${r.port}`, 'rtp'));
    rtcp?.on('message', (m, r) => this.onRtcp(m, `${r.address}:${r.port}`, 'rtcp'));
    alt?.on('message', (m, r) => this.onPacket(m, `${r.address}:${r.port}`, 'alt'));
  }

  static async create(udp: UdpFactory, opts: PhoneOptions): Promise<RtpPhone> {
    const type = opts.address.includes(':') ? 'udp6' : 'udp4';
    const rtp = await udp(type, opts.address, opts.rtpPort);
    const rtcp = opts.rtcpMux ? null : await udp(type, opts.address, opts.rtpPort + 1);
    const alt = opts.sendFromPort !== undefined ? await udp(type, opts.address, opts.sendFromPort) : null;
    const phone = new RtpPhone(opts, rtp, rtcp, alt);
    open.add(phone);
    return phone;
  }

  private onPacket(m: Buffer, from: string, on: 'rtp' | 'alt'): void {
    if (m.length < 2) return;
    const pt = m[1]! & 0x7f;
    // rtcp-mux: RTCP packet types 200..204 arrive on the RTP port (RFC 5761 §4).
    if ((m[1]! >= 200 && m[1]! <= 204) || (pt >= 72 && pt <= 76)) {
      this.onRtcp(m, from, on);
      return;
    }
    if (m.length < 12) return;
    this.rtpIn.push({
      at: performance.now(),
      on,
      from,
      pt,
      marker: (m[1]! & 0x80) !== 0,
      seq: m.readUInt16BE(2),
      ts: m.readUInt32BE(4),
      ssrc: m.readUInt32BE(8),
      payloadLength: m.length - 12,
    });
  }

  private onRtcp(m: Buffer, from: string, on: RtcpSeen['on']): void {
    const types: number[] = [];
    let off = 0;
    while (off + 4 <= m.length) {
      types.push(m[off + 1]!);
      off += (m.readUInt16BE(off + 2) + 1) * 4;
    }
    const rc = m[0]! & 0x1f;
    const first = m[1]!;
    const blocksAt = first === 200 ? 28 : first === 201 ? 8 : -1;
    const reportSources: number[] = [];
    if (blocksAt > 0)
      for (let i = 0; i < rc && blocksAt + i * 24 + 4 <= m.length; i++)
        reportSources.push(m.readUInt32BE(blocksAt + i * 24));
    this.rtcpIn.push({
      at: performance.now(),
      on,
      from,
      types,
      senderSsrc: m.length >= 8 ? m.readUInt32BE(4) : 0,
      reportSources,
    });
  }

  get rtpPort(): number {
    return this.opts.rtpPort;
  }

  get sent(): number {
    return this.sentPackets;
  }

  /** Starts sending toward Asterisk's RTP address (CHANNEL(rtp,src) of this leg). */
  start(remoteAddress: string, remotePort: number): void {
    this.remote = { address: remoteAddress, port: remotePort };
    if (this.rtpTimer) return;
    this.rtpTimer = setInterval(() => this.sendRtp(), 20);
    const interval = this.opts.rtcpIntervalMs ?? 1000;
    if (interval > 0) this.rtcpTimer = setInterval(() => this.sendRtcp(), interval);
  }

  /** Stops RTP (and RTCP) as a phone on hold with nothing to send would. */
  stop(): void {
    if (this.rtpTimer) clearInterval(this.rtpTimer);
    if (this.rtcpTimer) clearInterval(this.rtcpTimer);
    this.rtpTimer = null;
    this.rtcpTimer = null;
    this.markNext = true;
  }

  private sendRtp(): void {
    if (!this.remote) return;
    const pkt = Buffer.alloc(12 + 160, 0xff);
    pkt[0] = 0x80;
    const marker = this.markNext && this.opts.markTalkspurts === true;
    pkt[1] = marker ? 0x80 : 0;
    pkt.writeUInt16BE(this.seq, 2);
    pkt.writeUInt32BE(this.ts >>> 0, 4);
    pkt.writeUInt32BE(this.ssrc, 8);
    // A counter in the payload identifies each packet end to end.
    pkt.writeUInt32BE(this.sentPackets, 12);
    this.sentLog.push({ at: performance.now(), seq: this.seq, ts: this.ts >>> 0, marker });
    this.markNext = false;
    const sock = this.alt ?? this.rtp;
    sock.send(pkt, this.remote.port, this.remote.address);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + 160) >>> 0;
    this.sentPackets++;
    this.sentOctets += 160;
  }

  /** An RTCP SR with one report block about the stream we receive (RFC 3550 §6.4.1). */
  private sendRtcp(): void {
    if (!this.remote) return;
    const last = this.rtpIn[this.rtpIn.length - 1];
    const rc = last ? 1 : 0;
    const len = 28 + rc * 24;
    const pkt = Buffer.alloc(len);
    pkt[0] = 0x80 | rc;
    pkt[1] = 200;
    pkt.writeUInt16BE(len / 4 - 1, 2);
    pkt.writeUInt32BE(this.ssrc, 4);
    const now = Date.now();
    pkt.writeUInt32BE(Math.floor(now / 1000) + 2208988800, 8);
    pkt.writeUInt32BE(Math.floor(((now % 1000) / 1000) * 2 ** 32) >>> 0, 12);
    pkt.writeUInt32BE(this.ts >>> 0, 16);
    pkt.writeUInt32BE(this.sentPackets >>> 0, 20);
    pkt.writeUInt32BE(this.sentOctets >>> 0, 24);
    if (last) {
      pkt.writeUInt32BE(last.ssrc, 28);
      pkt.writeUInt32BE(0, 32);
      pkt.writeUInt32BE(last.seq, 36);
      pkt.writeUInt32BE(0, 40);
      pkt.writeUInt32BE(0, 44);
      pkt.writeUInt32BE(0, 48);
    }
    const port = this.opts.rtcpMux ? this.remote.port : this.remote.port + 1;
    const sock = this.opts.rtcpMux ? (this.alt ?? this.rtp) : this.rtcp!;
    sock.send(pkt, port, this.remote.address);
  }

  close(): void {
    if (!open.delete(this)) return;
    this.stop();
    this.rtp.close();
    this.rtcp?.close();
    this.alt?.close();
  }
}
