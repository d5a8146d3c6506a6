import { afterAll, describe, expect, it } from 'vitest';
import { OffloadLab } from '../../src/lab/offload-lab.js';

/**
 * res_rtp_offload unloaded for a moment and loaded again: the agent falls back to Getvar
 * while it is gone and uses it again once it is back. Without payload-type numbers
 * (`assumeSamePayloadTypes: false`) only the module makes a call eligible, so a call that
 * never gets offloaded after the module returned shows the agent dropped it for good.
 */
let lab: OffloadLab;
afterAll(async () => {
  await lab?.destroy();
});

const state = (bridgeId: string) => lab.agent!.engine.statusOf(bridgeId);

describe('the module unloaded and loaded again at run time', () => {
  it('is detected again on its Load event: calls refused for unknown payload types are offloaded', async () => {
    lab = await OffloadLab.create({
      pbx: { rtpOffloadModule: true },
      agent: { policy: { minBridgeAgeMs: 300, assumeSamePayloadTypes: false } },
    });
    lab.gen.start();
    const first = await lab.placeCall();
    await lab.until('first call offloaded', () => lab.stateOf(first) === 'offloaded', 15_000);

    lab.pbx.modules.unload();
    const second = await lab.placeCall();
    await lab.until(
      'second call refused without the module',
      () => state(second.call.bridgeId)?.reason === 'payload-types-unknown',
      15_000,
    );
    // Still refused a while later: nothing else reads payload types.
    await new Promise((r) => setTimeout(r, 1000));
    expect(state(second.call.bridgeId)?.reason).toBe('payload-types-unknown');

    lab.pbx.modules.load();
    await lab.until(
      'second call offloaded once the module is back',
      () => lab.stateOf(second) === 'offloaded',
      15_000,
    );
    const third = await lab.placeCall();
    await lab.until('a new call offloaded with the module', () => lab.stateOf(third) === 'offloaded', 15_000);
    expect(lab.stateOf(first)).toBe('offloaded');
  }, 90_000);
});
