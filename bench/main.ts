import { sections } from './sections.js';
import type { BenchContext } from './section.js';

// `npm run bench [-- --quick] [-- --json] [-- --only=openflow,engine]`
// Figures and ratios only; targets are stated beside them, never asserted in tests.
const args = new Set(process.argv.slice(2));
const json = args.has('--json');
const only = [...args].find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');

const ctx: BenchContext = {
  quick: args.has('--quick'),
  log: (line) => (json ? process.stderr : process.stdout).write(line + '\n'),
};

const figures: Record<string, number | string | boolean | null> = {};
let failed = false;
for (const section of sections) {
  if (only && !only.includes(section.name)) continue;
  ctx.log(`== ${section.name}`);
  try {
    Object.assign(figures, await section.run(ctx));
  } catch (err) {
    failed = true;
    figures[`${section.name}.error`] = err instanceof Error ? err.message : String(err);
    ctx.log(`section ${section.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}
if (json) process.stdout.write(JSON.stringify(figures) + '\n');
process.exitCode = failed ? 1 : 0;
