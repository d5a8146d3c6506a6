import { describe, expect, it } from 'vitest';
import { decodeHello, negotiateVersion } from '../../../src/openflow/codec/index.js';
import { hex } from './hex.js';

describe('version negotiation (OpenFlow 1.3.5 §6.3.1)', () => {
  it('agrees on 1.3 with OVS, whose bare 1.5 HELLO means every version up to 1.5', () => {
    expect(negotiateVersion([4], decodeHello(hex`06 00 0008 00000001`))).toBe(4);
  });

  it('agrees on 1.3 when the peer bitmap lists it among others', () => {
    const hello = decodeHello(hex`
      06 00 0010 00000001   # HELLO version 1.5
      0001 0008 00000052    # bitmap: 1.0, 1.3, 1.5
    `);
    expect(hello.versions).toEqual([1, 4, 6]);
    expect(negotiateVersion([4], hello)).toBe(4);
  });

  it('finds no common version when the peer bitmap omits 1.3, even if its header is higher', () => {
    const hello = decodeHello(hex`
      06 00 0010 00000001   # HELLO version 1.5
      0001 0008 00000062    # bitmap: 1.0, 1.4, 1.5
    `);
    expect(negotiateVersion([4], hello)).toBeUndefined();
  });

  it('finds no common version with a 1.0-only peer', () => {
    expect(negotiateVersion([4], decodeHello(hex`01 00 0008 00000001`))).toBeUndefined();
  });

  it('skips unknown hello elements and honours a bitmap after them', () => {
    const hello = decodeHello(hex`
      05 00 0018 00000001   # HELLO version 1.4, length 24
      0063 0005 aa 000000   # unknown element type 99, length 5, padded to 8
      0001 0008 00000010    # bitmap: 1.3
    `);
    expect(hello.versions).toEqual([4]);
  });

  it('refuses an element whose length runs past the message', () => {
    expect(() => decodeHello(hex`04 00 0010 00000001 0001 0010 00000010`)).toThrow(
      expect.objectContaining({ code: 'OF_PROTOCOL', offset: 10 }) as unknown as Error,
    );
  });
});
