/**
 * Why a bridge is not offloaded. A value, not an exception: every "no" carries one of
 * these codes and a human detail, shown by `rtp-offload explain` and the metrics.
 */
export const REASONS = {
  'kill-switch': 'offloading is switched off by the operator',
  'pinned-off': 'the operator reverted this bridge or one of its channels by hand',
  'not-two-party': 'the bridge does not have exactly two members',
  technology: 'Asterisk is not relaying this bridge packet-to-packet (native_rtp)',
  'technology-unknown': 'the bridge technology has not been read yet',
  'direct-media': 'media flows directly between the endpoints, not through Asterisk',
  driver: 'a leg is not a chan_pjsip or chan_sip channel',
  'leg-unknown': 'the RTP leg of a channel has not been read yet',
  'endpoint-unknown':
    "an endpoint's configuration (rtp_timeout, ICE, rtcp-mux, keepalive, tos) could not be read",
  'local-unknown': 'the local RTP address of a leg is unknown',
  'local-ambiguous':
    'the local RTP address is a wildcard and the offload interface has no single address of that family',
  'remote-unknown': 'the remote RTP address of a leg is unknown (held, or nothing received)',
  'remote-not-learned': 'the remote RTP address has not yet been confirmed by received RTP',
  'too-young': 'the bridge is younger than the configured minimum age',
  'family-mismatch': 'the legs use different IP families (the switch cannot translate IPv4 to IPv6)',
  'codec-mismatch': 'the legs use different audio formats',
  'payload-type-mismatch': 'the legs number the same format with different RTP payload types',
  'payload-types-unknown':
    "the payload-type numbers are unknown: load res_rtp_offload (it lists each leg's payload types), or set policy.assumeSamePayloadTypes if every endpoint numbers its formats alike",
  srtp: 'a leg uses SRTP',
  ice: 'a leg uses ICE',
  'rtcp-mux': 'a leg multiplexes RTCP on the RTP port, where the switch cannot keep RTCP with Asterisk',
  held: 'a leg is on hold',
  audiohook: 'a recording, spy or other audiohook is attached',
  'other-media': 'a leg carries video or T.38',
  'rtcp-not-seen': 'rtp_timeout is set and RTCP has not been seen from both remotes',
  'rtp-keepalive': 'rtp_keepalive would make Asterisk inject its own packets into the stream',
  'next-hop-unknown': 'the next-hop MAC address toward a remote is not known yet',
  'out-of-scope': 'the operator scope (include/exclude) leaves this bridge out',
  'max-calls': 'the maximum number of offloaded calls is reached',
  backoff: 'a previous offload of this bridge failed to deliver media; retrying later',
  'pbx-disconnected': 'the connection to Asterisk is down beyond the grace period',
  'switch-unavailable': 'the switch is not connected, or its uplink port is unknown',
  'direction-dead':
    'still offloaded, but one phone now sends from a port no flow matches (a NAT rebinding Asterisk did not follow); that direction is lost',
} as const;

export type ReasonCode = keyof typeof REASONS;

export interface Refusal {
  readonly reason: ReasonCode;
  readonly detail: string;
}

export function refuse(reason: ReasonCode, detail?: string): Refusal {
  return { reason, detail: detail ?? REASONS[reason] };
}
