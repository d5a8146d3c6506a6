import { decide, type Decision } from '../policy/eligibility.js';
import { refuse } from '../policy/reasons.js';
import type { BridgeView } from '../policy/view.js';
import type { EngineContext } from './context.js';
import type { FactReader } from './facts.js';
import { offloadedCount } from './tracked.js';
import type { Transitions } from './transitions.js';
import type { ViewBuilder } from './view.js';

const GONE: Decision = { offload: false, probe: false, ...refuse('not-two-party', 'the bridge is gone') };

/**
 * One look at one bridge, always the same path: read what is missing, build the view,
 * let policy decide, and enact the decision.
 */
export class Evaluator {
  constructor(
    private readonly ctx: EngineContext,
    private readonly facts: FactReader,
    private readonly views: ViewBuilder,
    private readonly transitions: Transitions,
  ) {}

  async evaluate(bridgeId: string): Promise<void> {
    const { ctx } = this;
    ctx.counters.evaluations++;
    const now = ctx.clock.now();
    const b = ctx.model.bridges.get(bridgeId);
    let decision: Decision;
    let view: BridgeView | null = null;
    if (!b) {
      decision = GONE;
    } else if (ctx.flags.pbxGone) {
      decision = { offload: false, probe: false, ...refuse('pbx-disconnected') };
    } else {
      if (b.members.length === 2) await this.facts.refresh(bridgeId);
      view = await this.views.build(bridgeId);
      decision = view ? this.decide(bridgeId, view, now) : GONE;
    }
    // The bridge may have gone while its facts were read.
    if (!ctx.model.bridges.has(bridgeId) && b) decision = GONE;
    if (!ctx.flags.mirrorLoaded) return; // switchReady() re-evaluates every bridge once it has read the switch
    await this.transitions.enact(bridgeId, decision, view, now);
  }

  private decide(bridgeId: string, view: BridgeView, now: number): Decision {
    const { ctx } = this;
    const self = ctx.tracked.get(bridgeId)?.state === 'offloaded' ? 1 : 0;
    return decide(view, ctx.cfg.policy, {
      now,
      killSwitch: ctx.flags.killSwitch,
      offloadedElsewhere: offloadedCount(ctx.tracked) - self,
    });
  }
}
