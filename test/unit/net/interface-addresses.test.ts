import { describe, expect, it } from 'vitest';
import { InterfaceAddresses } from '../../../src/net/interface-addresses.js';
import type { CommandRunner } from '../../../src/net/ip-command.js';
import { fixtureText } from './helpers.js';

function facts(files: Record<string, string>): { net: InterfaceAddresses; calls: string[] } {
  const calls: string[] = [];
  const runner: CommandRunner = async (_file, args) => {
    const line = args.join(' ');
    calls.push(line);
    const name = files[line];
    if (name === undefined)
      return { ok: false, failure: 'exit', exitCode: 1, stderr: 'Device "x" does not exist.\n' };
    return { ok: true, stdout: fixtureText(name) };
  };
  return { net: new InterfaceAddresses({ netns: 'rtpotestpbx', runner }), calls };
}

describe('InterfaceAddresses', () => {
  it('lists global addresses of both families, without link-local or tentative ones', async () => {
    const { net, calls } = facts({ '-n rtpotestpbx -j addr show dev breth0': 'addr-breth0.json' });
    await expect(net.addresses('breth0')).resolves.toEqual({
      ipv4: ['198.51.100.1'],
      ipv6: ['2001:db8:100::1'],
    });
    expect(calls).toEqual(['-n rtpotestpbx -j addr show dev breth0']);
  });

  it('keeps secondary and deprecated addresses, which still send', async () => {
    const { net } = facts({ '-n rtpotestpbx -j addr show dev breth0': 'addr-breth0-two.json' });
    await expect(net.addresses('breth0')).resolves.toEqual({
      ipv4: ['198.51.100.1', '198.51.100.2'],
      ipv6: ['2001:db8:100::2', '2001:db8:100::1'],
    });
  });

  it('reads the MAC of a device from link show', async () => {
    const { net } = facts({
      '-n rtpotestpbx -j link show dev breth0': 'link-breth0.json',
      '-n rtpotestpbx -j link show dev lo': 'link-lo.json',
    });
    await expect(net.macOf('breth0')).resolves.toBe('02:72:ce:4e:33:ca');
    await expect(net.macOf('lo')).resolves.toBeNull();
  });

  it('fails with a typed error naming the command for a device that does not exist', async () => {
    const { net } = facts({});
    await expect(net.addresses('nosuchdev')).rejects.toMatchObject({
      code: 'NET_ADDR_SHOW',
      reason: 'no-device',
    });
  });

  it('resolves a wildcard local address only when the device has one address of that family', async () => {
    const one = facts({ '-n rtpotestpbx -j addr show dev breth0': 'addr-breth0.json' }).net;
    const two = facts({ '-n rtpotestpbx -j addr show dev breth0': 'addr-breth0-two.json' }).net;
    await expect(one.resolveLocal('0.0.0.0', 'breth0')).resolves.toEqual({
      kind: 'resolved',
      address: '198.51.100.1',
      fromWildcard: true,
    });
    await expect(one.resolveLocal('::', 'breth0')).resolves.toEqual({
      kind: 'resolved',
      address: '2001:db8:100::1',
      fromWildcard: true,
    });
    await expect(two.resolveLocal('0.0.0.0', 'breth0')).resolves.toMatchObject({
      kind: 'ambiguous',
      candidates: ['198.51.100.1', '198.51.100.2'],
    });
    const lo = facts({ '-n rtpotestpbx -j addr show dev lo': 'addr-lo.json' }).net;
    await expect(lo.resolveLocal('::', 'lo')).resolves.toEqual({ kind: 'none', family: 6, device: 'lo' });
  });

  it('passes a concrete local address through without asking the kernel', async () => {
    const { net, calls } = facts({});
    await expect(net.resolveLocal('198.51.100.1', 'breth0')).resolves.toEqual({
      kind: 'resolved',
      address: '198.51.100.1',
      fromWildcard: false,
    });
    expect(calls).toEqual([]);
  });
});
