import type { Logger } from '../log.js';
import type { CallModel } from '../model/call-model.js';
import type { BridgeTechnology, PbxSource, SocketAddr } from '../model/pbx.js';
import { fmt } from '../policy/eligibility.js';

/** Delay of the one technology re-read after a prompted read said native_rtp. */
export const TECHNOLOGY_FOLLOW_UP_MS = 10;

/**
 * Reads what a decision needs and the model lacks (bridge technology, RTP legs, endpoint
 * facts) and writes it into the model. A failed read leaves the gap: policy refuses on it.
 */
export class FactReader {
  private readonly techWaiters = new Map<string, ((t: BridgeTechnology | null) => void)[]>();
  private techFlushScheduled = false;
  /** Bridges whose follow-up technology read is pending: it gets no follow-up of its own. */
  private readonly followingUp = new Set<string>();

  constructor(
    private readonly model: CallModel,
    private readonly source: PbxSource,
    private readonly log: Logger,
    /** Reads the bridge's technology again after `delayMs` (see TECHNOLOGY_FOLLOW_UP_MS). */
    private readonly followUp: (bridgeId: string, delayMs: number) => void = () => undefined,
  ) {}

  async refresh(bridgeId: string): Promise<void> {
    const b = this.model.bridges.get(bridgeId);
    if (!b) return;
    const tasks: Promise<void>[] = [];
    let technology: Promise<BridgeTechnology | null> | null = null;
    if (b.technologyStale || b.technology === null) {
      const prompted = b.technology !== null;
      technology = this.technologyOf(bridgeId).then((t) => {
        if (t !== null) this.model.setTechnology(bridgeId, t);
        if (prompted && t === 'native_rtp') this.followUpOnce(bridgeId);
        return t;
      });
      tasks.push(technology.then(() => undefined));
      // The technology batch is sent on the next turn of the event loop; the legs go after
      // it, or over ARI the technology waits behind every leg's variable reads in the
      // request queue (150 ms seen), and a recording is noticed that much later.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    for (const ch of this.model.membersOf(bridgeId)) {
      // A Local channel (attended transfer, before optimisation) has no RTP to read:
      // policy refuses the bridge for its driver, nothing is wrong.
      if (ch.info.driver !== 'pjsip' && ch.info.driver !== 'sip') continue;
      if (ch.legStale || ch.leg === null) {
        tasks.push(
          this.source.readLeg(ch.info).then(
            (leg) => {
              this.noteRetarget(ch.info.name, ch.leg?.remote ?? null, leg.remote);
              this.model.setLeg(ch.info.id, leg);
            },
            (err: Error) => this.readFailed('cannot read RTP leg', ch.info.id, ch.info.name, err),
          ),
        );
      }
      if (ch.facts === null) {
        tasks.push(
          this.source.endpointFacts(ch.info).then(
            (f) => this.model.setFacts(ch.info.id, f),
            (err: Error) => this.readFailed('cannot read endpoint facts', ch.info.id, ch.info.name, err),
          ),
        );
      }
    }
    const all = Promise.all(tasks);
    if (technology && (await this.decidedByTechnology(bridgeId, technology))) return;
    await all;
  }

  /**
   * A bridge Asterisk no longer relays packet-to-packet (a recording started) is refused
   * on its technology whatever its legs say: once every leg has been read before, the
   * decision does not wait for the new reads (over ARI, a few HTTP round trips per leg),
   * which go on and land in the model for the next look.
   */
  private async decidedByTechnology(
    bridgeId: string,
    technology: Promise<BridgeTechnology | null>,
  ): Promise<boolean> {
    const t = await technology;
    if (t === null || t === 'native_rtp') return false;
    return this.model.membersOf(bridgeId).every((ch) => ch.leg !== null);
  }

  /**
   * Asterisk now sends this leg's RTP somewhere else (a re-INVITE, a NAT rebinding it
   * followed): every flow toward the old remote is planned again, so say so once.
   */
  private noteRetarget(channel: string, from: SocketAddr | null, to: SocketAddr | null): void {
    if (!from || !to || (from.address === to.address && from.port === to.port)) return;
    this.log.info('RTP remote moved', { channel, from: fmt(from), to: fmt(to) });
  }

  /**
   * An event that marks the technology stale may come before the change it announces:
   * ARI has no MixMonitor event, and MIXMONITOR_FILENAME is set before the audiohook is
   * attached, which moves the bridge to simple_bridge ~2 ms later. A read that still says
   * native_rtp is repeated once, shortly after.
   */
  private followUpOnce(bridgeId: string): void {
    if (this.followingUp.delete(bridgeId)) return;
    this.followingUp.add(bridgeId);
    this.followUp(bridgeId, TECHNOLOGY_FOLLOW_UP_MS);
  }

  /**
   * A read of a channel that hung up meanwhile (its Hangup seen by the source, or by the
   * model) fails as expected: only other failures are worth a warning.
   */
  private readFailed(what: string, channelId: string, channel: string, err: Error): void {
    const gone = (err as { code?: unknown }).code === 'CHANNEL_GONE' || !this.model.channels.has(channelId);
    if (gone) this.log.debug(`${what}: the channel hung up`, { channel, error: err.message });
    else this.log.warn(what, { channel, error: err.message });
  }

  /** Technology reads of bridges evaluated in the same tick share one request. */
  technologyOf(bridgeId: string): Promise<BridgeTechnology | null> {
    return new Promise((resolve) => {
      const waiting = this.techWaiters.get(bridgeId);
      if (waiting) waiting.push(resolve);
      else this.techWaiters.set(bridgeId, [resolve]);
      if (this.techFlushScheduled) return;
      this.techFlushScheduled = true;
      setImmediate(() => this.flushTechnologies());
    });
  }

  private flushTechnologies(): void {
    this.techFlushScheduled = false;
    const batch = new Map(this.techWaiters);
    this.techWaiters.clear();
    this.source.bridgeTechnologies([...batch.keys()]).then(
      (techs) => {
        for (const [id, rs] of batch) for (const r of rs) r(techs.get(id) ?? null);
      },
      (err: Error) => {
        this.log.warn('cannot read bridge technologies', { error: err.message });
        for (const rs of batch.values()) for (const r of rs) r(null);
      },
    );
  }
}
