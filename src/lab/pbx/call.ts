import type { SimBridge, SimChannel } from './model/objects.js';
import type { Codec } from './options.js';
import type { HostPort } from './rtp/address.js';
import type { RelayCounter } from './rtp/leg.js';

export type LegName = 'caller' | 'callee';

/** One phone taking part in a call. */
export interface PartySpec {
  /** Endpoint name from the PBX options. */
  readonly endpoint: string;
  /** The phone's SDP media address (where the PBX sends RTP until it learns the source). */
  readonly remote: HostPort;
  /** The codec this leg negotiated; legs with different codecs stay on simple_bridge. */
  readonly codec?: Codec;
}

export interface PlaceCallSpec {
  readonly caller: PartySpec;
  readonly callee: PartySpec;
  /** @default 'ulaw' */
  readonly codec?: Codec;
  /** Dial(…,T)-style DTMF feature hooks: with RFC 4733/inband DTMF the bridge stays simple. */
  readonly dtmfFeatures?: boolean;
  /** Dial through a Local channel pair that is optimised away (LocalOptimizationBegin/End). */
  readonly viaLocal?: boolean;
}

/** A call leg as a test or the demo sees it. */
export interface SimLegInfo {
  readonly channel: string;
  readonly uniqueid: string;
  readonly endpoint: string;
  readonly family: 4 | 6;
  /** The PBX address the phone sends to (the advertised SDP address). */
  readonly localAddress: string;
  /** What the RTP socket is bound to (`0.0.0.0`/`::` with a wildcard bind). */
  readonly boundAddress: string;
  readonly localRtpPort: number;
  /** RTP port + 1, or the RTP port itself with rtcp_mux. */
  readonly localRtcpPort: number;
}

/** Operations a SimCall asks of its PBX. */
export interface CallOps {
  hangupCall(call: SimCall, leg: LegName, cause: number, techCause: number): void;
  holdCall(call: SimCall, leg: LegName): void;
  unholdCall(call: SimCall, leg: LegName): void;
  startMixMonitor(channel: SimChannel): boolean;
  stopMixMonitor(channel: SimChannel): boolean;
  reinviteCall(call: SimCall, leg: LegName, remote: HostPort): void;
  setDirectMedia(call: SimCall, on: boolean): void;
  blindTransferCall(call: SimCall, transferer: LegName, target: PartySpec): Promise<SimCall>;
}

/**
 * A two-party bridged call of the simulated PBX: the scenario handle tests and the demo
 * drive. A transfer ends this handle and returns a new one for the new pairing.
 */
export class SimCall {
  readonly counter: RelayCounter = { packets: 0, cpuMs: 0 };
  /** `setDirectMedia()` override of the endpoints' direct_media; null = configuration. */
  directOverride: boolean | null = null;
  ended = false;

  constructor(
    readonly id: string,
    readonly bridge: SimBridge,
    readonly callerChannel: SimChannel,
    readonly calleeChannel: SimChannel,
    readonly dtmfFeatures: boolean,
    private readonly ops: CallOps,
    private readonly advertised: { ipv4: string; ipv6: string },
  ) {}

  get bridgeId(): string {
    return this.bridge.uniqueid;
  }

  /** The bridge's current technology, as BridgeList would show it now. */
  get technology(): string {
    return this.bridge.technology;
  }

  get caller(): SimLegInfo {
    return this.info(this.callerChannel);
  }

  get callee(): SimLegInfo {
    return this.info(this.calleeChannel);
  }

  channel(leg: LegName): SimChannel {
    return leg === 'caller' ? this.callerChannel : this.calleeChannel;
  }

  /** Packets relayed for this call (both directions) and the time spent relaying them. */
  relayed(): { packets: number; cpuMs: number } {
    return { ...this.counter };
  }

  private info(c: SimChannel): SimLegInfo {
    const family = c.rtp.boundAddress.includes(':') || c.rtp.remote?.address.includes(':') ? 6 : 4;
    return {
      channel: c.name,
      uniqueid: c.uniqueid,
      endpoint: c.endpoint.name,
      family,
      localAddress: family === 6 ? this.advertised.ipv6 : this.advertised.ipv4,
      boundAddress: c.rtp.boundAddress,
      localRtpPort: c.rtp.localPort,
      localRtcpPort: c.rtp.rtcpPort,
    };
  }

  /** Hangs up from one side (default the caller); the other side is cleared with cause 16. */
  hangup(opts: { leg?: LegName; cause?: number; techCause?: number } = {}): void {
    this.ops.hangupCall(this, opts.leg ?? 'caller', opts.cause ?? 16, opts.techCause ?? 0);
  }

  /** `leg`'s phone sends sendonly: Hold on it, music on hold to the other, relay stops. */
  hold(leg: LegName): void {
    this.ops.holdCall(this, leg);
  }

  unhold(leg: LegName): void {
    this.ops.unholdCall(this, leg);
  }

  startMixMonitor(leg: LegName): void {
    this.ops.startMixMonitor(this.channel(leg));
  }

  stopMixMonitor(leg: LegName): void {
    this.ops.stopMixMonitor(this.channel(leg));
  }

  /** A re-INVITE moving `leg`'s media to a new address: no event but the VarSet hint. */
  reinvite(leg: LegName, remote: HostPort): void {
    this.ops.reinviteCall(this, leg, remote);
  }

  /** Re-INVITEs both legs to (or back from) direct media. */
  setDirectMedia(on: boolean): void {
    this.ops.setDirectMedia(this, on);
  }

  /** `transferer` sends the other party to `target`; resolves with the new call. */
  blindTransfer(transferer: LegName, target: PartySpec): Promise<SimCall> {
    return this.ops.blindTransferCall(this, transferer, target);
  }
}
