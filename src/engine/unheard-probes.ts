import { flowKey } from '../plan/flow-spec.js';
import type { EngineContext } from './context.js';

/** First re-read of a leg whose probe counted nothing, then twice as late each time. */
const FIRST_REREAD_MS = 500;
const LAST_REREAD_MS = 8000;

/**
 * A probe flow that counts nothing from a leg's remote proves the remote wrong, or the
 * phone silent. After a re-INVITE that announced a port the phone never uses, Asterisk
 * re-learns the old source from the packets the probe lets through, and only a new read
 * of the leg (module listing or CHANNEL(rtp,dest)) shows it: without one the bridge would
 * stay `probing / remote-not-learned` until hangup. Re-reads back off, so a muted phone
 * costs one request every few seconds.
 */
export class UnheardProbes {
  /** Ingress-probe flow key → when it was first seen counting nothing, and the wait. */
  private readonly silent = new Map<string, { bridgeId: string; since: number; waitMs: number }>();

  constructor(private readonly ctx: Pick<EngineContext, 'reconciler' | 'model' | 'log'>) {}

  /** After the counters of a probing bridge were read: marks legs still unheard for a re-read. */
  check(bridgeId: string, now: number): void {
    const { reconciler, model } = this.ctx;
    for (const f of reconciler.desiredOf(bridgeId)) {
      if (f.owner.role !== 'ingress-probe') continue;
      const key = flowKey(f);
      if ((reconciler.installed(key)?.packets ?? 0) > 0) {
        this.silent.delete(key);
        continue;
      }
      const s = this.silent.get(key);
      if (!s) {
        this.silent.set(key, { bridgeId, since: now, waitMs: FIRST_REREAD_MS });
        continue;
      }
      if (now - s.since < s.waitMs) continue;
      const ch = model.channels.get(f.owner.channelId);
      if (!ch) continue;
      this.ctx.log.debug('probe saw no RTP from the remote: reading the leg again', {
        bridgeId,
        channel: ch.info.name,
        remote: ch.leg?.remote ?? null,
        silentMs: now - s.since,
      });
      model.markLegStale(ch.info.id);
      s.since = now;
      s.waitMs = Math.min(s.waitMs * 2, LAST_REREAD_MS);
    }
  }

  /** Forgets probes no bridge wants any more. */
  prune(): void {
    for (const [key, s] of this.silent) {
      if (!this.ctx.reconciler.desiredOf(s.bridgeId).some((f) => flowKey(f) === key)) this.silent.delete(key);
    }
  }
}
