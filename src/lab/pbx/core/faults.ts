import type { ManagerEvent } from '../ami/events.js';
import type { SimChannel } from '../model/objects.js';

/**
 * What a dropped hangup hides from the wire:
 * - `channel`: the channel's own HangupRequest, SoftHangupRequest, BridgeLeave and Hangup;
 * - `call`: everything of that teardown: both parties' events and the bridge's
 *   BridgeLeave/BridgeDestroy, so a client never learns the call is gone.
 */
export type HangupDropScope = 'channel' | 'call';

/**
 * Fault injection on the event path. The PBX's own state changes as usual (the call is
 * gone, its sockets closed); only what AMI (and ARI) clients hear is cut. Listeners of
 * `onManagerEvent` still see every event.
 */
export class FaultInjector {
  private readonly armed = new Map<string, HangupDropScope>();
  private muted: { readonly channels: Set<string>; readonly bridges: Set<string> } | null = null;
  private dropped = 0;

  /** The next hangup of the channel with this Uniqueid (or name) is not published. */
  dropNextHangup(uniqueidOrName: string, scope: HangupDropScope = 'call'): void {
    this.armed.set(uniqueidOrName, scope);
  }

  /** Events cut from the wire so far. */
  get droppedEvents(): number {
    return this.dropped;
  }

  /** Runs a hangup of `c`; when armed for it, the events it raises stay off the wire. */
  during<T>(c: SimChannel, run: () => T): T {
    const scope = this.muted ? undefined : (this.armed.get(c.uniqueid) ?? this.armed.get(c.name));
    if (scope === undefined) return run();
    this.armed.delete(c.uniqueid);
    this.armed.delete(c.name);
    const channels = new Set([c.uniqueid]);
    const bridges = new Set<string>();
    if (scope === 'call' && c.bridge) {
      bridges.add(c.bridge.uniqueid);
      for (const other of c.bridge.channels) channels.add(other.uniqueid);
    }
    this.muted = { channels, bridges };
    try {
      return run();
    } finally {
      this.muted = null;
    }
  }

  /** False for an event a dropped hangup hides. */
  passes(e: ManagerEvent): boolean {
    const m = this.muted;
    if (!m) return true;
    const field = (name: string): string | undefined => e.fields.find(([k]) => k === name)?.[1];
    const uniqueid = field('Uniqueid');
    const bridge = field('BridgeUniqueid');
    const hit =
      (uniqueid !== undefined && m.channels.has(uniqueid)) || (bridge !== undefined && m.bridges.has(bridge));
    if (hit) this.dropped++;
    return !hit;
  }
}
