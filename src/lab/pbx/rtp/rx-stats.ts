import type { RtcpReportBlock } from './rtcp.js';

/**
 * Reception statistics of one RTP source (RFC 3550 Appendix A.1, A.3, A.8), what a
 * receiver needs for its report block. Clock rate 8 kHz (G.711).
 */
export class RxStats {
  ssrc = 0;
  received = 0;
  private started = false;
  private baseSeq = 0;
  private maxSeq = 0;
  private cycles = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private jitter = 0;
  private lastTransit = 0;
  private haveTransit = false;
  /** LSR bookkeeping: middle NTP bits of the last SR from this source and when it came. */
  lastSrMiddle = 0;
  lastSrAtMs = 0;

  update(seq: number, ssrc: number, rtpTs: number, arrivalMs: number, clockRate = 8000): void {
    if (!this.started || ssrc !== this.ssrc) {
      this.started = true;
      this.ssrc = ssrc;
      this.baseSeq = seq;
      this.maxSeq = seq;
      this.cycles = 0;
      this.received = 0;
      this.expectedPrior = 0;
      this.receivedPrior = 0;
      this.haveTransit = false;
      this.jitter = 0;
    } else {
      const delta = (seq - this.maxSeq) & 0xffff;
      if (delta < 0x8000) {
        if (seq < this.maxSeq) this.cycles += 0x10000;
        this.maxSeq = seq;
      }
    }
    this.received++;
    const arrival = Math.floor((arrivalMs * clockRate) / 1000);
    const transit = (arrival - rtpTs) | 0;
    if (this.haveTransit) {
      const d = Math.abs((transit - this.lastTransit) | 0);
      this.jitter += (d - this.jitter) / 16;
    }
    this.lastTransit = transit;
    this.haveTransit = true;
  }

  get hasData(): boolean {
    return this.started;
  }

  get extendedMax(): number {
    return (this.cycles + this.maxSeq) >>> 0;
  }

  get cumulativeLost(): number {
    return this.extendedMax - this.baseSeq + 1 - this.received;
  }

  /** A report block, advancing the "since last report" interval (A.3). */
  reportBlock(nowMs: number): RtcpReportBlock {
    const expected = this.extendedMax - this.baseSeq + 1;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fraction =
      expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval << 8) / expectedInterval);
    return {
      sourceSsrc: this.ssrc,
      fractionLost: Math.min(255, fraction),
      cumulativeLost: expected - this.received,
      highestSequence: this.extendedMax,
      jitter: Math.floor(this.jitter),
      lsr: this.lastSrMiddle,
      dlsr: this.lastSrAtMs === 0 ? 0 : Math.floor(((nowMs - this.lastSrAtMs) / 1000) * 65536),
    };
  }
}
