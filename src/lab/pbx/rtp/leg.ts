import type dgram from 'node:dgram';
import { canonicalAddress, sameHostPort, type HostPort } from './address.js';
import {
  MARKER_BIT,
  RTP_HEADER_BYTES,
  looksLikeRtcp,
  looksLikeRtp,
  rtpPayloadType,
  rtpSequence,
  rtpSsrc,
  rtpTimestamp,
  writeRtpHeader,
} from './packet.js';
import { RTCP_RR, RTCP_SR, buildRtcp, ntpFromMs, ntpMiddle, parseRtcp, type RtcpReport } from './rtcp.js';
import { RxStats } from './rx-stats.js';
import { STRICT_RTP_LEARN_MS, StrictRtp, type StrictRtpOptions } from './strict-rtp.js';

/** Static payload type of comfort noise (RFC 3389), what ast_rtp_sendcng uses. */
export const CN_PAYLOAD_TYPE = 13;

/**
 * How this leg's received RTP leaves the PBX:
 * - `none`: not forwarded (no bridge, or native_rtp stopped by a hold, or direct media);
 * - `p2p`: res_rtp_asterisk bridge_p2p_rtp_write, only payload type and marker change;
 * - `core`: through the bridge core (simple_bridge): the peer leg re-stamps the packet
 *   with its own SSRC, sequence and timestamp.
 */
export type ForwardMode = 'none' | 'p2p' | 'core';

/** Shared by the two legs of a call: the call's relay counters. */
export interface RelayCounter {
  packets: number;
  cpuMs: number;
}

export interface RtcpObservation {
  readonly leg: RtpLeg;
  readonly report: RtcpReport;
  /** Where it came from (received) or went to (sent). */
  readonly peer: HostPort;
}

export interface RtpLegHooks {
  rtcpReceived(o: RtcpObservation): void;
  rtcpSent(o: RtcpObservation): void;
  /** A packet was relayed: the PBX adds it to its totals. */
  relayed(cpuMs: number): void;
}

export interface RtpLegOptions {
  readonly family: 4 | 6;
  readonly rtp: dgram.Socket;
  /** Null with rtcp_mux: RTCP shares the RTP port. */
  readonly rtcp: dgram.Socket | null;
  /** The address the socket is bound to: `0.0.0.0`/`::` with a wildcard transport. */
  readonly boundAddress: string;
  /** The SDP connection address and port. */
  readonly sdpRemote: HostPort;
  readonly audioPayloadType: number;
  readonly dtmfPayloadType: number;
  readonly codec: string;
  readonly cname: string;
  readonly rtcpIntervalMs: number;
  readonly now: () => number;
  readonly hooks: RtpLegHooks;
  /** rtp.conf strictrtp and the learning window. @default enabled, 5000 ms */
  readonly strictRtp?: StrictRtpOptions;
}

const rand32 = (): number => Math.floor(Math.random() * 0x1_0000_0000) >>> 0;

/**
 * One channel's audio RTP instance (res_rtp_asterisk.c), bound on the PBX address: it
 * learns the remote from received RTP (symmetric RTP with strict-RTP probation), keeps
 * reception statistics, answers RTCP itself, and forwards to its peer leg when bridged.
 */
export class RtpLeg {
  readonly localPort: number;
  readonly rtcpPort: number;
  /** Where RTP goes: the SDP address until the first packet, then the learned source. */
  remote: HostPort | null;
  sdpRemote: HostPort;
  learned = false;
  /** Set while the leg was re-INVITEd to direct media (CHANNEL(rtp,direct)). */
  directTarget: HostPort | null = null;
  peer: RtpLeg | null = null;
  forward: ForwardMode = 'none';
  counter: RelayCounter | null = null;
  audioPayloadType: number;
  dtmfPayloadType: number;
  readonly codec: string;

  readonly rx = new RxStats();
  rxPackets = 0;
  rxRtcp = 0;
  txPackets = 0;
  txOctets = 0;
  droppedNoRemote = 0;
  droppedStrict = 0;
  droppedUnknownPt = 0;
  keepalivesSent = 0;
  lastRxMs: number;
  lastTxMs: number;

  /** Own sender state: what simple_bridge, MOH and keepalives are stamped with. */
  private readonly ownSsrc = rand32();
  /** SSRC of outgoing reports: adopted from forwarded marked packets (p2p). */
  private txSsrc: number;
  private ownSeq = rand32() & 0xffff;
  private ownTs = rand32();
  private lastTxTs = 0;
  /** The next packet written to this leg carries the marker bit. */
  markPending = true;
  private srTxCountAtLastReport = 0;
  private nextRtcpAtMs: number;
  private readonly strict: StrictRtp;
  private closed = false;
  private readonly o: RtpLegOptions;

