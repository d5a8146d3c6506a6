/** A seeded mutator: the same seed gives the same inputs, so any finding can be re-run. */

/** mulberry32: small, fast, good enough to pick mutations. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Tokens hostile input is made of: prototype names, huge and negative numbers, separators. */
const TOKENS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'rawevent',
  'close',
  '4000000',
  '99999999999999999999',
  '-1',
  '0',
  '65536',
  '4294967296',
  'NaN',
  '1e308',
  '\r\n',
  '\r\n\r\n',
  ': ',
  ':',
  '=',
  '[',
  ']',
  '{',
  '}',
  '"',
  ',',
  'null',
  '::ffff:',
  '198.051.100.001',
  '(null)',
  'Event: ',
  'ReportCount: ',
  'Response: Follows\r\n',
  '\u0000',
  '\uffff',
  '\ud800',
].map((t) => Buffer.from(t, 'utf8'));

export function mutate(seed: Buffer, random: () => number, maxLength = 64 * 1024): Buffer {
  let b = Buffer.from(seed);
  const rounds = 1 + Math.floor(random() * 4);
  const pos = (): number => Math.floor(random() * (b.length + 1));
  for (let i = 0; i < rounds; i++) {
    const p = pos();
    switch (Math.floor(random() * 8)) {
      case 0: // flip a bit
        if (b.length > 0) {
          const at = Math.min(p, b.length - 1);
          b[at] = (b[at] ?? 0) ^ (1 << Math.floor(random() * 8));
        }
        break;
      case 1: // random byte
        b = Buffer.concat([b.subarray(0, p), Buffer.from([Math.floor(random() * 256)]), b.subarray(p)]);
        break;
      case 2: // delete a run
        b = Buffer.concat([b.subarray(0, p), b.subarray(p + 1 + Math.floor(random() * 16))]);
        break;
      case 3: // insert a token
        b = Buffer.concat([b.subarray(0, p), TOKENS[Math.floor(random() * TOKENS.length)]!, b.subarray(p)]);
        break;
      case 4: // replace a number with a token number
        {
          const s = b.toString('latin1');
          const m = [...s.matchAll(/\d+/g)];
          const hit = m[Math.floor(random() * m.length)];
          if (hit?.index !== undefined) {
            const tok = ['4000000', '99999999999999999999', '-1', '65536', '32', '0'][
              Math.floor(random() * 6)
            ]!;
            b = Buffer.from(s.slice(0, hit.index) + tok + s.slice(hit.index + hit[0].length), 'latin1');
          }
        }
        break;
      case 5: // duplicate a chunk
        {
          const len = Math.floor(random() * 256);
          b = Buffer.concat([b.subarray(0, p), b.subarray(p, p + len), b.subarray(p)]);
        }
        break;
      case 6: // truncate
        b = b.subarray(0, p);
        break;
      default:
        {
          // repeat a token many times (long lines, many headers)
          const tok = TOKENS[Math.floor(random() * TOKENS.length)]!;
          const n = 1 + Math.floor(random() * 2000);
          b = Buffer.concat([b.subarray(0, p), Buffer.alloc(tok.length * n, tok), b.subarray(p)]);
        }
        break;
    }
    if (b.length > maxLength) b = b.subarray(0, maxLength);
  }
  return b;
}
