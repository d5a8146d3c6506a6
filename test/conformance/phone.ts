import dgram from 'node:dgram';
import {
  RTP_HEADER_BYTES,
  looksLikeRtcp,
  rtpMarker,
  rtpPayloadType,
  rtpSequence,
  rtpSsrc,
  rtpTimestamp,
  writeRtpHeader,
} from '../../src/lab/pbx/rtp/packet.js';
import { RTCP_SR, buildRtcp, ntpFromMs } from '../../src/lab/pbx/rtp/rtcp.js';

export interface Target {
  readonly address: string;
  readonly port: number;
}

/** One RTP packet as a phone saw it: the header fields the relay may or may not touch. */
export interface Seen {
  readonly pt: number;
  readonly marker: boolean;
  readonly ssrc: number;
  readonly seq: number;
  readonly ts: number;
}

/**
 * A phone like the recorder's (test/fixtures/asterisk-22/README.md): G.711 µ-law, PT 0,
 * 20 ms packets of 160 bytes, marker never set, its own SSRC; RTCP SRs on demand. It keeps
 * every RTP packet it receives (RTCP arriving on the RTP port is set apart, for rtcp-mux).
 */
export class Phone {
  readonly ssrc = (Math.random() * 0x1_0000_0000) >>> 0;
  readonly received: Seen[] = [];
  /** RTCP packets that arrived on the RTP port (rtcp-mux). */
  rtcpOnRtpPort = 0;
  /** Every packet this phone sent, in order. */
  readonly sent: Seen[] = [];
  private seq = Math.floor(Math.random() * 0x8000);
  private ts = (Math.random() * 0x1_0000_0000) >>> 0;
  private timer: NodeJS.Timeout | null = null;

  private constructor(private readonly sock: dgram.Socket) {
    sock.on('message', (b) => {
      if (looksLikeRtcp(b)) this.rtcpOnRtpPort++;
      if (b.length < RTP_HEADER_BYTES || looksLikeRtcp(b)) return;
      this.received.push({
        pt: rtpPayloadType(b),
        marker: rtpMarker(b),
        ssrc: rtpSsrc(b),
        seq: rtpSequence(b),
        ts: rtpTimestamp(b),
      });
    });
  }

  static async open(port = 0): Promise<Phone> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(port, '127.0.0.1', () => resolve());
    });
    return new Phone(sock);
  }

  get port(): number {
    return this.sock.address().port;
  }

  /** Sends one 20 ms packet to `to`. */
  sendOne(to: Target): void {
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + 160) >>> 0;
    const b = Buffer.alloc(RTP_HEADER_BYTES + 160, 0xff);
    writeRtpHeader(b, 0, false, this.seq, this.ts, this.ssrc);
    this.sent.push({ pt: 0, marker: false, ssrc: this.ssrc, seq: this.seq, ts: this.ts });
    this.sock.send(b, to.port, to.address);
  }

  /** Sends every 20 ms until `stop()`. */
  start(to: Target): void {
    this.stop();
    this.timer = setInterval(() => this.sendOne(to), 20);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One RTCP SR, with a report block on the stream it hears if it hears one. */
  sendSr(to: Target): void {
    const ntp = ntpFromMs(Date.now());
    const last = this.received.at(-1);
    const sr = buildRtcp(
      {
        type: RTCP_SR,
        ssrc: this.ssrc,
        sender: {
          ntpSeconds: ntp.seconds,
          ntpFraction: ntp.fraction,
          rtpTimestamp: this.ts,
          packetCount: this.sent.length,
          octetCount: this.sent.length * 160,
        },
        blocks: last
          ? [
              {
                sourceSsrc: last.ssrc,
                fractionLost: 0,
                cumulativeLost: 0,
                highestSequence: last.seq,
                jitter: 0,
                lsr: 0,
                dlsr: 0,
              },
            ]
          : [],
      },
      'conformance-phone',
    );
    this.sock.send(sr, to.port, to.address);
  }

  close(): void {
    this.stop();
    this.sock.close();
  }
}
