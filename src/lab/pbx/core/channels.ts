import { randomBytes, randomUUID } from 'node:crypto';
import { isIPv6 } from 'node:net';
import * as ev from '../ami/events.js';
import type { PartySpec } from '../call.js';
import { PbxError } from '../errors.js';
import { SimChannel } from '../model/objects.js';
import type { Codec, ResolvedEndpoint } from '../options.js';
import { canonicalAddress } from '../rtp/address.js';
import { RtpLeg, type RtcpObservation } from '../rtp/leg.js';
import { clearBridgePeerVars } from './hangup-vars.js';
import { ntpFromMs, ntpMiddle } from '../rtp/rtcp.js';
import type { ChannelFields, ChannelOps, PbxContext } from './context.js';

/**
 * Channel life (main/channel.c, chan_pjsip): a SIP channel with its RTP instance, a Local
 * half without one, the Hangup of one channel, and a basic bridge dissolving when one of
 * its two parties hangs up.
 */
export class ChannelLifecycle implements ChannelOps {
  constructor(private readonly ctx: PbxContext) {}

  async newChannel(
    ep: ResolvedEndpoint,
    party: PartySpec,
    callCodec: Codec,
    fields: ChannelFields,
  ): Promise<SimChannel> {
    const s = this.ctx.state;
    const codec = party.codec ?? callCodec;
    const family: 4 | 6 = isIPv6(party.remote.address) ? 6 : 4;
    const local = family === 6 ? s.o.localAddress.ipv6 : s.o.localAddress.ipv4;
    const bind = s.o.rtpBind === 'wildcard' ? (family === 6 ? '::' : '0.0.0.0') : local;
    const pair = await s.ports.openPair(family, bind, ep.rtcpMux);
    if (!s.running) {
      pair.rtp.close();
      pair.rtcp?.close();
      throw new PbxError('PBX_STOPPED', 'the PBX stopped while the call was being set up');
    }
    const leg = new RtpLeg({
      family,
      rtp: pair.rtp,
      rtcp: pair.rtcp,
      boundAddress: canonicalAddress(bind),
      sdpRemote: party.remote,
      audioPayloadType: ep.payloadTypes[codec],
      dtmfPayloadType: ep.payloadTypes['telephone-event'],
      codec,
      cname: randomUUID(),
      rtcpIntervalMs: s.o.rtcpIntervalMs,
      now: Date.now,
      strictRtp: s.o.strictRtp,
      hooks: {
        rtcpReceived: (o) => this.onRtcp('received', o),
        rtcpSent: (o) => this.onRtcp('sent', o),
        relayed: (cpuMs) => {
          s.relay.packets++;
          s.relay.cpuMs += cpuMs;
        },
      },
    });
    const name = `${s.techPrefix()}/${ep.name}-${s.nextChannelSuffix()}`;
    const uniqueid = s.newUniqueid();
    const callId = randomBytes(16).toString('hex');
    const c = new SimChannel(name, uniqueid, uniqueid, ep, leg, callId, Date.now(), fields);
    s.register(c);
    return c;
  }

  /** A Local/…;n half (main/core_local.c): no RTP, so no glue. */
  newLocalHalf(name: string, linkedid: string, ep: ResolvedEndpoint, fields: ChannelFields): SimChannel {
    const s = this.ctx.state;
    const c = new SimChannel(name, s.newUniqueid(), linkedid, ep, null, '', Date.now(), fields);
    s.register(c);
    return c;
  }

  hangup(channel: SimChannel, cause: number, techCause = 0): void {
    if (channel.hungUp) return;
    this.ctx.faults.during(channel, () => this.dissolve(channel, cause, techCause));
  }

  private dissolve(channel: SimChannel, cause: number, techCause: number): void {
    if (this.ctx.completeAtxfer(channel)) return;
    const bridges = this.ctx.bridges;
    const bridge = channel.bridge;
    if (bridge) clearBridgePeerVars(this.ctx.state, bridge, channel);
    if (bridge) bridges.leave(bridge, channel);
    this.finish(channel, cause, techCause);
    if (bridge) {
      // A basic bridge dissolves when one party hangs up: the others are kicked out.
      const others = [...bridge.channels];
      for (const other of others) bridges.leave(bridge, other);
      bridges.destroy(bridge);
      for (const other of others) this.finish(other, 16, 0);
    }
  }

  finish(c: SimChannel, cause: number, techCause: number): void {
    if (c.hungUp) return;
    c.hearingMoh = false;
    const emit = this.ctx.state.emit;
    if (c.runsDialplan) emit(ev.softHangupRequest(c, cause));
    emit(ev.hangup(c, cause, techCause));
    this.drop(c);
    // core_local.c: one half going away takes the other (and its bridge) with it.
    if (c.localPartner && !c.localPartner.hungUp) this.hangup(c.localPartner, cause);
  }

  drop(c: SimChannel): void {
    const s = this.ctx.state;
    c.hungUp = true;
    if (c.leg) {
      s.relay.receivedByGone += c.leg.rxPackets;
      c.leg.close();
      s.byLeg.delete(c.leg);
    }
    s.byName.delete(c.name.toLowerCase());
    s.byUniqueid.delete(c.uniqueid);
  }

  private onRtcp(kind: 'sent' | 'received', o: RtcpObservation): void {
    const c = this.ctx.state.byLeg.get(o.leg);
    if (!c) return;
    let rtt: number | null = null;
    if (kind === 'received') {
      const block = o.report.blocks.find((b) => b.sourceSsrc === o.leg.reportSsrc && b.lsr !== 0);
      if (block) {
        const now = ntpFromMs(Date.now());
        const units = (ntpMiddle(now.seconds, now.fraction) - block.lsr - block.dlsr) >>> 0;
        rtt = units < 0x80000000 ? units / 65536 : 0;
      }
    }
    const fraction = o.report.blocks[0]?.fractionLost ?? 0;
    this.ctx.state.emit(
      ev.rtcpEvent(kind, {
        channel: c,
        report: o.report,
        remote: o.peer,
        local: { address: o.leg.boundAddress, port: o.leg.rtcpPort },
        rttSec: rtt,
        mes: 100 * (1 - fraction / 256),
      }),
    );
  }
}
