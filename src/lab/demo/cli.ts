import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { main as cliMain } from '../../cli/main.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `rtp-offload --socket <socket> …args`, the operator's CLI, against the agent's
 * control socket. Built, it is the real program in its own process; from sources (the
 * tests run TypeScript directly, and Node cannot) the same entry point runs in this
 * process, still talking HTTP over the unix socket.
 */
export async function rtpOffload(socket: string, args: readonly string[]): Promise<CliRun> {
  const argv = ['--socket', socket, ...args];
  const compiled = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
  if (import.meta.url.endsWith('.js') && existsSync(compiled)) {
    // Asynchronous on purpose: the agent answering is in this very process.
    return new Promise((resolve) => {
      execFile(process.execPath, [compiled, ...argv], { encoding: 'utf8' }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }
  let stdout = '';
  let stderr = '';
  const code = await cliMain(
    argv,
    {},
    (s) => (stdout += `${s}\n`),
    (s) => (stderr += `${s}\n`),
  );
  return { code, stdout, stderr };
}
