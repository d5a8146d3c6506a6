/**
 * `npm run fuzz [-- --target NAME --inputs N --seed S --json]`: mutated inputs from the recorded
 * fixtures through every input path (fuzz/targets.ts). Seeded and reproducible: the seed is
 * printed, and input i of a target depends only on (seed, target, i). A crash or an input over
 * 1 s is saved under test/fixtures/fuzz/<target>/ and replayed by test/unit/fuzz-replay.test.ts.
 * Exit 1 on any crash or hang.
 */

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mutate, rng } from './mutate.js';
import { seedsFor } from './seeds.js';
import { TARGETS } from './targets.js';

const HANG_MS = 1000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const json = process.argv.includes('--json');
const inputs = Number(arg('inputs') ?? 100_000);
const seed = Number(arg('seed') ?? Math.floor(Math.random() * 2 ** 31));
const only = arg('target');
const root = process.cwd();
const log = (line: string): boolean => (json ? process.stderr : process.stdout).write(line + '\n');

log(`fuzz seed ${seed} (re-run: npm run fuzz -- --seed ${seed} --inputs ${inputs})`);

let current: { target: string; input: Buffer } | null = null;
let asyncCrash: unknown = null;
// The AMI library emits on process.nextTick: a throw there is an uncaught exception of the input.
process.on('uncaughtException', (err) => {
  asyncCrash = err;
});

function save(target: string, input: Buffer, why: string): string {
  const dir = join(root, 'test/fixtures/fuzz', target);
  mkdirSync(dir, { recursive: true });
  const name = createHash('sha256').update(input).digest('hex').slice(0, 16);
  writeFileSync(join(dir, `${name}.bin`), input);
  log(`  ${target}: ${why}; saved test/fixtures/fuzz/${target}/${name}.bin`);
  return name;
}

const report: Record<
  string,
  { inputs: number; crashes: number; hangs: number; max_ms: number; heap_growth_mb: number }
> = {};
let failed = false;
for (const target of TARGETS) {
  if (only && target.name !== only) continue;
  const seeds = seedsFor(target.name, root);
  if (seeds.length === 0) seeds.push(Buffer.alloc(0));
  const random = rng(seed ^ createHash('sha256').update(target.name).digest().readUInt32LE(0));
  const session = await target.open();
  let crashes = 0;
  let hangs = 0;
  let maxMs = 0;
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = Date.now();
  for (let i = 0; i < inputs; i++) {
    const base = seeds[Math.floor(random() * seeds.length)]!;
    const input = i < seeds.length ? seeds[i]! : mutate(base, random);
    current = { target: target.name, input };
    // CPU time, not wall time: on a shared machine a descheduled process would count as hung.
    const c0 = process.cpuUsage();
    try {
      await session.run(input);
      if (asyncCrash) throw asyncCrash;
    } catch (err) {
      asyncCrash = null;
      crashes++;
      if (crashes <= 5)
        save(target.name, input, `crash: ${(err as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
    }
    const c1 = process.cpuUsage(c0);
    const ms = (c1.user + c1.system) / 1000;
    maxMs = Math.max(maxMs, ms);
    if (ms > HANG_MS) {
      hangs++;
      if (hangs <= 5) save(target.name, input, `took ${Math.round(ms)} ms`);
    }
  }
  current = null;
  await session.close();
  global.gc?.();
  const growth = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  report[target.name] = {
    inputs,
    crashes,
    hangs,
    max_ms: Math.round(maxMs * 10) / 10,
    heap_growth_mb: Math.round(growth * 10) / 10,
  };
  failed ||= crashes > 0 || hangs > 0;
  log(
    `${target.name}: ${inputs} inputs, ${crashes} crashes, ${hangs} hangs, max ${maxMs.toFixed(1)} ms, heap ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
void current;
if (json) process.stdout.write(JSON.stringify(report) + '\n');
process.exitCode = failed ? 1 : 0;
