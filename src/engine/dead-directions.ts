import type { SocketAddr } from '../model/pbx.js';
import { flowKey, type FlowSpec } from '../plan/flow-spec.js';
import { fmt } from '../policy/eligibility.js';
import type { EngineContext } from './context.js';
import type { Tracked } from './tracked.js';

/**
 * RTCP from elsewhere older than this proves nothing about a stall seen now: phones send
 * RTCP every ~5 s, so two intervals cover one missed report.
 */
const ELSEWHERE_FRESH_MS = 12_000;

/** A direction of an offloaded bridge whose remote now sends from somewhere the flow does not match. */
export interface DeadDirection {
  readonly channelId: string;
  readonly channel: string;
  readonly oldSource: string;
  readonly newSource: string;
}

interface FlowWatch {
  packets: number;
  /** When the counter last grew; null while it has never counted. */
  grewAt: number | null;
  /** The counter stood still in an audit after it had grown. */
  stalled: boolean;
}

/**
 * Notices a dead direction: a NAT rebinding moved a phone's RTP source with no SIP, and
 * Asterisk (strictrtp=yes, learning closed) drops the new source, so the switch's
 * forwarding flow stops counting while the phone is still heard, by its RTCP, from another
 * port. Silence (mute, DTX) stops the flow too but sends RTCP from the same place, and is
 * never reported. Only reports: the other direction still works through the switch, and
 * Asterisk would lose this one as well.
 */
export class DeadDirections {
  /** Flow key of an rtp-forward flow → what its counter did. */
  private readonly flows = new Map<string, FlowWatch>();
  /** Channel id → the last RTCP source seen for it, since when it is that source, and when last. */
  private readonly rtcpFrom = new Map<string, { from: SocketAddr; since: number; at: number }>();

  constructor(private readonly ctx: Pick<EngineContext, 'reconciler' | 'model' | 'cfg'>) {}

  /** An RTCPReceived: where the phone's RTCP comes from now. */
  noteRtcp(channelId: string, from: SocketAddr | null, now: number): void {
    if (!from) return;
    const r = this.rtcpFrom.get(channelId);
    if (r && r.from.address === from.address && r.from.port === from.port) r.at = now;
    else this.rtcpFrom.set(channelId, { from, since: now, at: now });
  }

  /**
   * After an audit read the counters of an offloaded bridge: updates the flows' watch and
   * returns the dead direction found, or null. Flows reinstalled after an idle timeout
   * (FLOW_REMOVED) start again from zero and keep their stall.
   */
  check(flows: readonly FlowSpec[], now: number): DeadDirection | null {
    let dead: DeadDirection | null = null;
    for (const f of flows) {
      if (f.owner.role !== 'rtp-forward') continue;
      const key = flowKey(f);
      const packets = this.ctx.reconciler.installed(key)?.packets ?? 0;
      const w = this.flows.get(key) ?? { packets, grewAt: null, stalled: false };
      if (packets > w.packets || (w.grewAt === null && packets > 0)) {
        w.grewAt = now;
        w.stalled = false;
      } else if (w.grewAt !== null && packets <= w.packets) {
        w.stalled = true;
      }
      w.packets = packets;
      this.flows.set(key, w);
      if (w.stalled && !dead) dead = this.heardElsewhere(f.owner.channelId, w.grewAt ?? now, now);
    }
    return dead;
  }

  /** The leg's remote heard by RTCP from a port other than its own RTCP port, lately. */
  private heardElsewhere(channelId: string, since: number, now: number): DeadDirection | null {
    const ch = this.ctx.model.channels.get(channelId);
    const remote = ch?.leg?.remote;
    const r = this.rtcpFrom.get(channelId);
    if (!ch || !remote || !r || now - r.at > ELSEWHERE_FRESH_MS) return null;
    // Behind a NAT RTCP may always come from some other port: only a source that changed
    // about when the flow stopped counting is evidence; a muted phone's RTCP keeps its port.
    if (r.since < since - this.auditSlackMs()) return null;
    const own =
      r.from.address === remote.address && (r.from.port === remote.port + 1 || r.from.port === remote.port);
    if (own) return null;
    return { channelId, channel: ch.info.name, oldSource: fmt(remote), newSource: fmt(r.from) };
  }

  /** How long before the last counted packet the rebinding may have happened: one audit, and some. */
  private auditSlackMs(): number {
    return 2 * this.ctx.cfg.auditIntervalMs;
  }

  /** Forgets flows and channels no bridge has any more. */
  prune(tracked: ReadonlyMap<string, Tracked>): void {
    const live = new Set<string>();
    for (const id of tracked.keys()) for (const f of this.ctx.reconciler.desiredOf(id)) live.add(flowKey(f));
    for (const key of this.flows.keys()) if (!live.has(key)) this.flows.delete(key);
    for (const id of this.rtcpFrom.keys()) if (!this.ctx.model.channels.has(id)) this.rtcpFrom.delete(id);
  }
}
