import { sameHostPort, type HostPort } from './address.js';

/**
 * rtp.conf `probation` (default 4): packets from a source other than the expected one are
 * dropped until a run of this many in sequence; measured on 22.11 (datapath.json
 * `dest.learning-drop`), the first 4 are dropped and the 5th is the first forwarded.
 */
export const STRICT_RTP_PROBATION = 4;

/** res_rtp_asterisk.c STRICT_RTP_LEARN_TIMEOUT. */
export const STRICT_RTP_LEARN_MS = 5000;

export interface StrictRtpOptions {
  /** rtp.conf `strictrtp`: false accepts every source (STRICT_RTP_OPEN). */
  readonly enabled: boolean;
  /** How long learning stays open once a source is known. */
  readonly learnMs: number;
}

/**
 * Strict RTP of res_rtp_asterisk.c (Asterisk 22): while learning, the known source and
 * the SDP target are accepted at once, another source only after a probation run of
 * sequential packets (a packet from the known source restarts that run); once a source is
 * known and the learning window has passed, the port is closed to every other source.
 * A new remote address (re-INVITE, unhold) opens learning again.
 */
export class StrictRtp {
  private closed = false;
  private learnStartMs: number;
  /** strict_rtp_address: the source packets are accepted from. */
  private source: HostPort | null = null;
  private proposed: { address: string; port: number; seq: number; count: number } | null = null;

  constructor(
    private readonly o: StrictRtpOptions,
    now: number,
  ) {
    this.learnStartMs = now;
  }

  /** ast_rtp_remote_address_set → rtp_learning_start. */
  startLearning(now: number): void {
    this.closed = false;
    this.learnStartMs = now;
    this.proposed = null;
  }

  /**
   * ast_rtp_remote_address_set: learning starts again only when the new address is not
   * the source already accepted.
   */
  remoteChanged(addr: HostPort, now: number): void {
    if (this.source !== null && sameHostPort(this.source, addr.address, addr.port)) return;
    this.startLearning(now);
  }

  /** True while packets from a new source can still be learned. */
  get learning(): boolean {
    return this.o.enabled && !this.closed;
  }

  /**
   * Whether a packet from `address:port` with sequence `seq` is taken; `switched` when it
   * made a new source the accepted one after probation.
   */
  accept(
    address: string,
    port: number,
    seq: number,
    sdpTarget: HostPort,
    now: number,
  ): 'take' | 'switched' | 'drop' {
    if (!this.o.enabled) return 'take';
    const fromSource = this.source !== null && sameHostPort(this.source, address, port);
    if (!this.closed && this.source !== null && now - this.learnStartMs > this.o.learnMs) this.closed = true;
    if (this.closed) return fromSource ? 'take' : 'drop';
    if (fromSource) {
      this.proposed = null;
      return 'take';
    }
    if (sameHostPort(sdpTarget, address, port)) {
      this.source = { address, port };
      this.proposed = null;
      return 'take';
    }
    const p = this.proposed;
    if (p && p.address === address && p.port === port && ((p.seq + 1) & 0xffff) === seq) {
      p.seq = seq;
      p.count++;
    } else {
      this.proposed = { address, port, seq, count: 1 };
    }
    if (this.proposed!.count <= STRICT_RTP_PROBATION) return 'drop';
    this.proposed = null;
    this.source = { address, port };
    return 'switched';
  }
}
