import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/config.js';

const dir = join(import.meta.dirname, '..', '..', '..', 'packaging', 'systemd');

/** Directives of one section, repeated keys kept in order. */
function section(file: string, name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const raw of readFileSync(join(dir, file), 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      current = head[1]!;
      continue;
    }
    if (current !== name) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}
const service = section('rtp-offload.service', 'Service');
const one = (key: string): string | undefined => service.get(key)?.at(-1);

describe('the systemd unit', () => {
  it('runs as its own user, created by the sysusers file', () => {
    expect(one('User')).toBe('rtp-offload');
    expect(one('Group')).toBe('rtp-offload');
    expect(readFileSync(join(dir, 'rtp-offload.sysusers'), 'utf8')).toMatch(/^u rtp-offload /m);
  });

  it('passes the AMI secret as a credential named like the variable the agent reads', () => {
    const [name, source] = one('LoadCredential')!.split(':');
    expect(name).toBe(DEFAULTS.ami.secretEnv);
    expect(source).toMatch(/^\/etc\/rtp-offload\//);
    expect([...service.values()].flat().join('\n')).not.toMatch(/RTPO_AMI_SECRET=/);
  });

  it('keeps the control socket in its RuntimeDirectory, where the default config puts it', () => {
    expect(dirname(DEFAULTS.control.socket)).toBe(`/run/${one('RuntimeDirectory')}`);
    expect(one('ExecStartPost')).toContain(`--socket ${DEFAULTS.control.socket} status`);
  });

  it('is hardened and restarts on failure', () => {
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(one('Restart')).toBe('on-failure');
    expect(one('Type')).toBe('exec');
  });

  it('grants the OpenFlow socket in a privileged step only, the same one the path unit repeats', () => {
    const pre = one('ExecStartPre')!;
    expect(pre.startsWith('+')).toBe(true);
    const again = section('rtp-offload-ovs-access.service', 'Service').get('ExecStart')![0]!;
    expect(pre.slice(1)).toBe(again);
    const watched = section('rtp-offload-ovs-access.path', 'Path').get('PathChanged')![0]!;
    expect(again).toContain(watched);
  });
});
