import dgram from 'node:dgram';
import type { OpenRtpSocket } from '../options.js';
import { PbxError } from '../errors.js';

/** Binds in this process and namespace, for PBXes that are not given a socket factory. */
export const openLocalUdpSocket: OpenRtpSocket = (family, address, port) =>
  new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6 });
    s.once('error', (err) => {
      s.close();
      reject(err);
    });
    s.bind(port, address, () => {
      s.removeAllListeners('error');
      resolve(s);
    });
  });

const MAX_ATTEMPTS = 1000;

export interface RtpSocketPair {
  readonly rtp: dgram.Socket;
  readonly rtcp: dgram.Socket | null;
}

/**
 * Even RTP port with RTCP on the next odd one (res_rtp_asterisk.c rtp_allocate_transport
 * walks rtpstart..rtpend from a random even start).
 */
export class PortAllocator {
  private next: number;

  constructor(
    private readonly range: readonly [number, number],
    private readonly open: OpenRtpSocket,
  ) {
    const span = Math.floor((range[1] - range[0]) / 2);
    this.next = range[0] + 2 * Math.floor(Math.random() * span);
  }

  async openPair(family: 4 | 6, address: string, rtcpMux: boolean): Promise<RtpSocketPair> {
    const [lo, hi] = this.range;
    const evenSlots = Math.floor((hi - lo) / 2);
    let lastError = '';
    for (let i = 0; i < Math.min(evenSlots, MAX_ATTEMPTS); i++) {
      const port = this.next;
      this.next = port + 2 + 1 > hi ? lo + (lo % 2) : port + 2;
      let rtp: dgram.Socket;
      try {
        rtp = await this.open(family, address, port);
      } catch (err) {
        lastError = (err as Error).message;
        this.jump(evenSlots);
        continue;
      }
      if (rtcpMux) return { rtp, rtcp: null };
      try {
        return { rtp, rtcp: await this.open(family, address, port + 1) };
      } catch (err) {
        lastError = (err as Error).message;
        rtp.close();
        this.jump(evenSlots);
      }
    }
    throw new PbxError('PBX_RTP_BIND_FAILED', `no free RTP port pair on ${address}: ${lastError}`);
  }

  /**
   * Sequential while ports are free; after a collision, probe at random, so a crowded
   * stretch of the range (another PBX, a benchmark) costs a few attempts, not hundreds.
   */
  private jump(evenSlots: number): void {
    this.next = this.range[0] + (this.range[0] % 2) + 2 * Math.floor(Math.random() * (evenSlots - 1));
  }
}
