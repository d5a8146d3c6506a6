import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config.js';
import { engineConfig } from '../../../src/agent.js';

const env = { RTPO_AMI_SECRET: 's3cret' };
const withRelist = (relistIntervalMs?: unknown) => ({
  asterisk: { ami: { username: 'offload' }, ...(relistIntervalMs === undefined ? {} : { relistIntervalMs }) },
  switch: { target: 'unix:/run/openvswitch/breth0.mgmt', uplinkPort: 'eth1' },
});

describe('asterisk.relistIntervalMs', () => {
  it('defaults to 30 s and reaches the engine', () => {
    const c = parseConfig(withRelist(), env);
    expect(c.asterisk.relistIntervalMs).toBe(30_000);
    expect(engineConfig(parseConfig(withRelist(2000), env)).relistIntervalMs).toBe(2000);
  });

  it('may be turned off with 0, but not set so short it would hammer Asterisk', () => {
    expect(parseConfig(withRelist(0), env).asterisk.relistIntervalMs).toBe(0);
    expect(() => parseConfig(withRelist(50), env)).toThrow(ConfigError);
    expect(() => parseConfig(withRelist('often'), env)).toThrow(/asterisk\.relistIntervalMs/);
  });
});
