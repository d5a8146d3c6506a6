/**
 * The PBX as the core sees it. Adapters in `asterisk/` (AMI, ARI, the module) translate
 * Asterisk's own events and replies into these types; nothing here knows an AMI or ARI
 * field name. Ids are Asterisk's: a channel's Uniqueid, a bridge's BridgeUniqueid.
 */

export type IpFamily = 4 | 6;

export interface SocketAddr {
  /** Canonical text form: dotted IPv4, or compressed lower-case IPv6 without brackets. */
  readonly address: string;
  readonly port: number;
  readonly family: IpFamily;
}

/** Which channel driver owns a channel; only pjsip and sip legs carry RTP we can read. */
export type ChannelDriver = 'pjsip' | 'sip' | 'local' | 'other';

export interface ChannelInfo {
  /** Asterisk Uniqueid (ARI channel id). */
  readonly id: string;
  /** Channel name, e.g. `PJSIP/alice-00000007`. */
  readonly name: string;
  readonly driver: ChannelDriver;
  /** Endpoint (peer) name parsed from the channel name: `alice` for `PJSIP/alice-00000007`. */
  readonly endpoint: string | null;
  /** Channel state number (6 = Up). */
  readonly state: number;
  readonly context: string;
  readonly exten: string;
  readonly linkedId: string;
}

/**
 * Bridge technology as Asterisk reports it. `native_rtp` covers both the local
 * packet-to-packet relay and direct media; legs tell them apart (`RtpLeg.direct`).
 */
/** What a bridge's technology is taken to be after `recording-suspected`, until read again. */
export const RECORDING_SUSPECTED = 'recording-suspected';

export type BridgeTechnology = 'native_rtp' | 'simple_bridge' | 'softmix' | 'holding_bridge' | string;

export interface BridgeSnapshot {
  readonly id: string;
  readonly technology: BridgeTechnology;
  /** The bridge class (`basic` for Dial, `stasis` for ARI). */
  readonly bridgeClass: string;
  /** Channels in the bridge, in join order. */
  readonly channels: readonly ChannelInfo[];
}

/**
 * One channel's audio RTP stream as Asterisk sees it, read on demand from the PBX.
 * `null` fields mean "Asterisk did not say", which policy treats as "not (yet) safe".
 */
export interface RtpLeg {
  readonly channelId: string;
  /** Asterisk's bound RTP address; may be the wildcard `0.0.0.0` / `::`. */
  readonly local: SocketAddr | null;
  /**
   * Remote RTP address: the learned (symmetric RTP) address when Asterisk has one,
   * otherwise the SDP address. `null` while held with nothing received (`(null)`).
   */
  readonly remote: SocketAddr | null;
  /**
   * Whether `remote` is known to come from received RTP. `null` when the source cannot
   * tell (AMI Getvar cannot; the module can).
   */
  readonly remoteLearned: boolean | null;
  /** Direct media: the leg was re-INVITEd so media bypasses Asterisk. */
  readonly direct: boolean;
  /** SRTP (SDES or DTLS) on this leg. */
  readonly secure: boolean;
  /** The remote put this leg on hold (sendonly/inactive). */
  readonly hold: boolean;
  /** Audio format in use, e.g. `ulaw`; `null` when unknown. */
  readonly codec: string | null;
  /**
   * RTP payload-type numbers this leg uses, by format name (`ulaw` → 0,
   * `telephone-event` → 101). `null` when the source cannot tell (AMI cannot).
   */
  readonly payloadTypes: Readonly<Record<string, number>> | null;
  /** Video or T.38 present on the channel. */
  readonly otherMedia: boolean | null;
  /** Milliseconds since epoch when this was read. */
  readonly readAt: number;
}

/** Endpoint (peer) configuration facts that decide eligibility; cached by adapters. */
export interface EndpointFacts {
  readonly endpoint: string;
  /** Seconds; 0 = off. Asterisk hangs up when neither RTP nor RTCP arrives for this long. */
  readonly rtpTimeout: number;
  readonly rtpTimeoutHold: number;
  /** Seconds; 0 = off. Asterisk injects comfort noise when it has sent nothing this long. */
  readonly rtpKeepalive: number;
  readonly iceSupport: boolean;
  readonly rtcpMux: boolean;
  readonly directMedia: boolean;
  /** `no`, `sdes`, `dtls`. */
  readonly mediaEncryption: string;
  /** DSCP value (0..63) Asterisk marks audio with (`tos_audio`). */
  readonly tosAudioDscp: number;
  readonly dtmfMode: string;
}

