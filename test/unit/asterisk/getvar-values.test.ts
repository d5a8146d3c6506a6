import { describe, expect, it } from 'vitest';
import {
  readAddress,
  readDirect,
  readFlag,
  readFormatList,
  readFormatName,
  readSipSecureMedia,
} from '../../../src/asterisk/ami/getvar-values.js';

describe('Getvar values of CHANNEL() items', () => {
  it.each([
    ['198.51.100.23:40012', { kind: 'value', value: { address: '198.51.100.23', port: 40012, family: 4 } }],
    ['0.0.0.0:12164', { kind: 'value', value: { address: '0.0.0.0', port: 12164, family: 4 } }],
    ['[::]:12164', { kind: 'value', value: { address: '::', port: 12164, family: 6 } }],
    ['[2001:db8::7]:30000', { kind: 'value', value: { address: '2001:db8::7', port: 30000, family: 6 } }],
    [
      '[::ffff:198.51.100.9]:30000',
      { kind: 'value', value: { address: '198.51.100.9', port: 30000, family: 4 } },
    ],
    ['(null)', { kind: 'unset' }],
  ])('address %j', (text, expected) => {
    expect(readAddress(text)).toEqual(expected);
  });

  it('an empty Value with Response: Success means the function failed', () => {
    expect(readAddress('').kind).toBe('failed');
    expect(readFlag('').kind).toBe('failed');
    expect(readDirect('').kind).toBe('failed');
    expect(readFormatList('').kind).toBe('failed');
    expect(readFormatName('').kind).toBe('failed');
  });

  it.each([
    ['(null)', false],
    ['198.51.100.23:40012', true],
    ['[2001:db8::1]:4000', true],
  ])('rtp,direct %j → %s', (text, direct) => {
    expect(readDirect(text)).toEqual({ kind: 'value', value: direct });
  });

  it.each([
    ['1', true],
    ['0', false],
  ])('rtp,secure / rtp,hold %j → %s', (text, v) => {
    expect(readFlag(text)).toEqual({ kind: 'value', value: v });
  });

  it('rejects flags that are neither 1 nor 0', () => {
    expect(readFlag('yes').kind).toBe('failed');
  });

  it('chan_sip secure_media is 1 or empty, so empty means plain RTP', () => {
    expect(readSipSecureMedia('')).toEqual({ kind: 'value', value: false });
    expect(readSipSecureMedia('1')).toEqual({ kind: 'value', value: true });
  });

  it.each([
    ['(ulaw)', { kind: 'value', value: ['ulaw'] }],
    ['(opus|ulaw)', { kind: 'value', value: ['opus', 'ulaw'] }],
    ['(nothing)', { kind: 'unset' }],
  ])('native format list %j', (text, expected) => {
    expect(readFormatList(text)).toEqual(expected);
  });

  it('read format is a bare name', () => {
    expect(readFormatName('slin')).toEqual({ kind: 'value', value: 'slin' });
  });
});
