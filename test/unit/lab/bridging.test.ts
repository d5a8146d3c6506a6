import { describe, expect, it } from 'vitest';
import { chooseTechnology } from '../../../src/lab/pbx/bridging.js';
import { SimChannel } from '../../../src/lab/pbx/model/objects.js';
import { resolveEndpoint, type EndpointConfig } from '../../../src/lab/pbx/options.js';
import type { RtpLeg } from '../../../src/lab/pbx/rtp/leg.js';

function channel(
  config: EndpointConfig = {},
  codec = 'ulaw',
  o: { up?: boolean; local?: boolean } = {},
): SimChannel {
  const leg = o.local ? null : ({ codec } as RtpLeg);
  const c = new SimChannel('PJSIP/x-00000000', '1.1', '1.1', resolveEndpoint('x', config), leg, 'id', 0, {
    context: 'internal',
    exten: 's',
    appl: '',
    data: '',
  });
  c.state = o.up === false ? 4 : 6;
  return c;
}

describe('bridge technology choice (native_rtp_bridge_compatible_check)', () => {
  it.each([
    ['two plain legs', [channel(), channel()], null, false, 'native_rtp', 'local'],
    [
      'direct media on both',
      [channel({ directMedia: true }), channel({ directMedia: true })],
      null,
      false,
      'native_rtp',
      'remote',
    ],
    [
      'direct media on one leg only: LOCAL wins',
      [channel({ directMedia: true }), channel()],
      null,
      false,
      'native_rtp',
      'local',
    ],
    ['direct media switched on for the call', [channel(), channel()], true, false, 'native_rtp', 'remote'],
    [
      'SRTP configured on one leg',
      [channel({ mediaEncryption: 'sdes' }), channel()],
      null,
      false,
      'simple_bridge',
      null,
    ],
    [
      'DTLS configured',
      [channel(), channel({ mediaEncryption: 'dtls' })],
      null,
      false,
      'simple_bridge',
      null,
    ],
    ['different codecs', [channel({}, 'ulaw'), channel({}, 'alaw')], null, false, 'simple_bridge', null],
    ['DTMF feature hooks with RFC 4733', [channel(), channel()], null, true, 'simple_bridge', null],
    [
      'DTMF feature hooks with SIP INFO',
      [channel({ dtmfMode: 'info' }), channel({ dtmfMode: 'info' })],
      null,
      true,
      'native_rtp',
      'local',
    ],
    [
      'different DTMF modes on a local bridge',
      [channel({ dtmfMode: 'info' }), channel()],
      null,
      false,
      'simple_bridge',
      null,
    ],
    ['a leg not yet up', [channel(), channel({}, 'ulaw', { up: false })], null, false, 'simple_bridge', null],
    [
      'a Local channel (no RTP glue)',
      [channel(), channel({}, 'ulaw', { local: true })],
      null,
      false,
      'simple_bridge',
      null,
    ],
    ['one channel', [channel()], null, false, 'simple_bridge', null],
    ['three channels', [channel(), channel(), channel()], null, false, 'simple_bridge', null],
  ] as const)('%s → %s', (_name, channels, direct, dtmf, technology, mode) => {
    const choice = chooseTechnology(channels, direct, dtmf);
    expect([choice.technology, choice.mode]).toEqual([technology, mode]);
  });

  it('refuses native_rtp while an audiohook (MixMonitor) is attached', () => {
    const a = channel();
    const b = channel();
    a.mixMonitors = 1;
    expect(chooseTechnology([a, b], null, false).reason).toBe('audiohook');
    a.mixMonitors = 0;
    expect(chooseTechnology([a, b], null, false).technology).toBe('native_rtp');
  });
});
