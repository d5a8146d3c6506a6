import { describe, expect, it } from 'vitest';
import { AMI_MAX_HEADERS, AmiFramer, type AmiFrame } from '../../../src/lab/pbx/ami/framer.js';
import { getHeader, getHeaders } from '../../../src/lab/pbx/ami/message.js';

type Feed = (framer: AmiFramer, bytes: Buffer) => AmiFrame[];

const whole: Feed = (f, b) => f.push(b);
const byteByByte: Feed = (f, b) => [...b].flatMap((_, i) => f.push(b.subarray(i, i + 1)));
const splitAt =
  (cut: number): Feed =>
  (f, b) => [...f.push(b.subarray(0, cut)), ...f.push(b.subarray(cut))];

/** Runs a case whole, byte by byte, and split at every boundary; all must agree. */
function everyWay(text: string | Buffer, check: (frames: AmiFrame[]) => void): void {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  check(whole(new AmiFramer(), bytes));
  check(byteByByte(new AmiFramer(), bytes));
  for (let cut = 0; cut <= bytes.length; cut++) check(splitAt(cut)(new AmiFramer(), bytes));
}

describe('the AMI framer', () => {
  it('ends a message at a blank line and keeps headers in order', () => {
    everyWay('Action: Getvar\r\nActionID: 7\r\nVariable: CHANNEL(rtp,src)\r\n\r\n', (frames) => {
      expect(frames).toHaveLength(1);
      expect(frames[0]!.kind).toBe('message');
      expect(frames[0]!.message.lines).toEqual([
        'Action: Getvar',
        'ActionID: 7',
        'Variable: CHANNEL(rtp,src)',
      ]);
    });
  });

  it('accepts LF-only line ends, and mixed ones', () => {
    everyWay('Action: Ping\nActionID: a\r\n\n', (frames) => {
      expect(frames.map((f) => f.message.lines)).toEqual([['Action: Ping', 'ActionID: a']]);
    });
  });

  it('splits several messages in one chunk', () => {
    everyWay('Action: Ping\r\n\r\nAction: Logoff\r\nActionID: 2\r\n\r\n', (frames) => {
      expect(frames.map((f) => getHeader(f.message, 'Action'))).toEqual(['Ping', 'Logoff']);
    });
  });

  it('holds a partial message back until its blank line arrives', () => {
    const f = new AmiFramer();
    expect(f.push(Buffer.from('Action: Ping\r\nActionID: 1\r\n'))).toEqual([]);
    expect(f.push(Buffer.from('\r'))).toEqual([]);
    expect(f.push(Buffer.from('\n'))).toHaveLength(1);
  });

  it('keeps multi-byte UTF-8 intact across chunk boundaries', () => {
    everyWay('Action: UserEvent\r\nUserEvent: Grüße ☎\r\n\r\n', (frames) => {
      expect(getHeader(frames[0]!.message, 'UserEvent')).toBe('Grüße ☎');
    });
  });

  it('reports a line over 1024 bytes as line-too-long, keeping the ActionID, and goes on', () => {
    const long = 'X'.repeat(1100);
    everyWay(`Action: Getvar\r\nActionID: big\r\nVariable: ${long}\r\n\r\nAction: Ping\r\n\r\n`, (frames) => {
      expect(frames.map((f) => f.kind)).toEqual(['line-too-long', 'message']);
      expect(getHeader(frames[0]!.message, 'ActionID')).toBe('big');
      expect(getHeader(frames[1]!.message, 'Action')).toBe('Ping');
    });
  });

  it('takes a line of exactly 1024 bytes with its LF, and refuses one byte more', () => {
    const fits = `Variable: ${'a'.repeat(1024 - 'Variable: '.length - 1)}\n\n`;
    expect(new AmiFramer().push(Buffer.from(fits))[0]!.kind).toBe('message');
    const over = `Variable: ${'a'.repeat(1024 - 'Variable: '.length)}\n\n`;
    expect(new AmiFramer().push(Buffer.from(over))[0]!.kind).toBe('line-too-long');
  });

  it('flags more than 128 headers as too many lines', () => {
    const lines = Array.from({ length: AMI_MAX_HEADERS + 1 }, (_, i) => `H${i}: v`).join('\r\n');
    const frames = new AmiFramer().push(Buffer.from(`${lines}\r\n\r\n`));
    expect(frames[0]!.kind).toBe('too-many-lines');
  });

  it('turns a lone blank line into an empty message (Asterisk answers "Missing action")', () => {
    expect(new AmiFramer().push(Buffer.from('\r\n'))).toEqual([{ kind: 'message', message: { lines: [] } }]);
  });

  it('never throws on random bytes', () => {
    let seed = 12345;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let round = 0; round < 200; round++) {
      const f = new AmiFramer();
      const len = Math.floor(rand() * 3000);
      const bytes = Buffer.alloc(len);
      for (let i = 0; i < len; i++) bytes[i] = rand() < 0.05 ? 0x0a : Math.floor(rand() * 256);
      let off = 0;
      while (off < len) {
        const n = 1 + Math.floor(rand() * 700);
        expect(() => f.push(bytes.subarray(off, off + n))).not.toThrow();
        off += n;
      }
    }
  });
});

describe('AMI header lookup', () => {
  const msg = {
    lines: ['action: getvar', 'ACTIONID:   x1', 'Variable: A', 'Variable:B', 'Variable X: no', 'junk'],
  };

  it('matches names case-insensitively and skips blanks after the colon', () => {
    expect(getHeader(msg, 'Action')).toBe('getvar');
    expect(getHeader(msg, 'ActionID')).toBe('x1');
  });

  it('returns every value of a repeated header and the first for a single lookup', () => {
    expect(getHeader(msg, 'variable')).toBe('A');
    expect(getHeaders(msg, 'Variable')).toEqual(['A', 'B']);
  });

  it('gives an empty string for an absent header, as astman_get_header does', () => {
    expect(getHeader(msg, 'Channel')).toBe('');
  });
});
