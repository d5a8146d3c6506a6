import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../../src/cli/args.js';
import { main } from '../../../src/cli/main.js';

describe('command-line arguments', () => {
  it.each([
    [['status'], { name: 'status' }],
    [['--json', 'list'], { name: 'list' }],
    [['explain', 'b7c1-42'], { name: 'explain', id: 'b7c1-42' }],
    [['offload', '1754470001.14'], { name: 'offload', id: '1754470001.14' }],
    [['revert', 'PJSIP/bob-00000007'], { name: 'revert', id: 'PJSIP/bob-00000007', all: false }],
    [['revert', '--all'], { name: 'revert', id: null, all: true }],
    [['kill-switch', 'on'], { name: 'kill-switch', on: true }],
    [['run', '--config', '/etc/rtp-offload.json'], { name: 'run', config: '/etc/rtp-offload.json' }],
    [[], { name: 'help' }],
  ])('parses %j', (argv, command) => {
    expect(parseArgs(argv).command).toEqual(command);
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['explain'], 'explain needs a bridge id'],
    [['offload', 'a b'], 'is not a valid'],
    [['offload', 'x', 'y'], 'unexpected argument "y"'],
    [['kill-switch', 'maybe'], 'kill-switch needs on or off'],
    [['status', 'now'], 'unexpected argument "now"'],
    [['run'], 'run needs --config FILE'],
    [['--socket'], '--socket needs a path'],
  ])('rejects %j with a message naming what was wrong', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it('takes the socket from --socket, else the environment', () => {
    expect(parseArgs(['status'], { RTPO_CONTROL_SOCKET: '/tmp/x.sock' }).socket).toBe('/tmp/x.sock');
    expect(parseArgs(['--socket=/tmp/y.sock', 'status'], { RTPO_CONTROL_SOCKET: '/tmp/x.sock' }).socket).toBe(
      '/tmp/y.sock',
    );
  });

  it('exits 2 on a usage error and 3 when the agent is unreachable', async () => {
    const err: string[] = [];
    expect(
      await main(
        ['bogus'],
        {},
        () => undefined,
        (s) => err.push(s),
      ),
    ).toBe(2);
    expect(err[0]).toContain('unknown command');
    expect(
      await main(
        ['--socket', '/nonexistent/rtpo.sock', 'status'],
        {},
        () => undefined,
        (s) => err.push(s),
      ),
    ).toBe(3);
    expect(err[1]).toContain('is the agent running?');
  });
});
