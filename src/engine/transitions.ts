import { formatCookie } from '../plan/cookie.js';
import { flowKey, type FlowSpec } from '../plan/flow-spec.js';
import { planPair, type PlanLeg, type PlanOptions } from '../plan/planner.js';
import type { Decision, ReadyLeg } from '../policy/eligibility.js';
import { refuse, type ReasonCode } from '../policy/reasons.js';
import type { BridgeView, LegView } from '../policy/view.js';
import type { FlowPort } from '../switch/flow-port.js';
import type { Reconciler } from '../switch/reconciler.js';
import { readPairCounters } from './audit.js';
import type { EngineContext } from './context.js';
import { legCounters, type FlowCounts } from './status.js';
import { setState, track, type Tracked } from './tracked.js';
import type { BridgeState, LegStatus } from './types.js';

/**
 * No event reports a technology change, and Asterisk moves a bridge back to native_rtp
 * 16–50 ms after a hook goes away: a bridge refused for its technology is read again a few
 * times, spaced out, so a missed hint cannot leave it with Asterisk for the rest of the call.
 * The first re-reads fall inside that window: ARI has no MixMonitor event, so after
 * StopMixMonitor these re-reads are what notices the return to native_rtp.
 */
const TECHNOLOGY_RECHECK_MS = [20, 50, 100, 400, 1600, 6400];

const copyCounts = (m: FlowCounts | undefined): FlowCounts | undefined =>
  m === undefined ? undefined : { packets: m.packets, bytes: m.bytes };

type SyncResult = Awaited<ReturnType<Reconciler['sync']>>;

/** A decision turned into flows and the state they put the bridge in. */
interface Planned {
  readonly decision: Decision;
  readonly flows: FlowSpec[];
  readonly next: BridgeState;
}

/**
 * Carries out a decision: plans the flows, lets the reconciler bring the switch to them, and
 * records the bridge's new state with what follows from it (offload and revert hooks, counter
 * baselines, back-off, wake-ups for age, back-off and technology re-reads).
 */
