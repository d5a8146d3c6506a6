import type { PbxEvent, PbxSource, SocketAddr } from '../model/pbx.js';
import type { FlowPort, FlowRemoved } from '../switch/flow-port.js';
import type { TimerHandle } from '../time/clock.js';
import type { EngineContext } from './context.js';
import { applyListing } from './listing.js';
import { allBridgeIds } from './tracked.js';

/**
 * The engine's side of its two connections. Asterisk: events into the model, a full listing
 * on every (re)connection, a grace period on disconnection, everything dropped when it
 * restarted. The switch: the installed flows read on every (re)connection, then a full sync.
 */
export class Lifecycle {
  private pbxDown: { since: number; timer: TimerHandle } | null = null;
  /** Events that arrive while a full listing is under way, applied on top of it. */
  private resyncBuffer: PbxEvent[] | null = null;

  constructor(
    private readonly ctx: EngineContext,
    private readonly source: PbxSource,
    private readonly port: FlowPort,
  ) {}

  /** Subscribes to Asterisk's events and the switch's flow removals. */
  listen(): void {
    this.source.onEvent((e) => this.handle(e));
    this.port.onFlowRemoved((r) => this.flowRemoved(r));
  }

  /** Told where each RTCPReceived came from (dead-direction evidence). */
  onRtcp: ((channelId: string, from: SocketAddr | null) => void) | null = null;

  handle(e: PbxEvent): void {
    if (e.kind === 'rtcp-received') this.onRtcp?.(e.channelId, e.from);
    if (e.kind === 'connected') return void this.pbxConnected(e.restarted);
    if (e.kind === 'disconnected') return this.pbxDisconnected(e.reason);
    if (this.resyncBuffer) {
      this.resyncBuffer.push(e);
      return;
    }
    for (const id of this.ctx.model.apply(e, this.ctx.clock.now())) this.ctx.scheduler.schedule(id);
  }

  /**
   * After every (re)connection to the switch (called by whoever knows the switch facts):
   * adopt what is there, then one full diff, which reinstalls what a restart lost.
   */
  async switchReady(): Promise<void> {
    try {
      const flows = await this.ctx.reconciler.refresh();
      this.ctx.flags.mirrorLoaded = true;
      this.ctx.log.info('switch ready', { ourFlows: flows.length });
      await this.fullSync();
    } catch (err) {
      this.ctx.log.error('switch resync failed', { error: (err as Error).message });
    }
  }

  /**
   * Re-evaluates every bridge, then deletes our flows that no bridge wants: only once both
   * the switch and Asterisk have been read, or a restarted agent would delete the flows of
   * every live call it simply has not heard about yet.
   */
  async fullSync(): Promise<void> {
    const { ctx } = this;
    for (const id of allBridgeIds(ctx.model, ctx.tracked)) ctx.scheduler.schedule(id);
    await ctx.scheduler.idle();
    if (!ctx.flags.mirrorLoaded || !ctx.flags.pbxSynced) return;
    const res = await ctx.reconciler.sync();
    ctx.counters.flowDeletes += res.deleted;
  }

  /** The switch removed a flow (idle timeout, another controller): its bridge is looked at again. */
  flowRemoved(r: FlowRemoved): void {
    if (r.key === null) return;
    const owner = this.ctx.reconciler.forget(r.key);
    if (owner) {
      this.ctx.log.debug('flow removed by the switch', {
        bridgeId: owner,
        reason: r.reason,
        packets: r.packets,
      });
      this.ctx.scheduler.schedule(owner);
    }
  }

  stop(): void {
    this.pbxDown?.timer.cancel();
  }

  private async pbxConnected(restarted: boolean): Promise<void> {
    const wasDown = this.pbxDown !== null;
    this.pbxDown?.timer.cancel();
    this.pbxDown = null;
    this.ctx.flags.pbxGone = false;
    if (restarted) await this.dropEverything();
    await this.resync(restarted, wasDown);
  }