  constructor(o: RtpLegOptions) {
    this.o = o;
    this.localPort = o.rtp.address().port;
    this.rtcpPort = o.rtcp ? o.rtcp.address().port : this.localPort;
    this.sdpRemote = { address: canonicalAddress(o.sdpRemote.address), port: o.sdpRemote.port };
    this.remote = this.sdpRemote;
    this.audioPayloadType = o.audioPayloadType;
    this.dtmfPayloadType = o.dtmfPayloadType;
    this.codec = o.codec;
    this.txSsrc = this.ownSsrc;
    const now = o.now();
    this.lastRxMs = now;
    this.lastTxMs = now;
    this.nextRtcpAtMs = now + o.rtcpIntervalMs;
    this.strict = new StrictRtp(o.strictRtp ?? { enabled: true, learnMs: STRICT_RTP_LEARN_MS }, now);
    o.rtp.on('message', (b, r) => this.onRtpSocket(b, r));
    o.rtp.on('error', () => undefined);
    if (o.rtcp) {
      o.rtcp.on('message', (b, r) => this.onRtcp(b, r));
      o.rtcp.on('error', () => undefined);
    }
  }

  get boundAddress(): string {
    return this.o.boundAddress;
  }

  get rtcpMux(): boolean {
    return this.o.rtcp === null;
  }

  /** Where this leg's RTCP goes: RTP port + 1, or the RTP port itself with rtcp-mux. */
  get rtcpRemote(): HostPort | null {
    if (!this.remote) return null;
    return this.rtcpMux ? this.remote : { address: this.remote.address, port: this.remote.port + 1 };
  }

  /** The next forwarded packet carries the marker bit (relay (re)start). */
  restartRelay(): void {
    this.markPending = true;
  }

  /** ast_rtp_instance_stop: the remote address is cleared until learned again. */
  stop(): void {
    this.remote = null;
    this.learned = false;
  }

  /**
   * A re-INVITE (or unhold) with an SDP address: RTP goes there until packets arrive, and
   * strict RTP learns again when it differs from the accepted source.
   */
  setSdpRemote(addr: HostPort): void {
    this.sdpRemote = { address: canonicalAddress(addr.address), port: addr.port };
    this.remote = this.sdpRemote;
    this.learned = false;
    this.strict.remoteChanged(this.sdpRemote, this.o.now());
  }

  /** Strict RTP still learns (a new source can take over after probation). */
  get strictLearning(): boolean {
    return this.strict.learning;
  }

  private onRtpSocket(b: Buffer, r: dgram.RemoteInfo): void {
    if (this.rtcpMux && looksLikeRtcp(b)) {
      this.onRtcp(b, r);
      return;
    }
    if (!looksLikeRtp(b)) return;
    const t0 = performance.now();
    const now = this.o.now();
    this.lastRxMs = now;
    const address = canonicalAddress(r.address);
    // res_rtp_asterisk strict RTP decides whether the packet is taken; with rtp_symmetric
    // the remote (CHANNEL(rtp,dest)) then follows its source.
    const verdict = this.strict.accept(address, r.port, rtpSequence(b), this.sdpRemote, now);
    if (verdict === 'drop') {
      this.droppedStrict++;
      return;
    }
    if (this.remote === null || !sameHostPort(this.remote, address, r.port))
      this.remote = { address, port: r.port };
    this.learned = true;
    // The first packet relayed from a newly learned source carries the marker bit
    // (datapath.json relay.marker); packets towards the moved remote get none.
    if (verdict === 'switched' && this.peer) this.peer.markPending = true;
    this.rxPackets++;
    this.rx.update(rtpSequence(b), rtpSsrc(b), rtpTimestamp(b), now);
    const peer = this.peer;
    if (peer === null || this.forward === 'none') return;
    const sent = this.forward === 'p2p' ? peer.writeP2p(b, this) : peer.writeCore(b, this);
    if (sent) {
      const dt = performance.now() - t0;
      const c = this.counter;
      if (c) {
        c.packets++;
        c.cpuMs += dt;
      }
      this.o.hooks.relayed(dt);
    }
  }

  /** Maps the sender leg's payload type to this leg's number for the same format. */
  private mapPayloadType(pt: number, from: RtpLeg): number {
    if (pt === from.audioPayloadType) return this.audioPayloadType;
    if (pt === from.dtmfPayloadType) return this.dtmfPayloadType;
    return -1;
  }

  /** bridge_p2p_rtp_write: only payload type and marker change; SSRC/seq/ts pass. */
  writeP2p(b: Buffer, from: RtpLeg): boolean {
    const pt = this.mapPayloadType(rtpPayloadType(b), from);
    if (pt < 0) {
      this.droppedUnknownPt++;
      return false;
    }
    const remote = this.remote;
    if (remote === null) {
      this.droppedNoRemote++;
      return false;
    }
    let second = (b[1]! & MARKER_BIT) | pt;
    if (this.markPending) {
      this.markPending = false;
      second |= MARKER_BIT;
    }
    b[1] = second;
    // On marked packets the instance adopts the forwarded SSRC for its own reports. Its
    // own last timestamp is left alone (bridge_p2p_rtp_write does not touch lastts), so an
    // SR sent while relaying reports SentRTP 0 (datapath.json rtcp.sentrtp).
    if (second & MARKER_BIT) this.txSsrc = rtpSsrc(b);
    this.send(b, remote);
    return true;
  }

