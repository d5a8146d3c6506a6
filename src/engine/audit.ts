import type { ChannelState } from '../model/call-model.js';
import { TAG_MASK, tagCookie } from '../plan/cookie.js';
import { flowKey, type FlowSpec } from '../plan/flow-spec.js';
import type { FlowPort, InstalledFlow } from '../switch/flow-port.js';
import type { Reconciler } from '../switch/reconciler.js';
import type { EngineContext } from './context.js';
import { DeadDirections, type DeadDirection } from './dead-directions.js';
import { UnheardProbes } from './unheard-probes.js';
import { legCounters } from './status.js';
import type { Tracked } from './tracked.js';
import type { LegStatus } from './types.js';

/**
 * Bridges the audit looks at (a few ms) before letting the event loop run: with thousands
 * of calls up a pass takes over 100 ms, which calls being set up would otherwise wait out.
 */
const AUDIT_SLICE = 250;
/** Audits in a row that see Asterisk still relaying before the call goes back to it. */
const EGRESS_STRIKES = 3;

/** Reads the switch's counters of one bridge's flows into the reconciler's mirror. */
export async function readPairCounters(
  reconciler: Reconciler,
  port: FlowPort,
  bridgeId: string,
): Promise<void> {
  const cookie = reconciler.desiredOf(bridgeId)[0]?.cookie;
  if (cookie === undefined) return;
  reconciler.updateCounters(await port.dump(cookie, 0xffff_ffff_ffff_ffffn));
}

/**
 * Watches offloaded and probing bridges through the switch's counters: flows someone else
 * removed, Asterisk still relaying (egress watch), media that goes astray (delivery).
 */
export class Auditor {
  private readonly unheard: UnheardProbes;
  /** Directions whose flow stopped while their phone is heard from elsewhere. */
  readonly deadDirections: DeadDirections;
  /** When the last successful dump came back (monotonic ms), for `auditIfOlder`. */
  private lastDumpAt = -Infinity;
  private running: Promise<void> | null = null;

  constructor(
    private readonly ctx: EngineContext,
    private readonly port: FlowPort,
  ) {
    this.unheard = new UnheardProbes(ctx);
    this.deadDirections = new DeadDirections(ctx);
  }

  /** Reads the counters of probing bridges; a remote seen sending lets them go on. */
  async probeTick(): Promise<void> {
    const probing = [...this.ctx.tracked].filter(([, t]) => t.state === 'probing').map(([id]) => id);
    await Promise.all(
      probing.map(async (id) => {
        await readPairCounters(this.ctx.reconciler, this.port, id).catch(() => undefined);
        this.unheard.check(id, this.ctx.clock.now());
        this.ctx.scheduler.schedule(id);
      }),
    );
    this.unheard.prune();
  }

  /**
   * The counters of the last audit when they are younger than `maxAgeMs`, else a new audit
   * (or the one already running): a listing served from the periodic audit costs no dump, and
   * with thousands of flows a dump per `list` took seconds.
   */
  auditIfOlder(maxAgeMs: number): Promise<void> {
    if (this.running) return this.running;
    if (this.ctx.clock.now() - this.lastDumpAt < maxAgeMs) return Promise.resolve();
    return this.audit();
  }

  /** One audit at a time: a caller arriving while one runs shares it. */
  audit(): Promise<void> {
    if (this.running) return this.running;
    const p = this.auditOnce().finally(() => {
      this.running = null;
    });
    this.running = p;
    return p;
  }

