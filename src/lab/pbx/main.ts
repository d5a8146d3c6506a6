/**
 * The simulated PBX as its own process, e.g. inside the testbed's pbx namespace so its
 * CPU can be read from /proc:
 *
 *   ip netns exec <ns> node dist/src/lab/pbx/main.js --config pbx.json
 *   ip netns exec <ns> node dist/src/lab/pbx/main.js --json '{"version":22,…}'
 *
 * The JSON is SimulatedPbxOptions without the socket factory (RTP sockets are bound in
 * this process's namespace). When started with an IPC channel it takes ControlRequest
 * messages (control.ts); it prints one `{"ready":true,…}` line on stdout once listening,
 * and stops on SIGTERM/SIGINT or when the parent goes away.
 */
import { readFileSync } from 'node:fs';
import { handleControl, type ControlEnvelope, type ControlReply } from './control.js';
import { PbxError } from './errors.js';
import { SimulatedPbx } from './pbx.js';
import type { SimulatedPbxOptions } from './options.js';

function parseArgs(argv: readonly string[]): SimulatedPbxOptions {
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

async function main(): Promise<void> {
  const pbx = await SimulatedPbx.start(parseArgs(process.argv.slice(2)));
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
  process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid, ami: pbx.amiAddress() })}\n`);
}

main().catch((err: unknown) => {
  const e = err as { code?: string; message?: string };
  process.stderr.write(`simulated PBX: ${e.code ?? 'ERROR'}: ${e.message ?? String(err)}\n`);
  process.exit(2);
});