  /** simple_bridge: the frame is re-packetised with this leg's own SSRC and sequence. */
  writeCore(b: Buffer, from: RtpLeg): boolean {
    const pt = this.mapPayloadType(rtpPayloadType(b), from);
    if (pt < 0) {
      this.droppedUnknownPt++;
      return false;
    }
    const remote = this.remote;
    if (remote === null) {
      this.droppedNoRemote++;
      return false;
    }
    const samples = b.length - RTP_HEADER_BYTES;
    const out = Buffer.allocUnsafe(b.length);
    b.copy(out, RTP_HEADER_BYTES, RTP_HEADER_BYTES);
    const marker = this.markPending;
    this.markPending = false;
    this.ownSeq = (this.ownSeq + 1) & 0xffff;
    this.ownTs = (this.ownTs + samples) >>> 0;
    writeRtpHeader(out, pt, marker, this.ownSeq, this.ownTs, this.ownSsrc);
    this.txSsrc = this.ownSsrc;
    this.lastTxTs = this.ownTs;
    this.send(out, remote);
    return true;
  }

  /** Music on hold and other locally generated audio (own SSRC and sequence). */
  writeGenerated(payload: Buffer, marker: boolean): void {
    const remote = this.remote;
    if (remote === null) return;
    const out = Buffer.allocUnsafe(RTP_HEADER_BYTES + payload.length);
    payload.copy(out, RTP_HEADER_BYTES);
    this.ownSeq = (this.ownSeq + 1) & 0xffff;
    this.ownTs = (this.ownTs + payload.length) >>> 0;
    writeRtpHeader(out, this.audioPayloadType, marker, this.ownSeq, this.ownTs, this.ownSsrc);
    this.txSsrc = this.ownSsrc;
    this.lastTxTs = this.ownTs;
    this.send(out, remote);
  }

  private send(b: Buffer, to: HostPort): void {
    if (this.closed) return;
    this.o.rtp.send(b, to.port, to.address);
    this.txPackets++;
    this.txOctets += b.length - RTP_HEADER_BYTES;
    this.lastTxMs = this.o.now();
  }

  private onRtcp(b: Buffer, r: dgram.RemoteInfo): void {
    const report = parseRtcp(b);
    // Both read callbacks refresh last_rx, so RTCP alone keeps rtp_timeout away.
    this.lastRxMs = this.o.now();
    this.rxRtcp++;
    if (!report) return;
    if (report.type === RTCP_SR && report.sender) {
      this.rx.lastSrMiddle = ntpMiddle(report.sender.ntpSeconds, report.sender.ntpFraction);
      this.rx.lastSrAtMs = this.o.now();
    }
    this.o.hooks.rtcpReceived({
      leg: this,
      report,
      peer: { address: canonicalAddress(r.address), port: r.port },
    });
  }

  /** The SSRC this leg's reports carry (the forwarded one while relaying p2p). */
  get reportSsrc(): number {
    return this.txSsrc;
  }

  /**
   * Periodic duties, called by the PBX clock: the RTCP report every interval, and a
   * comfort-noise keepalive when nothing was sent for `keepaliveMs` (send_keepalive).
   */
  tick(now: number, keepaliveMs: number): void {
    if (this.closed) return;
    if (now >= this.nextRtcpAtMs) {
      this.nextRtcpAtMs = now + this.o.rtcpIntervalMs;
      this.sendReport(now);
    }
    if (keepaliveMs > 0 && now - this.lastTxMs >= keepaliveMs && this.remote !== null) {
      const cn = Buffer.allocUnsafe(RTP_HEADER_BYTES + 1);
      this.ownSeq = (this.ownSeq + 1) & 0xffff;
      // ast_rtp_sendcng: marker set, own sequence, last timestamp, current SSRC, level 127.
      writeRtpHeader(cn, CN_PAYLOAD_TYPE, true, this.ownSeq, this.lastTxTs, this.txSsrc);
      cn[RTP_HEADER_BYTES] = 127;
      this.o.rtp.send(cn, this.remote.port, this.remote.address);
      this.keepalivesSent++;
      this.lastTxMs = now;
    }
  }

  private sendReport(now: number): void {
    const to = this.rtcpRemote;
    if (to === null || this.closed) return;
    const sr = this.txPackets > this.srTxCountAtLastReport;
    this.srTxCountAtLastReport = this.txPackets;
    const blocks = this.rx.hasData ? [this.rx.reportBlock(now)] : [];
    const ntp = ntpFromMs(now);
    const report: RtcpReport = {
      type: sr ? RTCP_SR : RTCP_RR,
      ssrc: this.txSsrc,
      sender: sr
        ? {
            ntpSeconds: ntp.seconds,
            ntpFraction: ntp.fraction,
            rtpTimestamp: this.lastTxTs,
            packetCount: this.txPackets,
            octetCount: this.txOctets,
          }
        : null,
      blocks,
    };
    const sock = this.o.rtcp ?? this.o.rtp;
    sock.send(buildRtcp(report, this.o.cname), to.port, to.address);
    this.lastTxMs = now;
    this.o.hooks.rtcpSent({ leg: this, report, peer: to });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.peer = null;
    this.forward = 'none';
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
}
