/**
 * What `main.ts` does once it has its options: start the PBX, serve ControlRequests over
 * the IPC channel, print the ready line, stop on a signal or when the parent goes away.
 * Exported so another entry (a benchmark's, with its own socket factory) can be driven by
 * the same `PbxProcess` without repeating the protocol.
 */
import { readFileSync } from 'node:fs';
import { handleControl, type ControlEnvelope, type ControlReply } from './control.js';
import { PbxError } from './errors.js';
import { SimulatedPbx } from './pbx.js';
import type { SimulatedPbxOptions } from './options.js';

/** `--config <file.json>` or `--json <options>`: SimulatedPbxOptions without the socket factory. */
export function optionsFromArgs(argv: readonly string[]): SimulatedPbxOptions {
  const i = argv.findIndex((a) => a === '--config' || a === '--json');
  if (i < 0 || argv[i + 1] === undefined) {
    throw new PbxError('PBX_BAD_OPTION', 'usage: main.js --config <file.json> | --json <options>');
  }
  const text = argv[i] === '--config' ? readFileSync(argv[i + 1]!, 'utf8') : argv[i + 1]!;
  try {
    return JSON.parse(text) as SimulatedPbxOptions;
  } catch (err) {
    throw new PbxError('PBX_BAD_OPTION', `${argv[i]}: not JSON: ${(err as Error).message}`);
  }
}

/**
 * Sends a message to the parent that is not the reply to a request (PbxProcess hands it to
 * its `onNotice` listeners). Does nothing without an IPC channel.
 */
export type Notify = (message: Record<string, unknown>) => void;

export interface ServeHooks {
  /** Called once the PBX listens, before the ready line: e.g. to watch its manager events. */
  readonly started?: (pbx: SimulatedPbx, notify: Notify) => void;
}

export async function servePbx(options: SimulatedPbxOptions, hooks: ServeHooks = {}): Promise<void> {
  const pbx = await SimulatedPbx.start(options);
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await pbx.stop();
    process.exit(code);
  };
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void stop(0));
  if (process.send) {
    process.on('message', (env: ControlEnvelope) => {
      void handleControl(pbx, env.request).then(
        (result) => process.send?.({ id: env.id, ok: true, result } satisfies ControlReply),
        (err: unknown) => {
          const e = err as { code?: string; message?: string };
          process.send?.({
            id: env.id,
            ok: false,
            code: e.code ?? 'PBX_ERROR',
            message: e.message ?? String(err),
          } satisfies ControlReply);
        },
      );
      if (env.request.op === 'stop') setTimeout(() => void stop(0), 50);
    });
    process.on('disconnect', () => void stop(0));
  }
  hooks.started?.(pbx, (message) => {
    if (process.connected) process.send?.(message);
  });
  process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid, ami: pbx.amiAddress() })}\n`);
}

/** Runs an entry's `main`, exiting with 2 and the error on stderr if it fails. */
export function runEntry(main: () => Promise<void>): void {
  // Through a promise, so that bad arguments (thrown before any await) end the same way.
  Promise.resolve()
    .then(main)
    .catch((err: unknown) => {
      const e = err as { code?: string; message?: string };
      process.stderr.write(`simulated PBX: ${e.code ?? 'ERROR'}: ${e.message ?? String(err)}\n`);
      process.exit(2);
    });
}
