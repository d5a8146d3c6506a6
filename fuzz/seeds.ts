/** Seed inputs of each target, read from the recorded fixtures in test/fixtures/. */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function transcriptFile(path: string, proto: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const rec = JSON.parse(line) as { proto?: string; dir?: string; raw?: string };
    if (rec.proto === proto && rec.dir === 'received' && typeof rec.raw === 'string') out.push(rec.raw);
  }
  return out;
}

function transcript(dir: string, proto: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.jsonl'))
    .flatMap((f) => transcriptFile(join(dir, f), proto));
}

function hexMessages(dir: string): Buffer[] {
  const out: Buffer[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.hex'))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const t = line.trim();
      if (t !== '' && !t.startsWith('#') && /^[0-9a-f]+$/i.test(t)) out.push(Buffer.from(t, 'hex'));
    }
  }
  return out;
}

export function seedsFor(target: string, root: string): Buffer[] {
  const asterisk = join(root, 'test/fixtures/asterisk-22');
  const text = (list: string[]): Buffer[] => list.map((s) => Buffer.from(s, 'utf8'));
  switch (target) {
    case 'ami': {
      const msgs = transcript(asterisk, 'ami');
      // Whole sessions too, so cross-message state of the library's reader is exercised.
      return [...text(msgs), Buffer.from(msgs.join(''), 'utf8')];
    }
    case 'ari': {
      const bodies = transcript(asterisk, 'ari-http').map((r) => r.slice(r.indexOf('\r\n\r\n') + 4));
      return text([...transcript(asterisk, 'ari-ws'), ...bodies.filter((b) => b !== '')]);
    }
    case 'openflow':
      return hexMessages(join(root, 'test/fixtures/openflow'));
    case 'module': {
      // Each list item alone, and the listing of each recorded session.
      const dir = join(asterisk, 'module');
      const items = transcript(dir, 'ami');
      const sessions = readdirSync(dir)
        .filter((n) => n.endsWith('.jsonl'))
        .map((n) => transcriptFile(join(dir, n), 'ami').join(''));
      return text([...items, ...sessions]);
    }
    case 'cli':
      return text(['status', 'list\0--json', 'streams\0--refresh', '--socket\0/run/x.sock\0status', 'help']);
    case 'config':
      return readdirSync(join(root, 'config'))
        .filter((n) => n.endsWith('.json'))
        .map((n) => readFileSync(join(root, 'config', n)));
    default:
      return [];
  }
}
