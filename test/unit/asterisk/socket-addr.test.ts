import { describe, expect, it } from 'vitest';
import { canonicalIp, parseSocketAddr } from '../../../src/asterisk/ami/socket-addr.js';

describe('parseSocketAddr reads ast_sockaddr_stringify output', () => {
  it.each([
    ['198.51.100.23:40012', '198.51.100.23', 40012, 4],
    ['0.0.0.0:12164', '0.0.0.0', 12164, 4],
    ['[2001:db8::1]:10000', '2001:db8::1', 10000, 6],
    ['[2001:DB8:0:0:0:0:0:1]:10000', '2001:db8::1', 10000, 6],
    ['[::]:12164', '::', 12164, 6],
    ['[::ffff:192.0.2.7]:4000', '192.0.2.7', 4000, 4],
    ['[::ffff:c000:207]:4000', '192.0.2.7', 4000, 4],
    ['[2001:db8:0:1:0:0:0:1]:5', '2001:db8:0:1::1', 5, 6],
    ['[2001:0:0:1:0:0:0:1]:5', '2001:0:0:1::1', 5, 6],
    ['[fe80:0:0:0:1:2:3:4]:6', 'fe80::1:2:3:4', 6, 6],
    ['[1:2:3:4:5:6:7:8]:65535', '1:2:3:4:5:6:7:8', 65535, 6],
    [' 203.0.113.5:7078 ', '203.0.113.5', 7078, 4],
  ])('%s → %s port %i (IPv%i)', (text, address, port, family) => {
    expect(parseSocketAddr(text)).toEqual({ kind: 'address', addr: { address, port, family } });
  });

  it.each([
    ['(null)', 'an unset address'],
    ['', 'nothing at all'],
    ['192.0.2.1', 'an address whose port is 0 (printed without port)'],
    ['[2001:db8::1]', 'a bracketed address without port'],
  ])('%j is unset: %s', (text) => {
    expect(parseSocketAddr(text).kind).toBe('unset');
  });

  it.each([
    ['256.1.1.1:5'],
    ['192.0.2.1:65536'],
    ['192.0.2.1:x'],
    ['[2001:db8::1:5'],
    ['[2001:db8::g]:5'],
    ['[1:2:3:4:5:6:7:8:9]:5'],
    ['[1::2::3]:5'],
    ['[fe80::1%eth0]:5'],
    ['host.example:5'],
  ])('%j is invalid', (text) => {
    expect(parseSocketAddr(text).kind).toBe('invalid');
  });

  it('canonicalises IPv6 per RFC 5952 (longest zero run, first on a tie, no single-group ::)', () => {
    expect(canonicalIp('2001:db8:0:0:1:0:0:1')?.address).toBe('2001:db8::1:0:0:1');
    expect(canonicalIp('2001:db8:0:1:1:1:1:1')?.address).toBe('2001:db8:0:1:1:1:1:1');
    expect(canonicalIp('0:0:0:0:0:0:0:0')?.address).toBe('::');
    expect(canonicalIp('::1')?.address).toBe('::1');
  });
});
