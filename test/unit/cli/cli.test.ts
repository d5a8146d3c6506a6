import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeDto } from '../../../src/control/api.js';
import type { BridgeView } from '../../../src/control/provider.js';
import { ControlServer } from '../../../src/control/server.js';
import { bridge, cli, CLI, ensureBuilt, fakeAgent, finished, REPO, spawnCli } from './helpers.js';

const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

let dir: string;
let sock: string;
let server: ControlServer;
let listing: BridgeView[] = [bridge('B1')];
const agent = fakeAgent(() => listing);

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'rtpo-cli-'));
  sock = join(dir, 'control.sock');
  server = new ControlServer(agent, { minRefreshIntervalMs: 0 });
  await server.listen(sock, 0o660);
}, 180_000);
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const errorOf = (stderr: string): { code: string; message: string } =>
  (JSON.parse(stderr) as { error: { code: string; message: string } }).error;

// Each case spawns real processes: generous deadlines, since the machine may be loaded.
const SLOW = { timeout: 60_000 };

describe('the rtp-offload program', SLOW, () => {
  it('prints its version from package.json', async () => {
    const r = await cli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `rtp-offload ${VERSION}\n` });
    expect(JSON.parse((await cli(['version', '--json'])).stdout)).toEqual({ version: VERSION });
  });

  it('prints per-command help for `help CMD` and `CMD --help` without contacting the agent', async () => {
    const before = agent.calls.length;
    for (const name of ['explain', 'status', 'watch', 'revert']) {
      const a = await cli(['--socket', sock, 'help', name]);
      const b = await cli(['--socket', sock, name, '--help']);
      expect(a.code).toBe(0);
      expect(a.stdout).toContain(`usage: rtp-offload ${name}`);
      expect(b).toEqual(a);
    }
    expect((await cli(['--socket', sock, 'explain', '-h'])).stdout).toContain(
      'usage: rtp-offload explain BRIDGE',
    );
    expect((await cli(['--help'])).stdout).toContain('exit codes: 0 ok');
    expect(agent.calls.length).toBe(before);
  });

  it('names an unknown option as an option and an unknown command as a command, exit 2', async () => {
    const flag = await cli(['--bogus']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^rtp-offload: unknown option --bogus\n/);
    const misplaced = await cli(['status', '--all']);
    expect(misplaced).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('status: unknown option --all'),
    });
    const cmd = await cli(['frobnicate']);
    expect(cmd).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "frobnicate"') });
    const noValue = await cli(['list', '--socket']);
    expect(noValue).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('option --socket needs a value'),
    });
  });

  it('reports errors as JSON with a stable code under --json and -o json', async () => {
    const usage = await cli(['--json', '--bogus']);
    expect(usage.code).toBe(2);
    expect(errorOf(usage.stderr)).toEqual({ code: 'USAGE', message: 'unknown option --bogus' });
    const unknown = await cli(['--socket', sock, '-o', 'json', 'explain', 'nope']);
    expect(unknown.code).toBe(1);
    expect(errorOf(unknown.stderr).code).toBe('UNKNOWN_ID');
    const gone = await cli(['--socket', join(dir, 'absent.sock'), 'status', '--json']);
    expect(gone.code).toBe(3);
    expect(errorOf(gone.stderr).code).toBe('UNREACHABLE');
  });

  it('exits 0 ok, 1 on a refusal, 2 on usage, 3 when the agent is not reachable', async () => {
    expect((await cli(['--socket', sock, 'status'])).code).toBe(0);
    expect((await cli(['--socket', sock, 'offload', 'nope'])).code).toBe(1);
    expect((await cli(['kill-switch', 'maybe'])).code).toBe(2);
    expect((await cli(['status'], { RTPO_CONTROL_SOCKET: join(dir, 'absent.sock') })).code).toBe(3);
    // The environment names the socket when --socket does not.
    expect((await cli(['status'], { RTPO_CONTROL_SOCKET: sock })).code).toBe(0);
  });

  it('prints since as ISO in JSON and an age column in tables; -o wide adds it; --no-headers drops the header', async () => {
    const json = JSON.parse((await cli(['--socket', sock, 'bridges', '-o', 'json'])).stdout) as BridgeDto[];
    expect(json[0]!.since).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(json[0]!.since!)).toBe(listing[0]!.since);
    expect(JSON.parse((await cli(['--socket', sock, '--json', 'bridges'])).stdout)).toEqual(json);
    const table = (await cli(['--socket', sock, 'bridges'])).stdout.split('\n');
    expect(table[0]).toMatch(/^BRIDGE\s+STATE\s+MEMBERS\s+TECHNOLOGY\s+AGE\s+REASON$/);
    // The bridge entered its state 90 s before it was made; the age counts from then.
    const age = /^B1\s+offloaded\s+2\s+native_rtp\s+(\d+)m(\d\d)s\s*$/.exec(table[1]!);
    expect(age).not.toBeNull();
    const ageSec = Number(age![1]) * 60 + Number(age![2]);
    expect(ageSec).toBeGreaterThanOrEqual(90);
    expect(ageSec).toBeLessThan(90 + 600);
    const wide = (await cli(['--socket', sock, 'bridges', '-o', 'wide'])).stdout.split('\n');
    expect(wide[0]).toContain('SINCE');
    expect(wide[1]).toContain(json[0]!.since);
    const bare = (await cli(['--socket', sock, 'list', '--no-headers'])).stdout;
    expect(bare).toMatch(/^B1\s+PJSIP\/alice-B1\s+198\.51\.100\.7:4000\s+192\.0\.2\.10:10000\s+500\s/);
    expect(bare).not.toContain('BRIDGE');
  });

  it('prints metrics as samples under --json', async () => {
    const r = await cli(['--socket', sock, 'metrics', '--json']);
    expect(JSON.parse(r.stdout)).toEqual([
      { name: 'rtpo_bridges', labels: { state: 'offloaded' }, value: 1 },
      { name: 'rtpo_up', labels: {}, value: 1 },
    ]);
    expect((await cli(['--socket', sock, 'metrics'])).stdout).toContain('# TYPE rtpo_bridges gauge');
  });

  it('ends quietly with exit 0 when its reader closes the pipe (`list --json | head -1`)', async () => {
    listing = Array.from({ length: 3000 }, (_v, i) => bridge(`B${i}`));
    try {
      const r = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
        execFile(
          'bash',
          [
            '-c',
            `set -o pipefail; node "$0" --socket "$1" list --json 2>"$2" | head -1; echo "status \${PIPESTATUS[0]}"`,
            CLI,
            sock,
            join(dir, 'err'),
          ],
          { encoding: 'utf8' },
          (err, stdout) =>
            err ? reject(err) : resolve({ stdout, stderr: readFileSync(join(dir, 'err'), 'utf8') }),
        ),
      );
      expect(r.stdout).toBe('[\nstatus 0\n');
      expect(r.stderr).toBe('');
    } finally {
      listing = [bridge('B1')];
    }
  });

  it('watch prints one frame per interval off a terminal, with packets/s and last-packet age, and ends on Ctrl-C with 0', async () => {
    let packets = 1000;
    listing = [bridge('B1')];
    const moving = (): BridgeView[] => {
      packets += 50;
      const b = bridge('B1');
      return [{ ...b, legs: [{ ...b.legs[0]!, packets }] }];
    };
    const saved = listing;
    const live = fakeAgent(moving);
    const wsock = join(dir, 'watch.sock');
    const wserver = new ControlServer(live, { minRefreshIntervalMs: 0 });
    await wserver.listen(wsock, 0o660);
    try {
      const p = spawnCli(['--socket', wsock, 'watch', '--interval', '0.5']);
      const done = finished(p);
      let seen = '';
      await new Promise<void>((resolve) =>
        p.stdout!.on('data', (d: Buffer) => {
          seen += d.toString();
          if (seen.split('\n\n').length > 3) resolve();
        }),
      );
      p.kill('SIGINT');
      const r = await done;
      expect(r).toMatchObject({ code: 0, signal: null, stderr: '' });
      const frames = r.stdout.split('\n\n').filter((f) => f.trim() !== '');
      expect(frames.length).toBeGreaterThanOrEqual(3);
      expect(frames[0]).toMatch(
        /^offloaded streams at \S+Z \(Ctrl-C to stop\)\nBRIDGE\s.*PKT\/S\s+LAST PACKET\n/,
      );
      // First frame: no rate yet; later ones: 50 packets per frame over about half a second.
      expect(frames[0]).toMatch(/B1 .*\s1050\s+-\s+-$/m);
      const later = /\s(\d+)\s+(\d+\.\d)\s+(\d+)s ago$/m.exec(frames[2]!);
      expect(later).not.toBeNull();
      expect(Number(later![2])).toBeGreaterThan(0);
      expect(r.stdout).not.toContain('\x1b[');
    } finally {
      await wserver.close();
      listing = saved;
    }
  });

  it('doctor prints each check with its fix, as JSON under -o json, and exits 1 on a failure', async () => {
    const r = await cli(['doctor', '--config', join(dir, 'absent.json'), '-o', 'json']);
    expect(r.code).toBe(1);
    const checks = (JSON.parse(r.stdout) as { checks: { id: string; status: string; fix?: string }[] })
      .checks;
    expect(checks[0]).toMatchObject({ id: 'config', status: 'fail', fix: expect.any(String) });
    const human = await cli(['doctor', '--config', join(dir, 'absent.json')]);
    expect(human.stdout).toMatch(/^FAIL {2}config .*absent\.json/m);
  });

  it('watch redraws in place on a terminal and Ctrl-C typed there ends it with 0', async () => {
    // script(1) gives the CLI a pseudo-terminal; a typed ^C reaches it as SIGINT from the tty.
    // script runs the command through $SHELL, or sh when SHELL is unset (as under CI); dash
    // stays as the CLI's parent and dies of that SIGINT itself, so the shell must exec the CLI.
    const p = spawn(
      'script',
      ['-qfec', `exec "${process.execPath}" "${CLI}" --socket "${sock}" watch -n 0.5`, '/dev/null'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const done = finished(p);
    let seen = '';
    await new Promise<void>((resolve) =>
      p.stdout!.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.split('\x1b[H\x1b[2J').length > 3) resolve();
      }),
    );
    p.stdin!.write('\x03');
    const r = await done;
    expect(r.code).toBe(0);
    expect(seen).toContain('\x1b[H\x1b[2Joffloaded streams at ');
  });

  it('rejects a bad watch interval as usage', async () => {
    const r = await cli(['watch', '--interval', 'soon']);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringContaining('--interval must be seconds') });
  });
});

