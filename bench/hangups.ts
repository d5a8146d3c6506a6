import type { Agent } from '../src/agent.js';
import type { CallView, PbxProcess } from '../src/lab/pbx/index.js';
import { wallClockMs } from './pbx-notice.js';

/**
 * Hangs up `calls` all at once at the PBX and measures, per bridge, the milliseconds from the
 * agent receiving the first Hangup event of its channels to the engine's `reverted` (fired
 * once the switch answered the barrier behind the deletes): hangup → flows removed.
 */
export async function massHangup(
  agent: Agent,
  pbx: PbxProcess,
  calls: readonly CallView[],
  timeoutMs: number,
): Promise<{ latencies: number[]; eventSpreadMs: number }> {
  const bridgeOf = new Map<string, string>();
  for (const c of calls) {
    bridgeOf.set(c.caller.uniqueid, c.bridgeId);
    bridgeOf.set(c.callee.uniqueid, c.bridgeId);
  }
  const hungUp = new Map<string, number>();
  const removed = new Map<string, number>();
  agent.source.onEvent((e) => {
    if (e.kind !== 'hangup') return;
    const b = bridgeOf.get(e.channelId);
    if (b !== undefined && !hungUp.has(b)) hungUp.set(b, wallClockMs());
  });
  agent.engine.on('reverted', (bridgeId) => {
    if (hungUp.has(bridgeId) && !removed.has(bridgeId)) removed.set(bridgeId, wallClockMs());
  });
  await Promise.all(calls.map((c) => pbx.hangup(c.id)));
  const deadline = performance.now() + timeoutMs;
  while (removed.size < calls.length) {
    if (performance.now() > deadline)
      throw new Error(`mass hangup: ${removed.size} of ${calls.length} bridges reverted in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const seen = [...hungUp.values()];
  return {
    latencies: [...removed].map(([b, at]) => at - hungUp.get(b)!),
    eventSpreadMs: Math.max(...seen) - Math.min(...seen),
  };
}