export class Transitions {
  /** Counters of flows a revert deletes: the mirror's before, the FLOW_REMOVED's once it came. */
  private readonly finals = new Map<string, FlowCounts | undefined>();
  /** Keys of `finals` whose FLOW_REMOVED came, and who waits for the next one. */
  private readonly heard = new Set<string>();
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly port: FlowPort,
  ) {
    port.onFlowRemoved((r) => {
      if (r.key === null || !this.finals.has(r.key)) return;
      this.finals.set(r.key, r);
      this.heard.add(r.key);
      for (const w of [...this.wakers]) w();
    });
  }

  async enact(bridgeId: string, decision: Decision, view: BridgeView | null, now: number): Promise<void> {
    const { reconciler } = this.ctx;
    const prevKeys = reconciler.keysOf(bridgeId);
    const t = track(this.ctx.tracked, bridgeId, now);
    const wasOffloaded = t.state === 'offloaded';
    const planned = this.plan(bridgeId, decision, view);
    // A revert that deletes every flow takes the final counters from the forwarding flows'
    // FLOW_REMOVED (sent with OFPFF_SEND_FLOW_REM) rather than waiting for a dump first; a flow
    // whose FLOW_REMOVED has not come by the delete's barrier reply (Open vSwitch may send it a
    // few ms later) keeps the last audit's counters.
    const deletesAll = wasOffloaded && planned.flows.length === 0;
    if (wasOffloaded && planned.next !== 'offloaded' && !deletesAll) {
      // Counters before the flows go: revert accounting needs them.
      await readPairCounters(reconciler, this.port, bridgeId).catch(() => undefined);
    }
    const flowsBefore = deletesAll ? reconciler.desiredOf(bridgeId) : [];
    for (const f of flowsBefore) this.finals.set(flowKey(f), copyCounts(reconciler.installed(flowKey(f))));
    let countersBefore = wasOffloaded && !deletesAll ? legCounters(this.ctx, bridgeId) : [];
    reconciler.setDesired(bridgeId, planned.flows);
    let res: SyncResult;
    try {
      // A member left (hangup, transfer): nothing gains from pacing that revert.
      const urgent = !planned.decision.offload && planned.decision.reason === 'not-two-party';
      res = await reconciler.sync([bridgeId], prevKeys, { urgent });
      if (deletesAll) await this.awaitFinals(flowsBefore);
    } catch (err) {
      // The switch is unreachable: nothing changed there. The resync after it comes back
      // applies whatever is desired by then.
      setState(t, 'not-offloaded', 'switch-unavailable', (err as Error).message, now);
      return;
    } finally {
      if (deletesAll)
        countersBefore = legCounters(this.ctx, bridgeId, flowsBefore, (k) => this.finals.get(k));
      for (const f of flowsBefore) {
        this.finals.delete(flowKey(f));
        this.heard.delete(flowKey(f));
      }
    }
    this.count(res);
    if (res.failed > 0) {
      await this.failOpen(bridgeId, t, planned.flows, res, wasOffloaded, countersBefore, now);
      return;
    }
    if (planned.next === 'offloaded' && planned.decision.offload) {
      this.markOffloaded(bridgeId, t, planned.decision.legs, planned.flows, wasOffloaded, res.added, now);
    } else {
      this.markNotOffloaded(bridgeId, t, planned, view, wasOffloaded, countersBefore, now);
    }
    this.forgetIfGone(bridgeId);
  }

  /**
   * The deleted forwarding flows' FLOW_REMOVED may come shortly after the delete is answered:
   * wait for them, at most the port's grace, so the revert counts what the switch forwarded.
   */
  private async awaitFinals(flows: readonly FlowSpec[]): Promise<void> {
    const grace = this.port.flowRemovedGraceMs ?? 0;
    const keys = flows.filter((f) => f.owner.role === 'rtp-forward').map((f) => flowKey(f));
    const deadline = this.ctx.clock.now() + grace;
    while (grace > 0 && keys.some((k) => !this.heard.has(k))) {
      const left = deadline - this.ctx.clock.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          timer.cancel();
          this.wakers.delete(done);
          resolve();
        };
        const timer = this.ctx.clock.setTimeout(done, left);
        this.wakers.add(done);
      });
    }
  }

  /** The flows a decision wants and the state they lead to (dry run: none, and "would-offload"). */
  private plan(bridgeId: string, decision: Decision, view: BridgeView | null): Planned {
    const sf = this.ctx.flags.switchFacts;
    const { cfg } = this.ctx;
    const planOpts: PlanOptions | null = sf
      ? { ...cfg.plan, bridgeMac: sf.bridgeMac, uplinkPort: sf.uplinkPort }
      : null;
    let flows: FlowSpec[] = [];
    if (view && planOpts && view.members.length === 2) {
      if (decision.offload) {
        flows = planPair(bridgeId, 'forward', decision.legs.map(toPlanLeg) as [PlanLeg, PlanLeg], planOpts);
      } else if (decision.probe) {
        const legs = view.members.map(probeLeg);
        if (legs[0] && legs[1]) flows = planPair(bridgeId, 'probe', [legs[0], legs[1]], planOpts);
      }
    }
    if (decision.offload && !planOpts) {
      decision = {
        offload: false,
        probe: false,
        ...refuse('switch-unavailable', 'the switch is not connected or its uplink port is unknown'),
      };
    }
    const next: BridgeState = decision.offload
      ? cfg.dryRun
        ? 'would-offload'
        : 'offloaded'
      : decision.probe && !cfg.dryRun
        ? 'probing'
        : 'not-offloaded';
    return { decision, flows: cfg.dryRun ? [] : flows, next };
  }

  private count(res: SyncResult): void {
    this.ctx.counters.flowAdds += res.added;
    this.ctx.counters.flowDeletes += res.deleted;
    this.ctx.counters.flowFailures += res.failed;
  }

  /** Fail open: whatever did not install leaves media with Asterisk; remove the rest, back off. */
  private async failOpen(
    bridgeId: string,
    t: Tracked,
    flows: readonly FlowSpec[],
    res: SyncResult,
    wasOffloaded: boolean,
    countersBefore: readonly LegStatus[],
    now: number,
  ): Promise<void> {
    this.ctx.log.warn('flow install failed, reverting bridge', { bridgeId, failures: res.failures });
    this.ctx.reconciler.setDesired(bridgeId, []);
    await this.ctx.reconciler.sync([bridgeId], flows.map(flowKey));
    t.backoffUntil = now + this.ctx.cfg.backoffMs;
    t.backoffCause = `switch refused flows: ${res.failures[0] ?? ''}`;
    setState(t, 'not-offloaded', 'backoff', t.backoffCause, now);
    if (wasOffloaded) this.emitReverted(bridgeId, 'backoff', countersBefore);
  }

  private markOffloaded(
    bridgeId: string,
    t: Tracked,
    legs: readonly ReadyLeg[],
    flows: readonly FlowSpec[],
    wasOffloaded: boolean,
    added: number,
    now: number,
  ): void {
    const { model, reconciler } = this.ctx;
    t.cookie = flows[0]?.cookie ?? null;
    t.confirmed = new Map(legs.map((l) => [l.channelId, `${l.remote.address}:${l.remote.port}`]));
    // The pair may have changed in place (an attended transfer swaps a member).
    t.legs = new Map(
      legs.map((l) => [
        l.channelId,
        {
          channel: model.channels.get(l.channelId)?.info.name ?? l.channelId,
          local: l.local,
          remote: l.remote,
        },
      ]),
    );
    if (!wasOffloaded) {
      t.offloadedAt = now;
      t.baseline = new Map(
        flows.map((f) => {
          const m = reconciler.installed(flowKey(f));
          return [flowKey(f), { packets: m?.packets ?? 0, bytes: m?.bytes ?? 0 }];
        }),
      );
      t.egressSeen.clear();
      t.egressStrikes = 0;
      t.reportsAtOffload = this.snapshotReports(bridgeId);
      this.ctx.counters.offloads++;
      this.ctx.log.info('offloaded', { bridgeId, cookie: formatCookie(t.cookie ?? 0n), added });
      for (const l of this.ctx.listeners.offloaded) l(bridgeId, legs);
    }
    const dead = t.deadDirection;
    if (dead) {
      // Still offloaded: the other direction works through the switch, and Asterisk
      // (strict RTP) drops the new source too. The state says which direction is lost.
      const detail = `${dead.channel} sends from ${dead.newSource}, the flow matches ${dead.oldSource}`;
      setState(t, 'offloaded', 'direction-dead', detail, now);
    } else {
      setState(t, 'offloaded', null, 'all checks pass; the switch forwards the RTP of both legs', now);
    }
  }

  private markNotOffloaded(
    bridgeId: string,
    t: Tracked,
    planned: Planned,
    view: BridgeView | null,
    wasOffloaded: boolean,
    countersBefore: readonly LegStatus[],
    now: number,
  ): void {
    const { decision } = planned;
    const reason = decision.offload ? null : decision.reason;
    let detail = decision.offload ? 'all checks pass' : decision.detail;
    if (reason === 'backoff' && t.backoffCause) detail = `${t.backoffCause}; ${detail}`;
    if (wasOffloaded) {
      this.ctx.counters.reverts++;
      this.ctx.log.info('reverted', { bridgeId, reason, detail });
      this.emitReverted(bridgeId, reason ?? 'gone', countersBefore);
    }
    setState(t, planned.next, reason, detail, now);
    if (planned.next !== 'offloaded') t.offloadedAt = null;
    t.deadDirection = null;
    // Only an outage of the switch keeps what the switch saw; any change of the call
    // (hold, a recording, a new remote) must see media again before forwarding.
    if (reason !== 'switch-unavailable' && reason !== 'pbx-disconnected') t.confirmed.clear();
    if (!decision.offload) this.wakeUpLater(bridgeId, t, decision.reason, view, now);
    else t.techRechecks = 0;
  }

  /** A refusal that ends by itself (age, back-off, a technology that may change) is looked at again. */
  private wakeUpLater(
    bridgeId: string,
    t: Tracked,
    reason: ReasonCode,
    view: BridgeView | null,
    now: number,
  ): void {
    const { scheduler } = this.ctx;
    if (reason === 'too-young' && view?.twoPartySince != null) {
      scheduler.scheduleAt(bridgeId, view.twoPartySince + this.ctx.cfg.policy.minBridgeAgeMs);
    }
    if (reason === 'backoff' && view?.backoffUntil != null) scheduler.scheduleAt(bridgeId, view.backoffUntil);
    if (reason !== 'technology' && reason !== 'technology-unknown') t.techRechecks = 0;
    else if (t.techRechecks < TECHNOLOGY_RECHECK_MS.length) {
      const delay = TECHNOLOGY_RECHECK_MS[t.techRechecks++]!;
      const b = this.ctx.model.bridges.get(bridgeId);
      if (b) b.technologyStale = true;
      scheduler.scheduleAt(bridgeId, now + delay);
    }
  }

  /** A bridge Asterisk forgot and that owns no flow any more leaves no trace. */
  private forgetIfGone(bridgeId: string): void {
    if (this.ctx.model.bridges.has(bridgeId) || this.ctx.reconciler.keysOf(bridgeId).length > 0) return;
    this.ctx.tracked.delete(bridgeId);
    this.ctx.scheduler.forget(bridgeId);
  }

  private emitReverted(bridgeId: string, reason: ReasonCode | 'gone', counters: readonly LegStatus[]): void {
    for (const l of this.ctx.listeners.reverted) l(bridgeId, reason, counters);
  }

  private snapshotReports(bridgeId: string): Map<string, Map<number, number>> {
    const out = new Map<string, Map<number, number>>();
    for (const ch of this.ctx.model.membersOf(bridgeId)) {
      out.set(ch.info.id, new Map([...ch.receivedReports].map(([ssrc, r]) => [ssrc, r.highestSequence])));
    }
    return out;
  }
}

function toPlanLeg(l: ReadyLeg): PlanLeg {
  return { channelId: l.channelId, local: l.local, remote: l.remote, nextHopMac: l.nextHopMac, dscp: l.dscp };
}

function probeLeg(m: LegView): PlanLeg | null {
  const local = m.localResolved;
  const remote = m.leg?.remote;
  if (!local || local === 'ambiguous' || !remote) return null;
  return {
    channelId: m.channel.id,
    local,
    remote,
    nextHopMac: m.nextHopMac,
    dscp: m.facts?.tosAudioDscp ?? 0,
  };
}