describe('the bash completion', SLOW, () => {
  const complete = (line: string[]): Promise<string> =>
    new Promise((resolve, reject) =>
      execFile(
        'bash',
        [
          '-c',
          `source "$0"; COMP_WORDS=("\${@}"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _rtp_offload; echo "\${COMPREPLY[*]}"`,
          join(REPO, 'contrib/bash-completion/rtp-offload'),
          ...line,
        ],
        { encoding: 'utf8', env: { PATH: `${join(dir, 'bin')}:${process.env.PATH}` } },
        (err, stdout) => (err ? reject(err) : resolve(stdout.trim())),
      ),
    );

  it('completes commands, options, formats and on/off', async () => {
    expect(await complete(['rtp-offload', 'ex'])).toBe('explain');
    expect(await complete(['rtp-offload', '--no'])).toBe('--no-headers');
    expect(await complete(['rtp-offload', 'list', '-o', 'w'])).toBe('wide');
    expect(await complete(['rtp-offload', 'kill-switch', ''])).toBe('on off');
    expect(await complete(['rtp-offload', 'watch', '--int'])).toBe('--interval');
    expect(await complete(['rtp-offload', 'help', 'ki'])).toBe('kill-switch');
    expect(await complete(['rtp-offload', 'do'])).toBe('doctor');
    expect(await complete(['rtp-offload', 'doctor', '--con'])).toBe('--config');
  });
});

describe('scripts/emergency-revert.sh', SLOW, () => {
  it('prints its own usage for --help, not ovs-ofctl', async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        'bash',
        [join(REPO, 'scripts/emergency-revert.sh'), '--help'],
        { encoding: 'utf8' },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
    expect(out).toMatch(/^usage: emergency-revert\.sh \[TARGET\] \[TAG\]/);
    expect(out).not.toContain('ovs-ofctl: OpenFlow switch management utility');
  });
});
