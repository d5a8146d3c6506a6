import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config.js';

const env = { RTPO_AMI_SECRET: 's3cret' };
const minimal = {
  asterisk: { ami: { username: 'offload' } },
  switch: { target: 'unix:/run/openvswitch/breth0.mgmt', uplinkPort: 'eth1' },
};
const withListen = (listen: unknown) => parseConfig({ ...minimal, metrics: { listen } }, env);

describe('metrics.listen', () => {
  it('is off unless set', () => {
    expect(parseConfig(minimal, env).metrics.listen).toBeNull();
  });

  it('binds loopback when only a port is given', () => {
    expect(withListen('9464').metrics.listen).toEqual({ host: '127.0.0.1', port: 9464 });
  });

  it('takes a host or a bracketed IPv6 address when one is named', () => {
    expect(withListen('192.0.2.5:9464').metrics.listen).toEqual({ host: '192.0.2.5', port: 9464 });
    expect(withListen('[2001:db8::5]:9464').metrics.listen).toEqual({ host: '2001:db8::5', port: 9464 });
    expect(withListen('[::1]:0').metrics.listen).toEqual({ host: '::1', port: 0 });
  });

  it.each([['70000'], ['host:'], ['2001:db8::5:9464'], [''], [9464]])('refuses %j naming the key', (v) => {
    expect(() => withListen(v)).toThrow(ConfigError);
    try {
      withListen(v);
    } catch (err) {
      expect((err as ConfigError).key).toBe('metrics.listen');
    }
  });

  it('refuses unknown keys in the section', () => {
    expect(() => parseConfig({ ...minimal, metrics: { port: 9464 } }, env)).toThrow(
      /metrics\.port: unknown key/,
    );
  });
});
