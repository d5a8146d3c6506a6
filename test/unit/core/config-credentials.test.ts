import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';

const amiConfig = {
  asterisk: { ami: { username: 'offload' } },
  switch: { target: 'unix:/run/openvswitch/breth0.mgmt', uplinkPort: 'eth1' },
};
const ariConfig = { ...amiConfig, asterisk: { source: 'ari', ari: { username: 'offload' } } };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtpo-cred-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('secrets from systemd credentials ($CREDENTIALS_DIRECTORY)', () => {
  it('reads the AMI secret from the credential named like its variable, without the trailing newline', () => {
    writeFileSync(join(dir, 'RTPO_AMI_SECRET'), 'from-credential\n');
    const c = parseConfig(amiConfig, { CREDENTIALS_DIRECTORY: dir });
    expect(c.asterisk.ami?.secret).toBe('from-credential');
    expect(JSON.stringify(c)).not.toContain('from-credential');
  });

  it('prefers the credential to a variable of the same name', () => {
    writeFileSync(join(dir, 'RTPO_AMI_SECRET'), 'from-credential');
    const c = parseConfig(amiConfig, { CREDENTIALS_DIRECTORY: dir, RTPO_AMI_SECRET: 'from-env' });
    expect(c.asterisk.ami?.secret).toBe('from-credential');
  });

  it('follows a renamed secretEnv, and serves the ARI password the same way', () => {
    writeFileSync(join(dir, 'PBX_SECRET'), 'renamed');
    writeFileSync(join(dir, 'RTPO_ARI_PASSWORD'), 'ari-pass');
    const ami = parseConfig(
      { ...amiConfig, asterisk: { ami: { username: 'offload', secretEnv: 'PBX_SECRET' } } },
      { CREDENTIALS_DIRECTORY: dir },
    );
    expect(ami.asterisk.ami?.secret).toBe('renamed');
    expect(parseConfig(ariConfig, { CREDENTIALS_DIRECTORY: dir }).asterisk.ari?.password).toBe('ari-pass');
  });

  it('falls back to the environment when the service has no such credential', () => {
    const c = parseConfig(amiConfig, { CREDENTIALS_DIRECTORY: dir, RTPO_AMI_SECRET: 'from-env' });
    expect(c.asterisk.ami?.secret).toBe('from-env');
    expect(() => parseConfig(amiConfig, { CREDENTIALS_DIRECTORY: dir })).toThrow(
      /RTPO_AMI_SECRET is not set/,
    );
  });

  it('names the credential when it exists but cannot be read', () => {
    // A directory in its place: unreadable as a file even for root.
    mkdirSync(join(dir, 'RTPO_AMI_SECRET'));
    expect(() => parseConfig(amiConfig, { CREDENTIALS_DIRECTORY: dir, RTPO_AMI_SECRET: 'x' })).toThrow(
      /cannot read credential RTPO_AMI_SECRET: EISDIR/,
    );
  });
});
