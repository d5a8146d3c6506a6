import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run, sweepStaleInstances, Testbed } from '../../src/lab/testbed/index.js';
import { isOurProcess, readPidFile } from '../../src/lab/testbed/processes.js';

const ENTRY = 'dist/src/lab/testbed/index.js';

describe('a testbed whose creator was killed', () => {
  it('is swept by the next instance, by its recorded names and pids only', async () => {
    expect(existsSync(ENTRY), 'build first (npm run build)').toBe(true);
    // A separate process creates an instance and is killed before it can tear it down.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import('./${ENTRY}').then(async (m) => { const b = await m.Testbed.create(); console.log(JSON.stringify({ prefix: b.prefix, runDir: b.runDir, pbxNs: b.pbxNs, farNs: b.farNs })); setInterval(() => {}, 1000); });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const info = await new Promise<{ prefix: string; runDir: string; pbxNs: string; farNs: string }>(
      (resolve, reject) => {
        child.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString())));
        child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
      },
    );
    const vswitchd = readPidFile(`${info.runDir}/ovs-vswitchd.pid`)!;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const namespaces = async (): Promise<string> => (await run('ip', ['netns', 'list'])).stdout;
    // SIGKILL runs no handler: everything is still there…
    expect(await namespaces()).toContain(info.pbxNs);
    expect(isOurProcess(vswitchd, 'ovs-vswitchd')).toBe(true);
    // …until the next sweep (every Testbed.create() starts with one).
    expect(sweepStaleInstances()).toContain(info.prefix);
    expect(await namespaces()).not.toContain(info.pbxNs);
    expect(await namespaces()).not.toContain(info.farNs);
    expect(existsSync(info.runDir)).toBe(false);
    expect(isOurProcess(vswitchd, 'ovs-vswitchd')).toBe(false);
  }, 60_000);

  it('leaves a live instance of another process alone', async () => {
    const bed = await Testbed.create();
    try {
      expect(sweepStaleInstances()).not.toContain(bed.prefix);
      expect((await run('ip', ['netns', 'list'])).stdout).toContain(bed.pbxNs);
    } finally {
      await bed.destroy();
    }
  });
});
