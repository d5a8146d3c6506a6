import { describe, expect, it } from 'vitest';
import { ChannelGoneError, GoneChannels } from '../../../src/asterisk/shared/gone-channels.js';

describe('channels whose hangup was seen', () => {
  it('refuses a read of a gone channel before it is sent, and lets others through', async () => {
    const gone = new GoneChannels();
    gone.add('1.1');
    let sent = 0;
    const read = (): Promise<string> => {
      sent++;
      return Promise.resolve('ok');
    };
    await expect(gone.guard('1.1', 'PJSIP/alice-1', read)).rejects.toBeInstanceOf(ChannelGoneError);
    await expect(gone.guard('1.2', 'PJSIP/bob-2', read)).resolves.toBe('ok');
    expect(sent).toBe(1);
    expect(() => gone.check('1.1', 'PJSIP/alice-1')).toThrow(/has hung up/);
  });

  it('forgets the oldest first once full', () => {
    const gone = new GoneChannels(2);
    gone.add('a');
    gone.add('b');
    gone.add('c');
    expect([gone.has('a'), gone.has('b'), gone.has('c')]).toEqual([false, true, true]);
  });
});
