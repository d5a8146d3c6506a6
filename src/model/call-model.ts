import type {
  BridgeSnapshot,
  BridgeTechnology,
  ChannelInfo,
  EndpointFacts,
  PbxEvent,
  RtpLeg,
  SocketAddr,
} from './pbx.js';

/** Report blocks kept per channel, by source SSRC (most recently reported). */
const MAX_REPORTED_SSRCS = 4;
export interface ChannelState {
  info: ChannelInfo;
  bridgeId: string | null;
  /** `Hold` raised on this channel (it put its peer on hold) and not yet `Unhold`. */
  holding: boolean;
  /** Music on hold is playing to this channel. */
  hearingMoh: boolean;
  audiohooks: number;
  leg: RtpLeg | null;
  /** The leg must be read again before any decision (a hint, hold, join, re-INVITE). */
  legStale: boolean;
  facts: EndpointFacts | null;
  /** Last time Asterisk received RTCP from this leg's remote (ms since epoch). */
  rtcpFromRemoteAt: number | null;
  /** Highest sequence the remote reports receiving, by source SSRC (from RTCPReceived). */
  readonly receivedReports: Map<number, { highestSequence: number; at: number }>;
}

export interface BridgeState {
  readonly id: string;
  bridgeClass: string;
  /** Last technology read from Asterisk; events' values are stale by design. */
  technology: BridgeTechnology | null;
  technologyStale: boolean;
  /** Channel ids in join order. */
  readonly members: readonly string[];
  /** When the current two members were both in (ms since epoch). */
  twoPartySince: number | null;
}

/**
 * A bridge's members: a Set (join order is insertion order) for O(1) join, leave and
 * membership tests, and the array readers want built only when read after a change. Hostile
 * input can put thousands of channels into one bridge; no event then scans or copies them all
 * (merging two such bridges was O(n·m): about 1 s at 10,000 channels).
 */
class Bridge implements BridgeState {
  technologyStale = true;
  twoPartySince: number | null = null;
  readonly #members = new Set<string>();
  #list: readonly string[] | null = [];

  constructor(
    readonly id: string,
    public bridgeClass: string,
    public technology: BridgeTechnology | null,
  ) {}

