import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config.js';

const env = { RTPO_AMI_SECRET: 's3cret' };
const minimal = {
  asterisk: { ami: { username: 'offload' } },
  switch: { target: 'unix:/run/openvswitch/breth0.mgmt', uplinkPort: 'eth1' },
};

function errorOf(input: unknown, e: NodeJS.ProcessEnv = env): ConfigError {
  try {
    parseConfig(input, e);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('configuration', () => {
  it('fills defaults and freezes the result', () => {
    const c = parseConfig(minimal, env);
    expect(c.asterisk.source).toBe('ami');
    expect(c.asterisk.ami?.port).toBe(5038);
    expect(c.switch.priority).toBe(1000);
    expect(c.policy.assumeSamePayloadTypes).toBe(false);
    expect(c.control.mode).toBe(0o660);
    expect(Object.isFrozen(c.switch)).toBe(true);
  });

  it('reads the AMI secret from the environment and keeps it out of serialised output', () => {
    const c = parseConfig(minimal, env);
    expect(c.asterisk.ami?.secret).toBe('s3cret');
    expect(JSON.stringify(c)).not.toContain('s3cret');
  });

  it.each([
    ['a missing secret', minimal, {}, 'asterisk.ami.secretEnv'],
    [
      'a bad switch target',
      { ...minimal, switch: { ...minimal.switch, target: 'ssl:1.2.3.4' } },
      env,
      'switch.target',
    ],
    [
      'a cookie tag out of range',
      { ...minimal, switch: { ...minimal.switch, cookieTag: 70000 } },
      env,
      'switch.cookieTag',
    ],
    ['an unknown key (a typo)', { ...minimal, polcy: {} }, env, 'polcy'],
    ['a nested unknown key', { ...minimal, policy: { minBridgeAge: 5 } }, env, 'policy.minBridgeAge'],
    ['a world-writable control socket', { ...minimal, control: { mode: '0666' } }, env, 'control.mode'],
    ['a wrong type', { ...minimal, dryRun: 'yes' }, env, 'dryRun'],
    [
      'a bad local address',
      { ...minimal, policy: { localAddresses: { ipv4: '300.1.1.1' } } },
      env,
      'policy.localAddresses.ipv4',
    ],
    ['a missing username', { ...minimal, asterisk: { ami: {} } }, env, 'asterisk.ami.username'],
    ['an unknown Asterisk interface', { ...minimal, asterisk: { source: 'sip' } }, env, 'asterisk.source'],
    [
      'an ARI password missing from the environment',
      { ...minimal, asterisk: { source: 'ari', ari: { username: 'u' } } },
      env,
      'asterisk.ari.passwordEnv',
    ],
    [
      'an ARI URL with a path',
      { ...minimal, asterisk: { source: 'ari', ari: { username: 'u', url: 'http://pbx:8088/ari' } } },
      { RTPO_ARI_PASSWORD: 'p' },
      'asterisk.ari.url',
    ],
  ])('rejects %s, naming the key', (_n, input, e, key) => {
    const err = errorOf(input, e);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.key).toBe(key);
    expect(err.message).toContain(key);
  });

  it('reads Asterisk over ARI when told to, with the password from the environment only', () => {
    const c = parseConfig(
      { ...minimal, asterisk: { source: 'ari', ari: { username: 'offload', url: 'http://192.0.2.5:8088' } } },
      { RTPO_ARI_PASSWORD: 'pw' },
    );
    expect(c.asterisk.source).toBe('ari');
    expect(c.asterisk.ari?.password).toBe('pw');
    expect(c.asterisk.ami).toBeNull();
    expect(JSON.stringify(c)).not.toContain('pw');
  });

  it('accepts hex cookie tags and tcp targets', () => {
    const c = parseConfig(
      { ...minimal, switch: { ...minimal.switch, target: 'tcp:192.0.2.1:6653', cookieTag: '0x00ab' } },
      env,
    );
    expect(c.switch.cookieTag).toBe(0xab);
  });
});
