import { describe, expect, it } from 'vitest';
import { readRtpLeg, type LegReadBackend } from '../../../src/asterisk/ami/leg-reader.js';
import type { ChannelInfo } from '../../../src/model/pbx.js';

const channel: ChannelInfo = {
  id: '1754470001.14',
  name: 'PJSIP/bob-00000007',
  driver: 'pjsip',
  endpoint: 'bob',
  state: 6,
  context: 'internal',
  exten: '2002',
  linkedId: '1754470001.13',
};

/** Values as Asterisk 22 answers them for a bridged chan_pjsip leg. */
const VALUES: Record<string, string> = {
  'CHANNEL(rtp,src)': '198.51.100.1:12164',
  'CHANNEL(rtp,dest)': '198.51.100.23:40012',
  'CHANNEL(rtp,direct)': '(null)',
  'CHANNEL(rtp,secure)': '0',
  'CHANNEL(rtp,hold)': '0',
  'CHANNEL(audionativeformat)': '(ulaw)',
};

function backend(): LegReadBackend & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    getvar: async (_id, v) => (asked.push(v), VALUES[v] ?? ''),
    sipDirectMedia: async () => false,
    heldByEvents: () => false,
    now: () => 0,
  };
}

describe('reading a chan_pjsip leg over AMI', () => {
  it('asks all six variables when nothing is known', async () => {
    const b = backend();
    const r = await readRtpLeg(b, channel);
    expect(b.asked).toHaveLength(6);
    expect(r.leg).toMatchObject({
      local: { address: '198.51.100.1', port: 12164 },
      remote: { address: '198.51.100.23', port: 40012 },
      direct: false,
      secure: false,
      hold: false,
      codec: 'ulaw',
    });
  });

  it('skips what the endpoint configuration and an earlier read already settle', async () => {
    const b = backend();
    const r = await readRtpLeg(b, channel, {
      local: { address: '198.51.100.1', port: 12164, family: 4 },
      directMediaConfigured: false,
      encryptionConfigured: false,
    });
    expect(b.asked.sort()).toEqual(['CHANNEL(audionativeformat)', 'CHANNEL(rtp,dest)', 'CHANNEL(rtp,hold)']);
    expect(r.requests).toBe(3);
    expect(r.leg).toMatchObject({
      local: { port: 12164 },
      remote: { port: 40012 },
      direct: false,
      secure: false,
      codec: 'ulaw',
    });
  });

  it('still asks secure and direct when the endpoint is configured for them', async () => {
    const b = backend();
    await readRtpLeg(b, channel, { directMediaConfigured: true, encryptionConfigured: true });
    expect(b.asked).toContain('CHANNEL(rtp,direct)');
    expect(b.asked).toContain('CHANNEL(rtp,secure)');
  });
});