  get members(): readonly string[] {
    return (this.#list ??= [...this.#members]);
  }

  get size(): number {
    return this.#members.size;
  }

  memberIds(): IterableIterator<string> {
    return this.#members.values();
  }

  has(channelId: string): boolean {
    return this.#members.has(channelId);
  }

  add(channelId: string): void {
    if (this.#members.has(channelId)) return;
    this.#members.add(channelId);
    this.#list = null;
  }

  remove(channelId: string): boolean {
    if (!this.#members.delete(channelId)) return false;
    this.#list = null;
    return true;
  }
}

/**
 * The calls as the agent knows them: bridges, channels and their RTP legs. Pure state:
 * `apply` folds a PBX event in and returns the bridges whose decision may have changed;
 * reading legs and technologies is the engine's job (it calls the setters with results).
 */
export class CallModel {
  readonly bridges: ReadonlyMap<string, BridgeState> & { clear(): void } = new Map<string, Bridge>();
  readonly #bridges = this.bridges as Map<string, Bridge>;
  readonly channels = new Map<string, ChannelState>();

  apply(e: PbxEvent, now: number): Set<string> {
    const dirty = new Set<string>();
    switch (e.kind) {
      case 'connected':
      case 'disconnected':
        break;
      case 'bridge-created':
        this.bridge(e.bridgeId, e.bridgeClass);
        break;
      case 'bridge-destroyed': {
        const b = this.#bridges.get(e.bridgeId);
        if (b) for (const id of b.memberIds()) this.detach(id, e.bridgeId);
        this.#bridges.delete(e.bridgeId);
        dirty.add(e.bridgeId);
        break;
      }
      case 'bridge-merged': {
        const from = this.#bridges.get(e.fromBridgeId);
        const to = this.bridge(e.toBridgeId, from?.bridgeClass ?? 'basic');
        if (from && from !== to)
          for (const id of from.memberIds()) {
            const ch = this.channels.get(id);
            if (ch) ch.bridgeId = to.id;
            to.add(id);
          }
        this.#bridges.delete(e.fromBridgeId);
        this.membershipChanged(to, now);
        dirty.add(e.fromBridgeId).add(e.toBridgeId);
        break;
      }
      case 'channel-entered': {
        const b = this.bridge(e.bridgeId, 'basic');
        const ch = this.channel(e.channel);
        if (ch.bridgeId !== null && ch.bridgeId !== e.bridgeId) {
          dirty.add(ch.bridgeId);
          this.removeMember(ch.bridgeId, ch.info.id, now);
        }
        ch.bridgeId = e.bridgeId;
        ch.legStale = true;
        if (e.swapChannelId) {
          this.detach(e.swapChannelId, e.bridgeId);
          b.remove(e.swapChannelId);
        }
        b.add(ch.info.id);
        this.membershipChanged(b, now);
        dirty.add(b.id);
        break;
      }
      case 'channel-left': {
        this.detach(e.channel.id, e.bridgeId);
        if (this.removeMember(e.bridgeId, e.channel.id, now)) dirty.add(e.bridgeId);
        break;
      }
      case 'channel-hold':
      case 'channel-unhold':
      case 'moh-start':
      case 'moh-stop': {
        const ch = this.channels.get(e.channelId);
        if (!ch) break;
        if (e.kind === 'channel-hold' || e.kind === 'channel-unhold') ch.holding = e.kind === 'channel-hold';
        else ch.hearingMoh = e.kind === 'moh-start';
        this.staleLegsOfBridge(ch.bridgeId);
        if (ch.bridgeId) dirty.add(ch.bridgeId);
        break;
      }
      case 'audiohook-start':
      case 'audiohook-stop': {
        const ch = this.channels.get(e.channelId);
        if (!ch) break;
        ch.audiohooks = Math.max(0, ch.audiohooks + (e.kind === 'audiohook-start' ? 1 : -1));
        if (ch.bridgeId) {
          const b = this.#bridges.get(ch.bridgeId);
          if (b) b.technologyStale = true;
          dirty.add(ch.bridgeId);
        }
        break;
      }
      case 'blind-transfer':
      case 'attended-transfer': {
        const ids =
          e.kind === 'blind-transfer' ? [e.bridgeId] : [e.origBridgeId, e.secondBridgeId, e.destBridgeId];
        for (const id of ids) {
          const b = id ? this.#bridges.get(id) : undefined;
          if (!b) continue;
          b.technologyStale = true;
          this.staleLegsOfBridge(b.id);
          dirty.add(b.id);
        }
        break;
      }
      case 'local-optimization':
      case 'media-path-hint': {
        const ids = e.kind === 'media-path-hint' ? [e.channelId] : e.channelIds;
        for (const id of ids) {
          const bid = this.channels.get(id)?.bridgeId;
          if (!bid) continue;
          const b = this.#bridges.get(bid);
          if (b) b.technologyStale = true;
          this.staleLegsOfBridge(bid);
          dirty.add(bid);
        }
        break;
      }
      case 'hangup': {
        const ch = this.channels.get(e.channelId);
        if (!ch) break;
        if (ch.bridgeId) {
          this.removeMember(ch.bridgeId, ch.info.id, now);
          dirty.add(ch.bridgeId);
        }
        this.channels.delete(e.channelId);
        break;
      }
      case 'rtcp-received': {
        const ch = this.channels.get(e.channelId);
        if (!ch) break;
        for (const r of e.reports) {
          ch.receivedReports.delete(r.sourceSsrc);
          ch.receivedReports.set(r.sourceSsrc, { highestSequence: r.highestSequence, at: now });
        }
        // SSRCs are whatever the remote sends; a call has one or two. Keep the latest few.
        for (const ssrc of ch.receivedReports.keys()) {
          if (ch.receivedReports.size <= MAX_REPORTED_SSRCS) break;
          ch.receivedReports.delete(ssrc);
        }
        if (e.from && ch.leg?.remote && isRtcpOf(e.from, ch.leg.remote)) {
          const first = ch.rtcpFromRemoteAt === null;
          ch.rtcpFromRemoteAt = now;
          if (first && ch.bridgeId) dirty.add(ch.bridgeId);
        }
        break;
      }
      case 'rtcp-sent':
        break;
    }
    return dirty;
  }

  /** Replaces everything with a full listing from the PBX (after every (re)connect). */
  replaceAll(snapshots: readonly BridgeSnapshot[], now: number): Set<string> {
    const dirty = new Set<string>(this.#bridges.keys());
    const previous = new Map(this.channels);
    const previousBridges = new Map(this.#bridges);
    this.bridges.clear();
    this.channels.clear();
    for (const s of snapshots) {
      const before = previousBridges.get(s.id);
      const b = new Bridge(s.id, s.bridgeClass, s.technology);
      b.technologyStale = false;
      for (const c of s.channels) b.add(c.id);
      const samePair = before !== undefined && sameMembers(before, b);
      // A resync keeps the age of a pair it already knew, so min-age does not restart.
      b.twoPartySince = b.size === 2 ? (samePair ? (before.twoPartySince ?? now) : now) : null;
      this.#bridges.set(s.id, b);
      for (const info of s.channels) {
        const old = previous.get(info.id);
        const ch = this.channel(info);
        ch.bridgeId = s.id;
        if (old) {
          ch.holding = old.holding;
          ch.hearingMoh = old.hearingMoh;
          ch.audiohooks = old.audiohooks;
          ch.leg = old.leg;
          ch.facts = old.facts;
          ch.rtcpFromRemoteAt = old.rtcpFromRemoteAt;
        }
        ch.legStale = true;
      }
      dirty.add(s.id);
    }
    return dirty;
  }

  setTechnology(bridgeId: string, technology: BridgeTechnology): void {
    const b = this.#bridges.get(bridgeId);
    if (!b) return;
    b.technology = technology;
    b.technologyStale = false;
  }

  setLeg(channelId: string, leg: RtpLeg): void {
    const ch = this.channels.get(channelId);
    if (!ch) return;
    // A different remote makes earlier RTCP evidence about the old remote worthless.
    if (!sameAddr(ch.leg?.remote ?? null, leg.remote)) ch.rtcpFromRemoteAt = null;
    ch.leg = leg;
    ch.legStale = false;
  }

  setFacts(channelId: string, facts: EndpointFacts | null): void {
    const ch = this.channels.get(channelId);
    if (ch) ch.facts = facts;
  }

  markLegStale(channelId: string): void {
    const ch = this.channels.get(channelId);
    if (ch) ch.legStale = true;
  }

  membersOf(bridgeId: string): ChannelState[] {
    const b = this.#bridges.get(bridgeId);
    if (!b) return [];
    const out: ChannelState[] = [];
    for (const id of b.memberIds()) {
      const ch = this.channels.get(id);
      if (ch) out.push(ch);
    }
    return out;
  }

  private bridge(id: string, bridgeClass: string): Bridge {
    let b = this.#bridges.get(id);
    if (!b) {
      b = new Bridge(id, bridgeClass, null);
      this.#bridges.set(id, b);
    }
    return b;
  }

  private channel(info: ChannelInfo): ChannelState {
    let ch = this.channels.get(info.id);
    if (!ch) {
      ch = {
        info,
        bridgeId: null,
        holding: false,
        hearingMoh: false,
        audiohooks: 0,
        leg: null,
        legStale: true,
        facts: null,
        rtcpFromRemoteAt: null,
        receivedReports: new Map(),
      };
      this.channels.set(info.id, ch);
    } else {
      ch.info = info;
    }
    return ch;
  }

  private detach(channelId: string, bridgeId: string): void {
    const ch = this.channels.get(channelId);
    if (ch && ch.bridgeId === bridgeId) ch.bridgeId = null;
  }

  private removeMember(bridgeId: string, channelId: string, now: number): boolean {
    const b = this.#bridges.get(bridgeId);
    if (!b || !b.remove(channelId)) return false;
    this.membershipChanged(b, now);
    return true;
  }

  private membershipChanged(b: Bridge, now: number): void {
    b.technologyStale = true;
    b.twoPartySince = b.size === 2 ? now : null;
  }

  private staleLegsOfBridge(bridgeId: string | null): void {
    const b = bridgeId === null ? undefined : this.#bridges.get(bridgeId);
    if (!b) return;
    for (const id of b.memberIds()) {
      const ch = this.channels.get(id);
      if (ch) ch.legStale = true;
    }
  }
}

/** Same members, in any order (a resync lists them as Asterisk does). */
function sameMembers(a: Bridge, b: Bridge): boolean {
  if (a.size !== b.size) return false;
  for (const id of a.memberIds()) if (!b.has(id)) return false;
  return true;
}

export function sameAddr(a: SocketAddr | null, b: SocketAddr | null): boolean {
  if (a === null || b === null) return a === b;
  return a.address === b.address && a.port === b.port;
}

/** RTCP comes from the RTP port + 1, or from the RTP port itself with rtcp-mux. */
function isRtcpOf(from: SocketAddr, rtp: SocketAddr): boolean {
  return from.address === rtp.address && (from.port === rtp.port + 1 || from.port === rtp.port);
}
