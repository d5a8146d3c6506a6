import type { Logger } from '../log.js';
import type { CallModel } from '../model/call-model.js';
import type { Pin } from '../policy/view.js';
import type { Reconciler } from '../switch/reconciler.js';
import type { Clock } from '../time/clock.js';
import type { BridgeScheduler } from './scheduler.js';
import type { TrackedBridges } from './tracked.js';
import type { EngineConfig, EngineCounters, EngineListeners, SwitchFacts } from './types.js';

/** What the engine knows about its surroundings, changed by lifecycle and manual control. */
export interface EngineFlags {
  killSwitch: boolean;
  /** Asterisk has been unreachable for longer than the grace period. */
  pbxGone: boolean;
  /**
   * Whether the installed-flow mirror has been read from the switch. Until then nothing is
   * sent: a restarted agent that decided before reading would "add" probe flows over the
   * forwarding flows it installed before, changing their actions and resetting them.
   */
  mirrorLoaded: boolean;
  /**
   * Whether the calls have been listed from Asterisk at least once. Until then no flow is
   * "unowned": the bridges that own them are simply not known yet.
   */
  pbxSynced: boolean;
  switchFacts: SwitchFacts | null;
  /**
   * Set while the agent knows the switch connection is down: the periodic audits, which
   * ask the switch, wait instead of failing (and logging so) every interval. An engine
   * nobody tells assumes the switch is up.
   */
  switchDown?: boolean;
}

/** The state the engine's parts share; each part reads and changes only what its job needs. */
export interface EngineContext {
  readonly model: CallModel;
  readonly reconciler: Reconciler;
  readonly tracked: TrackedBridges;
  readonly pins: Map<string, Pin>;
  readonly flags: EngineFlags;
  readonly counters: EngineCounters;
  readonly listeners: EngineListeners;
  readonly cfg: EngineConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly scheduler: BridgeScheduler;
}
