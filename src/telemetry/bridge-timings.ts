import type { PbxEvent } from '../model/pbx.js';

/**
 * When each bridge became two-party and when an event last touched it, read from the same
 * PBX events the engine reads, so the histograms can say how long a bridge waited to be
 * offloaded and how long a change (hold, a third party, a hang-up) took to revert it. Pure:
 * every method takes the time.
 */
export class BridgeTimings {
  readonly #twoPartySince = new Map<string, number>();
  readonly #lastEvent = new Map<string, number>();
  readonly #offloadedAt = new Map<string, number>();
  readonly #bridgeOf = new Map<string, string>();

  event(e: PbxEvent, now: number): void {
    switch (e.kind) {
      case 'channel-entered':
        this.#bridgeOf.set(e.channel.id, e.bridgeId);
        if (e.memberCount >= 2 && !this.#twoPartySince.has(e.bridgeId))
          this.#twoPartySince.set(e.bridgeId, now);
        this.touch(e.bridgeId, now);
        return;
      case 'channel-left':
        this.touch(e.bridgeId, now);
        this.#bridgeOf.delete(e.channel.id);
        if (e.memberCount < 2) this.#twoPartySince.delete(e.bridgeId);
        return;
      case 'bridge-destroyed':
        this.forgetBridge(e.bridgeId);
        return;
      case 'hangup': {
        const b = this.#bridgeOf.get(e.channelId);
        if (b !== undefined) this.touch(b, now);
        this.#bridgeOf.delete(e.channelId);
        return;
      }
      case 'channel-hold':
      case 'channel-unhold':
      case 'moh-start':
      case 'moh-stop':
      case 'audiohook-start':
      case 'audiohook-stop':
      case 'media-path-hint': {
        const b = this.#bridgeOf.get(e.channelId);
        if (b !== undefined) this.touch(b, now);
        return;
      }
      case 'blind-transfer':
        if (e.bridgeId !== null) this.touch(e.bridgeId, now);
        return;
      case 'attended-transfer':
        for (const b of [e.origBridgeId, e.secondBridgeId, e.destBridgeId])
          if (b !== null) this.touch(b, now);
        return;
      case 'connected':
        // A restarted Asterisk has none of the bridges we knew.
        if (e.restarted) this.clear();
        return;
      case 'bridge-merged':
        this.touch(e.toBridgeId, now);
        this.touch(e.fromBridgeId, now);
        return;
      default:
        return;
    }
  }

  /** Seconds from two-party to offloaded; `null` when the bridge predates what we saw. */
  offloaded(bridgeId: string, now: number): number | null {
    this.#offloadedAt.set(bridgeId, now);
    const since = this.#twoPartySince.get(bridgeId);
    return since === undefined ? null : (now - since) / 1000;
  }

  /**
   * Seconds from the event that ended an offload to the revert; `null` when no event touched
   * the bridge while offloaded (the switch went away, the operator's kill switch, a timeout).
   */
  reverted(bridgeId: string, now: number): number | null {
    const at = this.#offloadedAt.get(bridgeId);
    this.#offloadedAt.delete(bridgeId);
    const last = this.#lastEvent.get(bridgeId);
    if (!this.#twoPartySince.has(bridgeId)) this.#lastEvent.delete(bridgeId);
    if (at === undefined || last === undefined || last < at) return null;
    return (now - last) / 1000;
  }

  /** Entries kept, for tests that a long run does not grow without bound. */
  get size(): number {
    return this.#twoPartySince.size + this.#lastEvent.size + this.#offloadedAt.size + this.#bridgeOf.size;
  }

  private clear(): void {
    this.#twoPartySince.clear();
    this.#lastEvent.clear();
    this.#offloadedAt.clear();
    this.#bridgeOf.clear();
  }

  private touch(bridgeId: string, now: number): void {
    this.#lastEvent.set(bridgeId, now);
  }

  private forgetBridge(bridgeId: string): void {
    this.#twoPartySince.delete(bridgeId);
    // The engine reverts a destroyed bridge after this event: keep what that revert reads.
    if (!this.#offloadedAt.has(bridgeId)) this.#lastEvent.delete(bridgeId);
    for (const [c, b] of this.#bridgeOf) if (b === bridgeId) this.#bridgeOf.delete(c);
  }
}
