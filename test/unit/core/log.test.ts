import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'debug'): {
  lines: Record<string, unknown>[];
  raw: string[];
  log: ReturnType<typeof createLogger>;
} {
  const raw: string[] = [];
  const log = createLogger(level, { agent: 'rtp-offload' }, (l) => raw.push(l));
  return {
    raw,
    log,
    get lines() {
      return raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}

describe('the logger', () => {
  it('writes one JSON object per line with time, level name, message and base fields', () => {
    const c = capture();
    c.log.info('agent started', { version: '1.2.3' });
    expect(c.raw).toHaveLength(1);
    expect(c.raw[0]).not.toContain('\n');
    const [line] = c.lines;
    expect(line).toMatchObject({
      level: 'info',
      msg: 'agent started',
      agent: 'rtp-offload',
      version: '1.2.3',
    });
    expect(new Date(line!.t as string).toISOString()).toBe(line!.t);
  });

  it('keeps a caller’s level, msg and t fields under `fields` instead of letting them replace the line’s', () => {
    const c = capture();
    c.log.warn('switch lost', { level: 'debug', msg: 'all fine', t: 'yesterday' });
    c.log.child({ level: 'error' }).info('from a child');
    // One of each key at the top of the text itself: JSON.parse would hide a duplicate.
    const text = c.raw[0]!.replace(/"fields":\{[^}]*\}/, '');
    expect(text.match(/"level":/g)).toHaveLength(1);
    expect(text.match(/"msg":/g)).toHaveLength(1);
    expect(c.lines[0]).toMatchObject({
      level: 'warn',
      msg: 'switch lost',
      fields: { level: 'debug', msg: 'all fine', t: 'yesterday' },
    });
    expect(c.raw[1]!.replace(/"fields":\{[^}]*\}/, '').match(/"level":/g)).toHaveLength(1);
    expect(c.lines[1]).toMatchObject({ level: 'info', msg: 'from a child', fields: { level: 'error' } });
  });

  it('serialises errors with type, message and stack under err and error', () => {
    const c = capture();
    const boom = new TypeError('boom');
    c.log.error('resync failed', { err: boom });
    c.log.error('resync failed', { error: boom });
    for (const key of ['err', 'error']) {
      const e = c.lines.find((l) => key in l)![key] as Record<string, unknown>;
      expect(e.type).toBe('TypeError');
      expect(e.message).toBe('boom');
      expect(e.stack).toContain('log.test.ts');
    }
  });

  it('redacts secrets wherever a caller puts a config section, an AMI action or headers', () => {
    const c = capture();
    c.log.info('login', {
      secret: 'top-level',
      action: { Action: 'Login', Username: 'rtpo', Secret: 'ami-secret' },
      config: { ami: { secret: 'nested-secret' }, ari: { password: 'ari-password' } },
      request: { headers: { authorization: 'Basic abc' } },
    });
    expect(c.raw[0]).not.toMatch(/top-level|ami-secret|nested-secret|ari-password|Basic abc/);
    expect(c.lines[0]).toMatchObject({
      secret: '[redacted]',
      action: { Secret: '[redacted]', Username: 'rtpo' },
    });
  });

  it('child loggers add their fields to every line and keep the level', () => {
    const c = capture('info');
    const ami = c.log.child({ part: 'ami' });
    ami.debug('not shown');
    ami.info('connected', { host: '192.0.2.10' });
    ami.child({ session: 2 }).warn('slow');
    expect(c.lines).toEqual([
      expect.objectContaining({ part: 'ami', agent: 'rtp-offload', host: '192.0.2.10', msg: 'connected' }),
      expect.objectContaining({ part: 'ami', session: 2, level: 'warn' }),
    ]);
  });

  it('shows bigint cookies in hex', () => {
    const c = capture();
    c.log.info('offloaded', { cookie: 0x5250_0000_0000_0001n });
    expect(c.lines[0]!.cookie).toBe('0x5250000000000001');
  });
});
