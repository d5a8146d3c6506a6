/**
 * Our own ECHO keepalive (OpenFlow 1.3.5 §6.3.2). Any message from the switch proves it alive;
 * after `intervalMs` of silence we send an ECHO_REQUEST, and after `deadAfterMs` of silence
 * the switch is declared dead. OVS's own probe of a `.mgmt` connection (60 s + 60 s) is far
 * too slow to notice a hung vswitchd from our side.
 */

import type { Clock, Timer } from './clock.js';

export interface KeepaliveOptions {
  readonly clock: Clock;
  /** Silence before a probe. */
  readonly intervalMs: number;
  /** Silence after which the peer counts as dead; larger than `intervalMs`. */
  readonly deadAfterMs: number;
  readonly sendProbe: () => void;
  readonly onDead: (silentMs: number) => void;
}

export class EchoKeepalive {
  private lastHeard = 0;
  private timer: Timer | undefined;

  constructor(private readonly options: KeepaliveOptions) {}

  start(): void {
    this.stop();
    this.lastHeard = this.options.clock.now();
    this.arm(this.options.intervalMs);
  }

  /** Something arrived from the peer. */
  heard(): void {
    this.lastHeard = this.options.clock.now();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = this.options.clock.setTimeout(() => this.tick(), ms);
  }

  private tick(): void {
    const { clock, intervalMs, deadAfterMs } = this.options;
    const silent = clock.now() - this.lastHeard;
    if (silent >= deadAfterMs) {
      this.timer = undefined;
      this.options.onDead(silent);
      return;
    }
    if (silent >= intervalMs) {
      this.options.sendProbe();
      // Wake again one interval later, or at the dead line if that comes first.
      this.arm(Math.min(intervalMs, deadAfterMs - silent));
      return;
    }
    this.arm(intervalMs - silent);
  }
}
