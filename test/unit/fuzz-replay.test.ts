import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TARGETS } from '../../fuzz/targets.js';

// Inputs `npm run fuzz` once found crashing or slow, replayed through the same target.
const root = join(process.cwd(), 'test/fixtures/fuzz');

describe.each(TARGETS.map((t) => [t.name, t] as const))('fuzz regressions: %s', (name, target) => {
  const dir = join(root, name);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.bin')) : [];
  it.runIf(files.length > 0)(`replays ${files.length} saved input(s) without a crash`, async () => {
    const session = await target.open();
    try {
      for (const f of files) {
        const started = Date.now();
        await expect(Promise.resolve(session.run(readFileSync(join(dir, f))))).resolves.toBeUndefined();
        // Generous: a regression here means seconds, not a loaded machine's milliseconds.
        expect(Date.now() - started, f).toBeLessThan(10_000);
      }
    } finally {
      await session.close();
    }
  });
});
