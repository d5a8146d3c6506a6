/**
 * The AMI read path with and without the read guard (src/asterisk/ami/read-guard.ts):
 * asterisk-manager fed over a real local socket, once straight (every read handed to its
 * reader as the library does by itself) and once through the guard. Prints the time its
 * reader spends per read (max) and in all (sum) for an unterminated 0.8 MB message in 16 KiB
 * writes, and for 2000 ordinary events. `node dist/bench/ami-read-path.js [--json]`
 */

import net from 'node:net';
import Manager from 'asterisk-manager';
import { AmiReadGuard } from '../src/asterisk/ami/read-guard.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_MESSAGE_LINES,
} from '../src/asterisk/ami/connection-types.js';

interface Figures {
  readonly reads: number;
  readonly maxReadMs: number;
  readonly totalMs: number;
  readonly events: number;
  readonly closedByGuard: boolean;
}

async function run(payload: readonly string[], guarded: boolean): Promise<Figures> {
  const server = net.createServer((sock) => {
    let i = 0;
    // One write per tick so the client sees separate reads, as from a slow sender.
    const next = (): void => {
      if (i >= payload.length) return void sock.end();
      sock.write(payload[i++] ?? '', () => setImmediate(next));
    };
    next();
  });
  server.on('error', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const guard = new AmiReadGuard({
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    maxMessageLines: DEFAULT_MAX_MESSAGE_LINES,
    actionIdPrefix: 'rtpo-',
  });
  let reads = 0;
  let maxReadMs = 0;
  let totalMs = 0;
  let events = 0;
  let closedByGuard = false;
  const manager = new Manager(undefined, '127.0.0.1', 'u', 'p', false);
  manager.on('managerevent', () => events++);
  const done = new Promise<void>((r) => manager.on('close', () => r()));
  manager.connect(
    {
      port,
      host: '127.0.0.1',
      onread: {
        buffer: Buffer.allocUnsafe(64 * 1024),
        callback(this: net.Socket, n: number, buf: Uint8Array): boolean {
          const started = performance.now();
          reads++;
          if (!guarded) {
            this.emit('data', Buffer.from(buf.subarray(0, n)).toString('utf8'));
          } else {
            const out = guard.push(buf.subarray(0, n));
            if (out.kind === 'too-large') {
              closedByGuard = true;
              this.destroy();
              return false;
            }
            if (out.text !== '') this.emit('data', out.text);
          }
          const ms = performance.now() - started;
          totalMs += ms;
          maxReadMs = Math.max(maxReadMs, ms);
          return true;
        },
      },
    },
    '127.0.0.1',
  );
  await done;
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise((r) => setImmediate(r));
  const round = (x: number): number => Math.round(x * 10) / 10;
  return { reads, maxReadMs: round(maxReadMs), totalMs: round(totalMs), events, closedByGuard };
}

// Short lines are the library's worst case: every read re-queues and shift()s them all.
const line = 'X-Pad: 1234\r\n';
const chunk = line.repeat(Math.floor(16384 / line.length));
const unterminated = new Array<string>(Math.ceil(800_000 / chunk.length)).fill(chunk);
const event =
  'Event: Newexten\r\nPrivilege: dialplan,all\r\nChannel: PJSIP/alice-00000001\r\nUniqueid: 1.1\r\n' +
  'Context: default\r\nExten: 100\r\nApplication: Dial\r\nAppData: PJSIP/bob\r\n\r\n';
const ordinary = new Array<string>(2000).fill(event);

const figures = {
  unterminated_raw: await run(unterminated, false),
  unterminated_guarded: await run([...unterminated, ...unterminated], true),
  // The same 0.8 MB with its blank line: refused at the line limit, never parsed.
  terminated_guarded: await run([...unterminated, 'Event: Big\r\n\r\n'], true),
  // The largest message the limits let through (1024 lines, ~100 KiB), 50 times over.
  at_limit_guarded: await run(
    new Array<string>(50).fill(
      `Event: Big\r\n${'X-Pad: ' + 'b'.repeat(90) + '\r\n'}`.repeat(1) +
        ('X-Pad: ' + 'b'.repeat(90) + '\r\n').repeat(1016) +
        '\r\n',
    ),
    true,
  ),
  ordinary_raw: await run(ordinary, false),
  ordinary_guarded: await run(ordinary, true),
};
if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(figures) + '\n');
else for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k} ${JSON.stringify(v)}\n`);