  /**
   * One dump of all our flows: counters, egress movement, missing flows, delivery. Yields to
   * the event loop every AUDIT_SLICE bridges; a flow installed after the dump was asked for
   * cannot be in it, so it is not taken for removed (nor re-added for nothing).
   */
  private async auditOnce(): Promise<void> {
    const { reconciler, clock } = this.ctx;
    const mark = reconciler.writeMark;
    let dump: InstalledFlow[];
    try {
      dump = await this.port.dump(tagCookie(this.ctx.cfg.plan.cookieTag), TAG_MASK);
    } catch (err) {
      this.ctx.log.warn('audit dump failed', { error: (err as Error).message });
      return;
    }
    reconciler.updateCounters(dump);
    this.lastDumpAt = clock.now();
    const present = new Set(dump.map((f) => f.key));
    let now = clock.now();
    let seen = 0;
    for (const [bridgeId, t] of this.ctx.tracked) {
      if (++seen % AUDIT_SLICE === 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.ctx.scheduler.stopped) return;
        now = clock.now();
      }
      const flows = reconciler.desiredOf(bridgeId);
      const missing = flows
        .map((f) => flowKey(f))
        .filter((key) => !present.has(key) && !reconciler.installedAfter(key, mark));
      if (missing.length > 0) {
        // Someone (an idle timeout, another controller, a switch restart) removed our flow.
        for (const key of missing) reconciler.forget(key);
        this.ctx.scheduler.schedule(bridgeId);
        continue;
      }
      if (t.state === 'offloaded') this.checkOffloaded(bridgeId, t, flows, now);
    }
    this.deadDirections.prune(this.ctx.tracked);
  }

  private checkOffloaded(bridgeId: string, t: Tracked, flows: readonly FlowSpec[], now: number): void {
    if (this.egressMoved(t, flows)) {
      // Asterisk relayed something the switch missed (a rebinding, a re-INVITE): re-read
      // both legs; if nothing changed and it keeps moving, give the call back to Asterisk.
      t.egressStrikes++;
      this.ctx.log.debug('Asterisk relays on an offloaded bridge: reading its legs again', { bridgeId });
      for (const ch of this.ctx.model.membersOf(bridgeId)) this.ctx.model.markLegStale(ch.info.id);
      if (t.egressStrikes >= EGRESS_STRIKES) {
        this.giveBack(bridgeId, t, 'Asterisk keeps relaying RTP the switch does not match', now);
      } else {
        this.ctx.scheduler.schedule(bridgeId);
      }
      return;
    }
    t.egressStrikes = 0;
    this.checkDirections(bridgeId, t, flows, now);
    if (t.offloadedAt === null || now - t.offloadedAt < this.ctx.cfg.deliveryGraceMs) return;
    const astray = deliveryProblem(
      this.ctx.model.membersOf(bridgeId),
      legCounters(this.ctx, bridgeId),
      t.reportsAtOffload,
      t.offloadedAt,
      this.ctx.cfg.deliveryGraceMs,
    );
    if (astray) this.giveBack(bridgeId, t, astray, now);
  }

  /**
   * A direction whose flow stopped while its phone is heard from another port is reported
   * once (state reason, metric, warning); the leg is read again once, in case Asterisk
   * follows the new source (strictrtp=no), which then moves the flows.
   */
  private checkDirections(bridgeId: string, t: Tracked, flows: readonly FlowSpec[], now: number): void {
    const dead = this.deadDirections.check(flows, now);
    if (sameDead(dead, t.deadDirection)) return;
    if (dead) {
      this.ctx.counters.deadDirections++;
      this.ctx.log.warn('RTP direction dead: the phone sends from a port the flow does not match', {
        bridgeId,
        channel: dead.channel,
        from: dead.oldSource,
        to: dead.newSource,
      });
      this.ctx.model.markLegStale(dead.channelId);
    } else if (t.deadDirection) {
      this.ctx.log.info('RTP direction alive again', { bridgeId, channel: t.deadDirection.channel });
    }
    t.deadDirection = dead;
    this.ctx.scheduler.schedule(bridgeId);
  }

  /** Whether an egress-watch counter grew since the last audit (and remembers the new values). */
  private egressMoved(t: Tracked, flows: readonly FlowSpec[]): boolean {
    let moved = false;
    for (const f of flows) {
      if (f.owner.role !== 'egress-watch') continue;
      const key = flowKey(f);
      const packets = this.ctx.reconciler.installed(key)?.packets ?? 0;
      const before = t.egressSeen.get(key);
      t.egressSeen.set(key, packets);
      if (before !== undefined && packets > before) moved = true;
    }
    return moved;
  }

  private giveBack(bridgeId: string, t: Tracked, detail: string, now: number): void {
    this.ctx.log.warn('media astray, reverting with back-off', { bridgeId, detail });
    t.backoffUntil = now + this.ctx.cfg.backoffMs;
    t.backoffCause = detail;
    this.ctx.scheduler.schedule(bridgeId);
  }
}

function sameDead(a: DeadDirection | null, b: DeadDirection | null): boolean {
  return a?.channelId === b?.channelId && a?.newSource === b?.newSource;
}

/**
 * Media is astray when the switch forwards a leg's packets, the far side keeps sending
 * RTCP receiver reports, yet none of them advance for the SSRCs it received before the
 * offload. Silence (DTX, mute) forwards nothing and so proves nothing either way.
 * Returns why, or null; called once the delivery grace after `offloadedAt` has passed.
 */
export function deliveryProblem(
  members: readonly ChannelState[],
  counters: readonly LegStatus[],
  reportsAtOffload: ReadonlyMap<string, ReadonlyMap<number, number>>,
  offloadedAt: number,
  graceMs: number,
): string | null {
  if (members.length !== 2) return null;
  const freshAfter = offloadedAt + graceMs / 2;
  for (const [from, to] of [
    [members[0]!, members[1]!],
    [members[1]!, members[0]!],
  ] as const) {
    const forwarded = counters.find((c) => c.channelId === from.info.id)?.packets ?? 0;
    const before = reportsAtOffload.get(to.info.id);
    if (!before || before.size === 0 || forwarded === 0) continue;
    let freshReport = false;
    let advanced = false;
    for (const [ssrc, seq] of before) {
      const r = to.receivedReports.get(ssrc);
      if (!r) continue;
      if (r.at > freshAfter) freshReport = true;
      if (r.highestSequence > seq) advanced = true;
    }
    const newer = [...to.receivedReports.values()].some((r) => r.at > freshAfter);
    if (newer && freshReport && !advanced) {
      return `${to.info.name} reports no new RTP although the switch forwarded ${forwarded} packets`;
    }
  }
  return null;
}