export interface RtcpReportBlock {
  readonly sourceSsrc: number;
  readonly fractionLost: number;
  readonly cumulativeLost: number;
  /** Extended highest sequence number received. */
  readonly highestSequence: number;
}

/** Everything that can happen on the PBX that the agent cares about, keyed on `kind`. */
export type PbxEvent =
  | { kind: 'connected'; source: string; startupTime: string; restarted: boolean }
  | { kind: 'disconnected'; source: string; reason: string }
  | { kind: 'bridge-created'; bridgeId: string; technology: BridgeTechnology; bridgeClass: string }
  | { kind: 'bridge-destroyed'; bridgeId: string }
  | { kind: 'bridge-merged'; toBridgeId: string; fromBridgeId: string }
  | {
      kind: 'channel-entered';
      bridgeId: string;
      channel: ChannelInfo;
      /** Stale by design: the snapshot precedes Asterisk's technology choice. */
      technology: BridgeTechnology;
      memberCount: number;
      swapChannelId: string | null;
    }
  | { kind: 'channel-left'; bridgeId: string; channel: ChannelInfo; memberCount: number }
  | { kind: 'channel-hold'; channelId: string }
  | { kind: 'channel-unhold'; channelId: string }
  | { kind: 'moh-start'; channelId: string }
  | { kind: 'moh-stop'; channelId: string }
  | { kind: 'audiohook-start'; channelId: string; what: string }
  | { kind: 'audiohook-stop'; channelId: string; what: string }
  | {
      kind: 'blind-transfer';
      result: string;
      bridgeId: string | null;
      transfererId: string | null;
      transfereeId: string | null;
    }
  | {
      kind: 'attended-transfer';
      result: string;
      origBridgeId: string | null;
      secondBridgeId: string | null;
      destBridgeId: string | null;
      destType: string;
    }
  | { kind: 'local-optimization'; phase: 'begin' | 'end'; channelIds: string[] }
  /** A hint that a bridge's media path changed without its own event (re-INVITE, hold, hooks). */
  | { kind: 'media-path-hint'; channelId: string }
  /**
   * A recording is being set up on the channel, and no event will say when its audiohook
   * is attached (ARI: MIXMONITOR_FILENAME set). The bridge is taken as not native until a
   * technology read says otherwise.
   */
  | { kind: 'recording-suspected'; channelId: string }
  | { kind: 'hangup'; channelId: string; cause: number; causeText: string }
  | { kind: 'rtcp-received'; channelId: string; from: SocketAddr | null; reports: RtcpReportBlock[] }
  | { kind: 'rtcp-sent'; channelId: string; to: SocketAddr | null; reports: RtcpReportBlock[] };

export type PbxEventKind = PbxEvent['kind'];

/** Counters an adapter keeps about its own traffic to Asterisk. */
export interface PbxSourceStats {
  readonly requests: number;
  readonly events: number;
  readonly malformed: number;
  readonly reconnects: number;
}

/**
 * What the agent needs from a PBX connection. Implemented by the AMI and ARI adapters
 * (and the module reader on top of AMI). Every method rejects with a typed error naming
 * what failed; none throws synchronously.
 */
export interface PbxSource {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  onEvent(listener: (event: PbxEvent) => void): void;
  /** Full resync: every visible bridge with its current technology and members. */
  listBridges(): Promise<BridgeSnapshot[]>;
  /** Current technology of the given bridges (BridgeEnter's value is stale); missing = gone. */
  bridgeTechnologies(bridgeIds: readonly string[]): Promise<Map<string, BridgeTechnology>>;
  /** Reads the audio RTP leg of one channel. */
  readLeg(channel: ChannelInfo): Promise<RtpLeg>;
  /** Endpoint configuration facts, cached; `null` when the driver has no such facts. */
  endpointFacts(channel: ChannelInfo): Promise<EndpointFacts | null>;
  /** Sets channel variables (accounting on revert and hangup). Best effort. */
  setChannelVars(channelId: string, vars: Readonly<Record<string, string>>): Promise<void>;
  /** Raises a manager UserEvent (AMI) or equivalent. Best effort. */
  userEvent(name: string, fields: Readonly<Record<string, string>>): Promise<void>;
  stats(): PbxSourceStats;
}
