import type { EngineContext } from '../../../src/engine/context.js';
import { BridgeScheduler } from '../../../src/engine/scheduler.js';
import type { EngineConfig } from '../../../src/engine/types.js';
import { silentLogger } from '../../../src/log.js';
import { CallModel } from '../../../src/model/call-model.js';
import type { PbxEvent } from '../../../src/model/pbx.js';
import type { Decision } from '../../../src/policy/eligibility.js';
import { TAG_MASK, tagCookie } from '../../../src/plan/cookie.js';
import { Reconciler } from '../../../src/switch/reconciler.js';
import { rtpLeg, v4 } from '../core/fixtures.js';
import { MemoryPort } from '../core/memory-port.js';
import { alice, bob, cfg, ManualClock } from './harness.js';

/**
 * The shared state of the engine's parts, for testing one part at its own boundary: the
 * scheduler only records which bridges it was asked to evaluate.
 */
export function makeContext(over: Partial<EngineConfig> = {}): {
  ctx: EngineContext;
  port: MemoryPort;
  clock: ManualClock;
  evaluated: string[];
} {
  const port = new MemoryPort();
  const clock = new ManualClock();
  const config = { ...cfg, ...over };
  const evaluated: string[] = [];
  const ctx: EngineContext = {
    model: new CallModel(),
    reconciler: new Reconciler(port, tagCookie(config.plan.cookieTag), TAG_MASK),
    tracked: new Map(),
    pins: new Map(),
    flags: {
      killSwitch: false,
      pbxGone: false,
      mirrorLoaded: true,
      pbxSynced: true,
      switchFacts: { bridgeMac: '02:00:00:00:00:01', uplinkPort: 1 },
    },
    counters: {
      evaluations: 0,
      flowAdds: 0,
      flowDeletes: 0,
      flowFailures: 0,
      reverts: 0,
      offloads: 0,
      deadDirections: 0,
    },
    listeners: { offloaded: [], reverted: [] },
    cfg: config,
    clock,
    log: silentLogger,
    scheduler: new BridgeScheduler(async (id) => void evaluated.push(id), 4, clock, silentLogger),
  };
  return { ctx, port, clock, evaluated };
}

/** Bridge B with alice and bob, both legs read (wildcard local, remotes .10 and .11). */
export function twoParty(model: CallModel, now: number): void {
  const events: PbxEvent[] = [
    { kind: 'bridge-created', bridgeId: 'B', technology: 'native_rtp', bridgeClass: 'basic' },
    {
      kind: 'channel-entered',
      bridgeId: 'B',
      channel: alice,
      technology: 'native_rtp',
      memberCount: 1,
      swapChannelId: null,
    },
    {
      kind: 'channel-entered',
      bridgeId: 'B',
      channel: bob,
      technology: 'native_rtp',
      memberCount: 2,
      swapChannelId: null,
    },
  ];
  for (const e of events) model.apply(e, now);
  model.setTechnology('B', 'native_rtp');
  model.setLeg('1.1', rtpLeg('1.1', v4('0.0.0.0', 10000), v4('198.51.100.10', 4000)));
  model.setLeg('1.2', rtpLeg('1.2', v4('0.0.0.0', 10002), v4('198.51.100.11', 5000)));
}

/** What policy says when both legs of B are ready to forward. */
export const OFFLOAD_B: Decision = {
  offload: true,
  legs: [
    {
      channelId: '1.1',
      local: v4('198.51.100.1', 10000),
      remote: v4('198.51.100.10', 4000),
      nextHopMac: '02:00:00:00:00:aa',
      dscp: 46,
    },
    {
      channelId: '1.2',
      local: v4('198.51.100.1', 10002),
      remote: v4('198.51.100.11', 5000),
      nextHopMac: '02:00:00:00:00:bb',
      dscp: 46,
    },
  ],
};

/** Adds `packets` to every flow of a role on the switch and reads the counters back. */
export async function count(
  port: MemoryPort,
  ctx: EngineContext,
  role: string,
  packets: number,
): Promise<void> {
  for (const v of port.table.values()) if (v.spec.owner.role === role) v.packets += packets;
  await ctx.reconciler.refresh();
}
