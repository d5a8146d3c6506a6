import type { PartySpec, SimCall } from '../call.js';
import type { SimBridge, SimChannel } from '../model/objects.js';
import type { Codec, ResolvedEndpoint } from '../options.js';
import type { FaultInjector } from './faults.js';
import type { PbxState } from './state.js';

/** Dialplan fields a new channel starts with. */
export interface ChannelFields {
  readonly context: string;
  readonly exten: string;
  readonly appl: string;
  readonly data: string;
}

/** Bridge mechanics (main/bridge.c): joining, leaving, dissolving, re-choosing technology. */
export interface BridgeOps {
  newBridge(): SimBridge;
  enter(bridge: SimBridge, c: SimChannel, swap: SimChannel | null): void;
  leave(bridge: SimBridge, c: SimChannel): void;
  destroy(bridge: SimBridge): void;
  scheduleReconfigure(bridge: SimBridge, delayMs: number): void;
  reconfigure(bridge: SimBridge, restartRelay: boolean): void;
  stopMoh(c: SimChannel): void;
}

/** Channel life: creation with RTP, Local halves, hangup and removal. */
export interface ChannelOps {
  newChannel(
    ep: ResolvedEndpoint,
    party: PartySpec,
    callCodec: Codec,
    fields: ChannelFields,
  ): Promise<SimChannel>;
  newLocalHalf(name: string, linkedid: string, ep: ResolvedEndpoint, fields: ChannelFields): SimChannel;
  /** Hangs up a channel and dissolves its bridge, as ast_hangup in a basic bridge does. */
  hangup(channel: SimChannel, cause: number, techCause?: number): void;
  /** The Hangup of one channel (and its Local partner), without touching its bridge. */
  finish(c: SimChannel, cause: number, techCause: number): void;
  /** Gone without events (set-up failed, restart). */
  drop(c: SimChannel): void;
}

/** The parts of the PBX, wired once by SimulatedPbx; each part reaches the others here. */
export interface PbxContext {
  readonly state: PbxState;
  readonly bridges: BridgeOps;
  readonly channels: ChannelOps;
  readonly faults: FaultInjector;
  /** A pending AMI Atxfer completes when its transferer hangs up; true when it did. */
  completeAtxfer(transferer: SimChannel): boolean;
  /** A new scenario handle for a two-party bridge. */
  newCall(bridge: SimBridge, caller: SimChannel, callee: SimChannel, dtmfFeatures: boolean): SimCall;
}
