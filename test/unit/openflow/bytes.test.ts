import { describe, expect, it } from 'vitest';
import {
  readIpv4,
  readIpv6,
  readMac,
  writeIpv4,
  writeIpv6,
  writeMac,
} from '../../../src/openflow/codec/index.js';
import { OpenFlowArgumentError } from '../../../src/openflow/errors.js';

function ipv6Hex(text: string): string {
  const b = Buffer.alloc(16);
  writeIpv6(b, 0, text);
  return b.toString('hex');
}

describe('address text on the wire', () => {
  it('writes dotted IPv4 as four bytes and reads it back', () => {
    const b = Buffer.alloc(4);
    writeIpv4(b, 0, '198.51.100.130');
    expect(b.toString('hex')).toBe('c6336482');
    expect(readIpv4(b, 0)).toBe('198.51.100.130');
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '1.2.3.4 ', 'a.b.c.d', '1234.1.1.1', '1.2.3.'])(
    'refuses %j as an IPv4 address with OF_BAD_ARGUMENT',
    (text) => {
      expect(() => writeIpv4(Buffer.alloc(4), 0, text)).toThrow(
        expect.objectContaining({ code: 'OF_BAD_ARGUMENT' }) as unknown as Error,
      );
    },
  );

  it('reads back more distinct addresses than its text cache holds, each correctly', () => {
    const b = Buffer.alloc(6);
    for (let i = 0; i < 10_000; i++) {
      const v4 = `10.${(i >> 8) & 255}.${i & 255}.${i % 7}`;
      writeIpv4(b, 0, v4);
      expect(readIpv4(b, 0)).toBe(v4);
      const mac = `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
      writeMac(b, 0, mac);
      expect(readMac(b, 0)).toBe(mac);
    }
  });

  it('writes MAC text in either separator style and reads it back lower-case', () => {
    const b = Buffer.alloc(6);
    writeMac(b, 0, '5A-7D-D5-22-99-41');
    expect(b.toString('hex')).toBe('5a7dd5229941');
    expect(readMac(b, 0)).toBe('5a:7d:d5:22:99:41');
  });

  it.each(['5a:7d:d5:22:99', '5a:7d:d5:22:99:4g', '5a7dd5229941aabbcc00', '5a:7d:d5:22:99:41:'])(
    'refuses %j as a MAC address',
    (text) => {
      expect(() => writeMac(Buffer.alloc(6), 0, text)).toThrow(OpenFlowArgumentError);
    },
  );

  it.each([
    ['2001:db8:100::1', '20010db8010000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['fe80::', 'fe800000000000000000000000000000'],
    ['2001:DB8:0:0:1:0:0:1', '20010db8000000000001000000000001'],
    ['::ffff:198.51.100.1', '00000000000000000000ffffc6336401'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
  ])('writes IPv6 %s as its 16 bytes', (text, bytes) => {
    expect(ipv6Hex(text)).toBe(bytes);
  });

  it.each([
    '1:2:3:4:5:6:7',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '12345::',
    'g::',
    '1:2:3:4:5:6:7::8',
    ':1:2:3:4:5:6:7',
  ])('refuses %j as an IPv6 address', (text) => {
    expect(() => writeIpv6(Buffer.alloc(16), 0, text)).toThrow(OpenFlowArgumentError);
  });

  it.each([
    ['20010db8010000000000000000000001', '2001:db8:100::1'],
    ['00000000000000000000000000000000', '::'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    // RFC 5952 §4.2.3: the first of two equally long zero runs is shortened.
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    // §4.2.2: a lone zero group stays.
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
  ])('reads %s as canonical %s', (bytes, text) => {
    expect(readIpv6(Buffer.from(bytes, 'hex'), 0)).toBe(text);
  });
});
