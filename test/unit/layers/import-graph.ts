import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One import of one file: what it wrote, and the project file it names (null: a package or builtin). */
export interface ImportEdge {
  readonly from: string;
  readonly specifier: string;
  readonly target: string | null;
  readonly typeOnly: boolean;
  readonly line: number;
}

/** Every `.ts` file under `root`, as paths relative to it with `/` separators. */
export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts'))
        out.push(relative(root, p).split(sep).join('/'));
    }
  };
  walk(root);
  return out;
}

export function parse(root: string, file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
}

/** `./x.js` → `x.ts`, `./dir` → `dir/index.ts`, relative to `root`; null when outside the tree. */
function resolveSpecifier(root: string, from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const abs = resolve(root, dirname(from), spec);
  const candidates = [abs.replace(/\.js$/, '.ts'), `${abs}.ts`, join(abs, 'index.ts'), abs];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? candidates[0]!;
  return relative(root, hit).split(sep).join('/');
}

/**
 * Every import of a file: `import`, `import type`, `export … from`, `import x = require()`,
 * dynamic `import('…')` and type-position `import('…').T`, read from the syntax tree so
 * that nothing in a comment or string counts.
 */
export function importsOf(root: string, file: string): ImportEdge[] {
  const sf = parse(root, file);
  const edges: ImportEdge[] = [];
  const add = (lit: ts.Node, typeOnly: boolean): void => {
    if (!ts.isStringLiteralLike(lit)) return;
    edges.push({
      from: file,
      specifier: lit.text,
      target: resolveSpecifier(root, file, lit.text),
      typeOnly,
      line: sf.getLineAndCharacterOfPosition(lit.getStart(sf)).line + 1,
    });
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n)) {
      const clause = n.importClause;
      const allTypes =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(n.moduleSpecifier, allTypes);
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier) add(n.moduleSpecifier, n.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference))
      add(n.moduleReference.expression, n.isTypeOnly);
    else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0])
      add(n.arguments[0], false);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) add(n.argument.literal, true);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return edges;
}

export function importGraph(root: string): ImportEdge[] {
  return sourceFiles(root).flatMap((f) => importsOf(root, f));
}

const CORE = ['model/', 'policy/', 'plan/'];
const ADAPTERS = ['asterisk/', 'openflow/', 'switch/', 'control/', 'net/', 'engine/', 'cli/', 'lab/'];
const NETWORK = new Set(['node:net', 'net', 'node:dgram', 'dgram']);
/**
 * The entries besides control/ that the CLI may load (lazily): `run` starts the agent, `doctor`
 * checks the host without it. Both are commands that work without a running agent.
 */
const CLI_ENTRIES = ['run.ts', 'doctor/index.ts'];

const inDir = (file: string, dirs: readonly string[]): boolean => dirs.some((d) => file.startsWith(d));

/** DESIGN.md's layer rules, one message per offending import: `file:line → specifier (rule)`. */
export function layerViolations(edges: readonly ImportEdge[]): string[] {
  const out: string[] = [];
  const bad = (e: ImportEdge, rule: string): void => {
    out.push(`${e.from}:${e.line} → ${e.specifier}${e.typeOnly ? ' (type-only)' : ''}: ${rule}`);
  };
  for (const e of edges) {
    const t = e.target;
    if (inDir(e.from, CORE)) {
      if (NETWORK.has(e.specifier)) bad(e, 'model/policy/plan use no sockets');
      if (t && inDir(t, ADAPTERS)) bad(e, 'model/policy/plan import no adapter');
    }
    if (e.from.startsWith('openflow/') && t && !t.startsWith('openflow/'))
      bad(e, 'openflow/ imports nothing else of the project');
    if (!e.from.startsWith('lab/') && t?.startsWith('lab/')) bad(e, 'nothing outside lab/ imports lab/');
    if (
      e.from.startsWith('cli/') &&
      t &&
      !t.startsWith('cli/') &&
      !t.startsWith('control/') &&
      !CLI_ENTRIES.includes(t)
    )
      bad(e, `cli/ imports only control/ and ${CLI_ENTRIES.join(', ')}`);
  }
  return out;
}

/** Every import cycle among project files, each printed as `a.ts → b.ts → a.ts`. */
export function cycles(edges: readonly ImportEdge[]): string[] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (e.target) next.set(e.from, [...(next.get(e.from) ?? []), e.target]);
  // Tarjan's strongly connected components; each component of more than one file (or a
  // file importing itself) holds a cycle, printed as one path through it.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) !== idx.get(v)) return;
    const comp: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1 || (next.get(v) ?? []).includes(v)) found.push(pathThrough(new Set(comp), v, next));
  };
  for (const v of [...new Set(edges.map((e) => e.from))].sort()) if (!idx.has(v)) strong(v);
  return found;
}

/** A shortest cycle from `start` back to itself inside one component (breadth first). */
function pathThrough(comp: Set<string>, start: string, next: Map<string, string[]>): string {
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (!comp.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = prev.get(u)!) path.unshift(u);
        path.unshift(start);
        return path.join(' → ');
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return `${start} → ${start}`;
}
