import { describe, expect, it } from 'vitest';
import { NetError } from '../../../src/net/errors.js';
import { canonicalAddress } from '../../../src/net/ip-address.js';
import {
  IpCommand,
  classifyIpFailure,
  execFileRunner,
  type RunOutcome,
} from '../../../src/net/ip-command.js';
import { fixtureJson } from './helpers.js';

function answering(outcome: RunOutcome): {
  ip: IpCommand;
  seen: { file: string; args: readonly string[]; timeoutMs: number }[];
} {
  const seen: { file: string; args: readonly string[]; timeoutMs: number }[] = [];
  const ip = new IpCommand({
    netns: 'rtpotestpbx',
    timeoutMs: 1234,
    runner: async (file, args, timeoutMs) => {
      seen.push({ file, args, timeoutMs });
      return outcome;
    },
  });
  return { ip, seen };
}

async function rejection(p: Promise<unknown>): Promise<NetError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof NetError)) throw new Error(`expected a NetError, got ${String(err)}`);
  return err;
}

describe('IpCommand', () => {
  it('runs ip -n <netns> -j … without a shell, with its timeout, and parses the JSON', async () => {
    const { ip, seen } = answering({ ok: true, stdout: '[{"dst":"198.51.100.10"}]\n' });
    await expect(ip.json('NET_ROUTE_GET', ['route', 'get', '198.51.100.10'])).resolves.toEqual([
      { dst: '198.51.100.10' },
    ]);
    expect(seen).toEqual([
      { file: 'ip', args: ['-n', 'rtpotestpbx', '-j', 'route', 'get', '198.51.100.10'], timeoutMs: 1234 },
    ]);
  });

  it('runs in the current namespace when none is given', () => {
    expect(new IpCommand().argv(['-j', 'addr', 'show'])).toEqual(['-j', 'addr', 'show']);
  });

  it('treats empty output as an empty list', async () => {
    const { ip } = answering({ ok: true, stdout: '' });
    await expect(ip.json('NET_NEIGH_SHOW', ['neigh', 'show'])).resolves.toEqual([]);
  });

  it('names the command and the reason when output is not JSON', async () => {
    const { ip } = answering({ ok: true, stdout: 'Usage: ip …' });
    const err = await rejection(ip.json('NET_ADDR_SHOW', ['addr', 'show', 'dev', 'breth0']));
    expect(err).toMatchObject({ code: 'NET_ADDR_SHOW', reason: 'bad-output' });
    expect(err.command).toBe('ip -n rtpotestpbx -j addr show dev breth0');
  });

  it.each([
    ['timeout', 'timeout'],
    ['spawn', 'spawn'],
  ] as const)('reports a %s failure as reason %s', async (failure, reason) => {
    const { ip } = answering({ ok: false, failure, exitCode: null, stderr: '' });
    const err = await rejection(ip.json('NET_LINK_SHOW', ['link', 'show', 'dev', 'breth0']));
    expect(err).toMatchObject({ code: 'NET_LINK_SHOW', reason });
  });

  it('keeps exit code and stderr of a failed command', async () => {
    const { ip } = answering({
      ok: false,
      failure: 'exit',
      exitCode: 2,
      stderr: 'RTNETLINK answers: No route to host\n',
    });
    const err = await rejection(ip.json('NET_ROUTE_GET', ['route', 'get', '192.0.2.1']));
    expect(err).toMatchObject({ code: 'NET_ROUTE_GET', reason: 'no-route', exitCode: 2 });
    expect(err.stderr).toContain('No route to host');
  });
});

describe('classifyIpFailure', () => {
  const captured = fixtureJson('ip-errors.json') as { command: string; exitCode: number; stderr: string }[];
  const expected: Record<string, string> = {
    'route get 192.0.2.1 (no route at all)': 'no-route',
    'route get 192.0.2.1 (unreachable route)': 'no-route',
    'route get 192.0.2.65 (blackhole route)': 'no-route',
    'route get 192.0.2.129 (prohibit route)': 'no-route',
    'neigh show to 198.51.100.10 dev nosuchdev': 'no-device',
    'addr show dev nosuchdev': 'no-device',
  };

  it.each(captured)('classifies the stderr of $command', ({ command, stderr }) => {
    const code = command.startsWith('route')
      ? 'NET_ROUTE_GET'
      : command.startsWith('neigh')
        ? 'NET_NEIGH_SHOW'
        : 'NET_ADDR_SHOW';
    expect(classifyIpFailure(code, stderr)).toBe(expected[command]);
  });

  it('does not read a refusal of another command as a missing route', () => {
    expect(classifyIpFailure('NET_NEIGH_SHOW', 'RTNETLINK answers: Invalid argument')).toBe('failed');
  });
});

describe('execFileRunner', () => {
  it('tells a program that cannot be started from one that exits non-zero', async () => {
    const missing = await execFileRunner('/nonexistent/ip', [], 1000);
    expect(missing).toMatchObject({ ok: false, failure: 'spawn' });
    const failing = await execFileRunner(
      process.execPath,
      ['-e', 'process.stderr.write("no"); process.exit(3)'],
      5000,
    );
    expect(failing).toEqual({ ok: false, failure: 'exit', exitCode: 3, stderr: 'no', stdout: '' });
  });

  it('kills a command that runs past its timeout', async () => {
    const slow = await execFileRunner(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], 200);
    expect(slow).toMatchObject({ ok: false, failure: 'timeout' });
  });
});

describe('canonicalAddress', () => {
  it('keeps IPv4 and compresses IPv6 as iproute2 prints it', () => {
    expect(canonicalAddress('198.51.100.10')).toEqual({ address: '198.51.100.10', family: 4 });
    expect(canonicalAddress('2001:DB8:100:0:0:0:0:10')).toEqual({ address: '2001:db8:100::10', family: 6 });
  });

  it.each(['-j', 'breth0', '198.51.100', 'fe80::1%breth0', ''])('refuses %j', (bad) => {
    expect(() => canonicalAddress(bad)).toThrow(
      expect.objectContaining({ code: 'NET_BAD_ADDRESS', reason: 'bad-argument' }),
    );
  });
});
