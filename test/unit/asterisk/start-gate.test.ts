import { describe, expect, it, vi } from 'vitest';
import { StartGate } from '../../../src/asterisk/shared/start-gate.js';

class Refused extends Error {}

describe('the start gate of a source', () => {
  it('resolves on the first ready, and joins a start already under way', async () => {
    const gate = new StartGate<Refused>();
    const begin = vi.fn();
    const a = gate.open(
      1000,
      () => new Refused('late'),
      begin,
      () => undefined,
    );
    const b = gate.open(
      1000,
      () => new Refused('late'),
      begin,
      () => undefined,
    );
    expect(b).toBe(a);
    expect(begin).toHaveBeenCalledTimes(1);
    gate.succeed();
    await expect(a).resolves.toBeUndefined();
    gate.succeed(); // later readies (reconnects) are not the gate's business
  });

  it('stops the source before rejecting, on refusal or timeout', async () => {
    vi.useFakeTimers();
    try {
      const order: string[] = [];
      const gate = new StartGate<Refused>();
      const started = gate.open(
        50,
        () => new Refused('nothing answered'),
        () => undefined,
        async () => void order.push('stopped'),
      );
      const settled = started.catch((e: Error) => order.push(`rejected: ${e.message}`));
      await vi.advanceTimersByTimeAsync(60);
      await settled;
      expect(order).toEqual(['stopped', 'rejected: nothing answered']);
      gate.fail(new Refused('again')); // nothing pending: no effect
    } finally {
      vi.useRealTimers();
    }
  });
});
