/** One summary for the whole suite, printed at the end (vitest prints test output per test). */
const lines: string[] = [];
const results: { name: string; ok: boolean; detail: string }[] = [];

export function note(line: string): void {
  lines.push(line);
}

export function result(name: string, ok: boolean, detail = ''): void {
  results.push({ name, ok, detail });
}

/** Runs a scenario body, recording pass/fail and its figures for the summary. */
export async function scenario(name: string, body: () => Promise<string>): Promise<void> {
  try {
    const detail = await body();
    result(name, true, detail);
  } catch (err) {
    result(name, false, (err as Error).message.split('\n')[0] ?? '');
    throw err;
  }
}

export function printSummary(): void {
  const out = ['', '=== test:asterisk summary ==='];
  for (const r of results) out.push(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}${r.detail ? `: ${r.detail}` : ''}`);
  out.push(...lines);
  out.push(`${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length} failed`);
  process.stdout.write(out.join('\n') + '\n');
}
