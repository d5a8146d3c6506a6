import { describe, expect, it } from 'vitest';
import { resolveWildcard } from '../../../src/net/interface-addresses.js';
import { parseAddrShow, parseLinkShow } from '../../../src/net/parse-addr.js';
import { fixtureJson } from './helpers.js';

describe('parseAddrShow', () => {
  it('reads the device, its MAC and every address with scope and DAD flags', () => {
    const shown = parseAddrShow(fixtureJson('addr-breth0.json'));
    expect(shown).toEqual({
      name: 'breth0',
      linkType: 'ether',
      mac: '02:72:ce:4e:33:ca',
      addresses: [
        {
          family: 4,
          address: '198.51.100.1',
          prefixLength: 24,
          scope: 'global',
          tentative: false,
          dadFailed: false,
          deprecated: false,
        },
        {
          family: 6,
          address: '2001:db8:100::1',
          prefixLength: 64,
          scope: 'global',
          tentative: false,
          dadFailed: false,
          deprecated: false,
        },
        {
          family: 6,
          address: 'fe80::72:ceff:fe4e:33ca',
          prefixLength: 64,
          scope: 'link',
          tentative: true,
          dadFailed: false,
          deprecated: false,
        },
      ],
    });
  });

  it('marks secondary and deprecated addresses without dropping them', () => {
    const shown = parseAddrShow(fixtureJson('addr-breth0-two.json'));
    expect(shown.addresses.map((a) => [a.address, a.deprecated])).toEqual([
      ['198.51.100.1', false],
      ['198.51.100.2', false],
      ['2001:db8:100::2', true],
      ['2001:db8:100::1', false],
      ['fe80::72:f8ff:fe9e:9ce', false],
    ]);
  });

  it('gives no MAC for the loopback device', () => {
    expect(parseAddrShow(fixtureJson('addr-lo.json'))).toMatchObject({
      name: 'lo',
      linkType: 'loopback',
      mac: null,
    });
  });

  it('rejects an empty answer as bad output of addr show', () => {
    expect(() => parseAddrShow([])).toThrow(
      expect.objectContaining({ code: 'NET_ADDR_SHOW', reason: 'bad-output' }),
    );
  });
});

describe('parseLinkShow', () => {
  it('reads an Ethernet device MAC', () => {
    expect(parseLinkShow(fixtureJson('link-breth0.json'))).toEqual({
      name: 'breth0',
      linkType: 'ether',
      mac: '02:72:ce:4e:33:ca',
    });
  });

  it('gives no MAC for loopback', () => {
    expect(parseLinkShow(fixtureJson('link-lo.json')).mac).toBeNull();
  });
});

describe('resolveWildcard', () => {
  const one = { ipv4: ['198.51.100.1'], ipv6: ['2001:db8:100::1'] };

  it('resolves to the only address of the family', () => {
    expect(resolveWildcard(one, 4, 'breth0')).toEqual({
      kind: 'resolved',
      address: '198.51.100.1',
      fromWildcard: true,
    });
    expect(resolveWildcard(one, 6, 'breth0')).toEqual({
      kind: 'resolved',
      address: '2001:db8:100::1',
      fromWildcard: true,
    });
  });

  it('says none when the device has no address of the family', () => {
    expect(resolveWildcard({ ipv4: ['198.51.100.1'], ipv6: [] }, 6, 'breth0')).toEqual({
      kind: 'none',
      family: 6,
      device: 'breth0',
    });
  });

  it('says ambiguous, with the candidates, rather than pick one of several', () => {
    expect(resolveWildcard({ ipv4: ['198.51.100.1', '198.51.100.2'], ipv6: [] }, 4, 'breth0')).toEqual({
      kind: 'ambiguous',
      family: 4,
      device: 'breth0',
      candidates: ['198.51.100.1', '198.51.100.2'],
    });
  });
});
