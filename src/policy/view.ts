import type { ChannelInfo, EndpointFacts, RtpLeg, SocketAddr } from '../model/pbx.js';

/** Everything policy needs to know about one leg; assembled by the engine from the model and I/O facts. */
export interface LegView {
  readonly channel: ChannelInfo;
  readonly leg: RtpLeg | null;
  readonly facts: EndpointFacts | null;
  /** Hold seen through events (Hold / MusicOnHoldStart) and not yet undone. */
  readonly heldByEvent: boolean;
  /** Audiohooks (MixMonitor, ChanSpy…) attached and not yet stopped. */
  readonly audiohooks: number;
  /** RTCP received by Asterisk from this leg's remote since the leg was read. */
  readonly rtcpFromRemote: boolean;
  /** The local address with a wildcard resolved: `'ambiguous'` when it cannot be. */
  readonly localResolved: SocketAddr | 'ambiguous' | null;
  /** RTP from the remote counted by the switch (ingress probe flow); `null` = no probe. */
  readonly probedIngressPackets: number | null;
  /** Next-hop MAC toward the remote, `null` while unknown. */
  readonly nextHopMac: string | null;
  /** The switch holds a forwarding flow for this leg's remote → local RTP. */
  readonly forwardingInstalled: boolean;
}

export type Pin = 'offload' | 'revert';

export interface BridgeView {
  readonly id: string;
  readonly technology: string | null;
  readonly members: readonly LegView[];
  /** When the bridge got its second member (ms since epoch); `null` if never two. */
  readonly twoPartySince: number | null;
  /** Manual pin on the bridge or any of its channels; `revert` wins over `offload`. */
  readonly pin: Pin | null;
  /** Delivery failed earlier: no retry before this time (ms since epoch). */
  readonly backoffUntil: number | null;
  /**
   * Whether this bridge is offloaded right now, by this agent's record or by the switch's
   * own forwarding flows (adopted after a restart). It keeps its place under max-calls and
   * is not asked again for pre-offload evidence (age, RTCP).
   */
  readonly offloaded: boolean;
}

export interface Scope {
  readonly includeEndpoints: readonly string[];
  readonly excludeEndpoints: readonly string[];
  readonly includeContexts: readonly string[];
  readonly excludeContexts: readonly string[];
}

export interface PolicyConfig {
  readonly minBridgeAgeMs: number;
  /** Operator opt-in: treat unknown payload-type numbers as identical (AMI cannot read them). */
  readonly assumeSamePayloadTypes: boolean;
  /**
   * Operator opt-in: trust Asterisk's remote address without confirmation by received RTP
   * (neither the module's "learned" flag nor the switch's ingress probe).
   */
  readonly trustRemoteAddress: boolean;
  /**
   * Operator opt-in: offload legs whose endpoint configuration cannot be read (chan_sip, an
   * AMI user without PJSIPShowEndpoint rights, ARI only), taking Asterisk's defaults for it.
   */
  readonly allowUnknownEndpoints: boolean;
  /** 0 = unlimited. */
  readonly maxOffloadedCalls: number;
  readonly scope: Scope;
  /** Asterisk's RTCP interval in seconds: an `rtp_keepalive` shorter than this injects packets. */
  readonly rtcpIntervalSec: number;
}

export interface PolicyContext {
  readonly now: number;
  readonly killSwitch: boolean;
  /** Bridges offloaded right now, this one excluded. */
  readonly offloadedElsewhere: number;
}
