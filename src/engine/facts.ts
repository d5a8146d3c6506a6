import type { Logger } from '../log.js';
import type { CallModel } from '../model/call-model.js';
import type { BridgeTechnology, PbxSource } from '../model/pbx.js';

/**
 * Reads what a decision needs and the model lacks (bridge technology, RTP legs, endpoint
 * facts) and writes it into the model. A failed read leaves the gap: policy refuses on it.
 */
export class FactReader {
  private readonly techWaiters = new Map<string, ((t: BridgeTechnology | null) => void)[]>();
  private techFlushScheduled = false;

  constructor(
    private readonly model: CallModel,
    private readonly source: PbxSource,
    private readonly log: Logger,
  ) {}

  async refresh(bridgeId: string): Promise<void> {
    const b = this.model.bridges.get(bridgeId);
    if (!b) return;
    const tasks: Promise<void>[] = [];
    if (b.technologyStale || b.technology === null) {
      tasks.push(
        this.technologyOf(bridgeId).then((t) => {
          if (t !== null) this.model.setTechnology(bridgeId, t);
        }),
      );
    }
    for (const ch of this.model.membersOf(bridgeId)) {
      if (ch.legStale || ch.leg === null) {
        tasks.push(
          this.source.readLeg(ch.info).then(
            (leg) => this.model.setLeg(ch.info.id, leg),
            (err: Error) =>
              this.log.warn('cannot read RTP leg', { channel: ch.info.name, error: err.message }),
          ),
        );
      }
      if (ch.facts === null) {
        tasks.push(
          this.source.endpointFacts(ch.info).then(
            (f) => this.model.setFacts(ch.info.id, f),
            (err: Error) =>
              this.log.warn('cannot read endpoint facts', { channel: ch.info.name, error: err.message }),
          ),
        );
      }
    }
    await Promise.all(tasks);
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
