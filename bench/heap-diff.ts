import { readFileSync } from 'node:fs';

// `node dist/bench/heap-diff.js A.heapsnapshot B.heapsnapshot`: what grew between two heap
// snapshots of one process (taken with `--heapsnapshot-signal=SIGUSR2`; each snapshot runs a
// full GC first, so these are live objects). Prints node count and self size by type, objects
// and closures by constructor, largest size growth first. A per-call leak shows as a
// constructor (Object, Map, Array, a class) whose count grows with the calls placed between A and B.

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

type Tally = Map<string, { count: number; bytes: number }>;

function tally(file: string): { byKind: Tally; total: number } {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const byKind: Tally = new Map();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const type = types[s.nodes[i + iType]!]!;
    const key = type === 'object' || type === 'closure' ? `${type}:${s.strings[s.nodes[i + iName]!]}` : type;
    const size = s.nodes[i + iSize]!;
    const e = byKind.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += size;
    total += size;
    byKind.set(key, e);
  }
  return { byKind, total };
}

const [fileA, fileB] = process.argv.slice(2);
if (fileA === undefined || fileB === undefined) {
  process.stderr.write('usage: node dist/bench/heap-diff.js A.heapsnapshot B.heapsnapshot\n');
  process.exit(2);
}
const a = tally(fileA);
const b = tally(fileB);
process.stdout.write(`live heap ${(a.total / 1e6).toFixed(2)} MB -> ${(b.total / 1e6).toFixed(2)} MB\n`);
const keys = new Set([...a.byKind.keys(), ...b.byKind.keys()]);
const rows = [...keys].map((k) => {
  const x = a.byKind.get(k) ?? { count: 0, bytes: 0 };
  const y = b.byKind.get(k) ?? { count: 0, bytes: 0 };
  return { k, from: x.count, to: y.count, bytes: y.bytes - x.bytes };
});
rows.sort((r, s) => s.bytes - r.bytes);
for (const r of rows.slice(0, 25))
  process.stdout.write(
    `${r.k.slice(0, 50).padEnd(50)} ${String(r.from).padStart(7)} -> ${String(r.to).padStart(7)}  ${r.bytes >= 0 ? '+' : ''}${r.bytes} B\n`,
  );
