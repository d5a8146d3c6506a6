import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cycles, importGraph, layerViolations } from './layers/import-graph.js';
import { sizeViolations } from './layers/size-limits.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** A throwaway `src/` tree: path → source. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'rtpo-layers-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  made.push(root);
  return root;
}
const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

const lines = (n: number, body = 'x;'): string => Array.from({ length: n }, () => body).join('\n');

// Parsing every file of src/ takes seconds on a loaded machine: no test here is about speed.
describe('the layer rules of DESIGN.md, read from the import graph of src/', { timeout: 120_000 }, () => {
  it('hold in the real tree', () => {
    expect(layerViolations(importGraph(SRC))).toEqual([]);
  });

  it('leave no import cycle in the real tree', () => {
    expect(cycles(importGraph(SRC))).toEqual([]);
  });

  it('name each forbidden import of a temporary tree by file, line and specifier', () => {
    const root = tree({
      'model/pbx.ts': "import net from 'node:net';\nimport type { X } from '../switch/x.js';\n",
      'policy/p.ts': "export { y } from '../asterisk/y.js';\nconst z = await import('../engine/e.js');\n",
      'plan/q.ts': "type T = import('../control/api.js').T;\nimport dgram = require('node:dgram');\n",
      'openflow/c.ts': "import { log } from '../log.js';\n",
      'switch/x.ts': "export type X = 1;\nimport { fake } from '../lab/pbx.js';\n",
      'cli/main.ts':
        "import { Agent } from '../agent.js';\nimport { c } from '../control/client.js';\nimport { run } from '../run.js';\nimport { x } from '../doctor/checks.js';\nimport { d } from '../doctor/index.js';\n",
      // Words in comments and strings are not imports.
      'net/ok.ts': "// import '../lab/pbx.js'\nconst s = \"import('../lab/x.js')\";\n",
      'lab/pbx.ts': "import { c } from '../control/client.js';\n",
      'asterisk/y.ts': 'export const y = 1;\n',
      'engine/e.ts': 'export {};\n',
      'control/api.ts': 'export type T = 1;\n',
      'control/client.ts': 'export const c = 1;\n',
      'log.ts': 'export const log = 1;\n',
      'agent.ts': 'export class Agent {}\n',
      'run.ts': 'export const run = 1;\n',
      'doctor/index.ts': 'export const d = 1;\n',
      'doctor/checks.ts': 'export const x = 1;\n',
    });
    expect(layerViolations(importGraph(root))).toEqual([
      'cli/main.ts:1 → ../agent.js: cli/ imports only control/ and run.ts, doctor/index.ts',
      'cli/main.ts:4 → ../doctor/checks.js: cli/ imports only control/ and run.ts, doctor/index.ts',
      'model/pbx.ts:1 → node:net: model/policy/plan use no sockets',
      'model/pbx.ts:2 → ../switch/x.js (type-only): model/policy/plan import no adapter',
      'openflow/c.ts:1 → ../log.js: openflow/ imports nothing else of the project',
      'plan/q.ts:1 → ../control/api.js (type-only): model/policy/plan import no adapter',
      'plan/q.ts:2 → node:dgram: model/policy/plan use no sockets',
      'policy/p.ts:1 → ../asterisk/y.js: model/policy/plan import no adapter',
      'policy/p.ts:2 → ../engine/e.js: model/policy/plan import no adapter',
      'switch/x.ts:2 → ../lab/pbx.js: nothing outside lab/ imports lab/',
    ]);
  });

  it('print each cycle of a temporary tree as a path, type-only imports included', () => {
    const root = tree({
      'a.ts': "import { b } from './b.js';\nexport const a = 1;\n",
      'b.ts': "import type { C } from './sub/index.js';\nexport const b = 1;\n",
      'sub/index.ts': "export { a } from '../a.js';\nexport type C = 1;\n",
      'self.ts': "export * from './self.js';\n",
      'leaf.ts': "import { a } from './a.js';\n",
    });
    expect(cycles(importGraph(root))).toEqual(['a.ts → b.ts → sub/index.ts → a.ts', 'self.ts → self.ts']);
  });
});

describe("issue 10's size limits", { timeout: 120_000 }, () => {
  it('name each file, class and function over its limit in a temporary tree', () => {
    const members = Array.from({ length: 26 }, (_v, i) => `  m${i}(): void {}`).join('\n');
    const root = tree({
      'big.ts': lines(451),
      'fits.ts': lines(450),
      'lab/huge.ts': lines(2000),
      'k.ts': `export class Wide {\n${members}\n}\nexport class Fine {\n  a = 1;\n}\n`,
      'engine/long.ts': `export function long(): void {\n${lines(79, '  f();')}\n}\nexport const ok = (): void => {\n${lines(78, '  f();')}\n};\n`,
      'switch/m.ts': `export class S {\n  run(): void {\n${lines(80, '    f();')}\n  }\n}\n`,
      'policy/free.ts': `export function anyLength(): void {\n${lines(200, '  f();')}\n}\n`,
    });
    expect(sizeViolations(root)).toEqual([
      'big.ts: 451 lines (limit 450)',
      'engine/long.ts: function long is 81 lines (limit 80)',
      'k.ts: class Wide has 26 members (limit 25)',
      'switch/m.ts: function run is 82 lines (limit 80)',
    ]);
  });

  // Fails until the engine, OpenFlow connection and PBX splits of issue 10 land; left on
  // on purpose so the lead sees the remaining offenders in the message.
  it('hold in the real tree', () => {
    expect(sizeViolations(SRC)).toEqual([]);
  });
});
