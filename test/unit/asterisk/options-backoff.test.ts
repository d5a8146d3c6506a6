import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF } from '../../../src/time/backoff.js';
import { DEFAULT_AMI_OPTIONS, resolveAmiOptions } from '../../../src/asterisk/ami/options.js';

describe('resolveAmiOptions', () => {
  it('fills the documented defaults', () => {
    const o = resolveAmiOptions({ username: 'agent', secret: 'pw' });
    expect(o).toMatchObject({
      host: '127.0.0.1',
      port: 5038,
      name: 'ami',
      eventMask: 'system,call,dialplan,reporting',
      requestTimeoutMs: 5000,
      queue: DEFAULT_AMI_OPTIONS.queue,
      reconnect: DEFAULT_BACKOFF,
      endpointCacheTtlMs: 60_000,
    });
  });

  it('keeps the secret readable but out of enumeration and JSON', () => {
    const o = resolveAmiOptions({ username: 'agent', secret: 'pw-123' }) as unknown as Record<
      string,
      unknown
    >;
    expect(o['secret']).toBe('pw-123');
    expect(Object.keys(o)).not.toContain('secret');
    expect(JSON.stringify(o)).not.toContain('pw-123');
  });

  it('merges partial queue and reconnect options over the defaults', () => {
    const o = resolveAmiOptions({
      username: 'a',
      secret: 'b',
      queue: { concurrency: 1 },
      reconnect: { maxDelayMs: 5 },
    });
    expect(o.queue).toEqual({ ...DEFAULT_AMI_OPTIONS.queue, concurrency: 1 });
    expect(o.reconnect).toEqual({ ...DEFAULT_BACKOFF, maxDelayMs: 5 });
  });
});
