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
    [[], { name: 'help', topic: null }],
    [['help', 'watch'], { name: 'help', topic: 'watch' }],
    [['explain', '--help'], { name: 'help', topic: 'explain' }],
    [['-h', 'revert'], { name: 'help', topic: 'revert' }],
    [['status', '--version'], { name: 'version' }],
    [['watch', '-n', '0.5'], { name: 'watch', intervalMs: 500 }],
    [['watch'], { name: 'watch', intervalMs: 2000 }],
    [['doctor'], { name: 'doctor', config: '/etc/rtp-offload.json' }],
    [['doctor', '-c', 'x.json'], { name: 'doctor', config: 'x.json' }],
    [['run', '--config=/etc/r.json'], { name: 'run', config: '/etc/r.json' }],
    [['list', '--', '--x'], null],
  ])('parses %j', (argv, command) => {
    if (command === null) expect(() => parseArgs(argv)).toThrow('unexpected argument "--x"');
    else expect(parseArgs(argv).command).toEqual(command);
  });

  it.each([
    [['list'], 'table', true],
    [['list', '--json'], 'json', true],
    [['-o', 'wide', 'list', '--no-headers'], 'wide', false],
    [['list', '-ojson'], 'json', true],
    [['list', '--output=json', '--json'], 'json', true],
  ])('reads the output format of %j', (argv, output, headers) => {
    expect(parseArgs(argv)).toMatchObject({ output, headers });
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['explain'], 'explain needs a bridge id'],
    [['offload', 'a b'], 'is not a valid'],
    [['offload', 'x', 'y'], 'unexpected argument "y"'],
    [['kill-switch', 'maybe'], 'kill-switch needs on or off'],
    [['status', 'now'], 'unexpected argument "now"'],
    [['run'], 'run needs --config FILE'],
    [['--socket'], 'option --socket needs a value'],
    [['--bogus', 'list'], 'unknown option --bogus'],
    [['list', '-x'], 'unknown option -x'],
    [['status', '--config', 'x'], 'status: unknown option --config'],
    [['list', '-o', 'yaml'], '-o must be table, wide or json, got "yaml"'],
    [['list', '-o', 'wide', '--json'], '--json contradicts -o wide'],
    [['list', '--json=yes'], 'option --json takes no value'],
    [['help', 'nothing'], 'help: unknown command "nothing"'],
    [['watch', '-n', '0.1'], '--interval must be seconds between 0.5 and 3600'],
    [['revert', '--all', 'B1'], 'revert --all: unexpected argument "B1"'],
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