  /** Every call of the previous Asterisk is gone; its ports may be reused by new calls. */
  private async dropEverything(): Promise<void> {
    const { ctx } = this;
    ctx.log.warn('Asterisk restarted: dropping every offloaded call');
    for (const id of allBridgeIds(ctx.model, ctx.tracked)) ctx.reconciler.setDesired(id, []);
    await ctx.reconciler
      .sync()
      .catch((err: Error) => ctx.log.error('cannot drop flows', { error: err.message }));
    ctx.model.bridges.clear();
    ctx.model.channels.clear();
    ctx.tracked.clear();
  }

  /**
   * A listing takes a while with many calls; what happens meanwhile (a call bridged, a
   * hangup) may or may not be in it. Events are held and applied on top of the listing:
   * applying a change already in it again leaves the same state.
   */
  private async resync(restarted: boolean, afterOutage: boolean): Promise<void> {
    try {
      const count = await this.applyListing('full');
      this.ctx.flags.pbxSynced = true;
      this.ctx.log.info('resynced with Asterisk', { bridges: count, restarted, afterOutage });
      // Calls that ended while we were not listening leave flows behind: remove them.
      await this.fullSync();
    } catch (err) {
      // Keep what we had and what happened since; the next (re)connection lists again.
      this.ctx.log.error('resync with Asterisk failed', { error: (err as Error).message });
    }
  }

  /**
   * Events are hints; Asterisk's listing is the truth. The periodic re-list (one listing for
   * all bridges) drops bridges Asterisk no longer has, so a missed hangup cannot leave a flow
   * that the next idle expiry would add again, and re-reads legs of bridges that changed.
   * Skipped while disconnected or while another listing runs.
   */
  async relist(): Promise<void> {
    const { ctx } = this;
    if (this.pbxDown || this.resyncBuffer || !ctx.flags.pbxSynced || ctx.flags.pbxGone) return;
    try {
      const before = new Set(ctx.model.bridges.keys());
      await this.applyListing('cheap');
      const gone = [...before].filter((id) => !ctx.model.bridges.has(id));
      if (gone.length > 0) ctx.log.warn('bridges gone without a hangup seen', { bridges: gone });
      this.prunePins();
      await ctx.scheduler.idle();
    } catch (err) {
      ctx.log.warn('re-list of Asterisk failed', { error: (err as Error).message });
    }
  }

  /** Lists every bridge, applies it (events meanwhile on top) and schedules what changed. */
  private async applyListing(mode: 'full' | 'cheap'): Promise<number> {
    const { model, clock, scheduler } = this.ctx;
    const held: PbxEvent[] = [];
    this.resyncBuffer = held;
    let dirty = new Set<string>();
    let count = 0;
    try {
      const bridges = await this.source.listBridges();
      dirty = applyListing(model, bridges, clock.now(), mode);
      count = bridges.length;
    } finally {
      // Applied on top of the listing, or on what we had when it failed.
      if (this.resyncBuffer === held) this.resyncBuffer = null;
      for (const e of held) for (const id of model.apply(e, clock.now())) dirty.add(id);
      for (const id of dirty) scheduler.schedule(id);
    }
    return count;
  }

  /** Pins name bridges or channels; a pin outlives neither, so pins stay as many as the calls. */
  private prunePins(): void {
    const { pins, model } = this.ctx;
    for (const id of pins.keys()) if (!model.bridges.has(id) && !model.channels.has(id)) pins.delete(id);
  }

  private pbxDisconnected(reason: string): void {
    if (this.pbxDown) return;
    const { ctx } = this;
    ctx.log.warn('Asterisk connection lost; keeping flows during the grace period', {
      reason,
      graceMs: ctx.cfg.disconnectGraceMs,
    });
    const timer = ctx.clock.setTimeout(() => {
      ctx.flags.pbxGone = true;
      ctx.log.warn('Asterisk still unreachable: reverting every offloaded call');
      for (const id of allBridgeIds(ctx.model, ctx.tracked)) ctx.scheduler.schedule(id);
    }, ctx.cfg.disconnectGraceMs);
    this.pbxDown = { since: ctx.clock.now(), timer };
  }
}
