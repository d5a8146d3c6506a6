import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * A long-lived child must not outlive the agent, also when the agent is SIGKILLed and
 * cannot stop it. Linux kills a child whose parent dies when the child asked for it
 * (prctl PR_SET_PDEATHSIG); util-linux `setpriv --pdeathsig KILL` asks and then execs the
 * real program, which keeps the setting (it is cleared only for set-uid programs). Where
 * `setpriv` is missing (another OS, a minimal image) the command runs as it is.
 */
export function withParentDeathSignal(
  file: string,
  args: readonly string[],
  setpriv: string | null = findSetpriv(),
): { file: string; args: string[] } {
  if (setpriv === null) return { file, args: [...args] };
  return { file: setpriv, args: ['--pdeathsig', 'KILL', '--', file, ...args] };
}

let found: string | null | undefined;

/** `setpriv` on PATH (looked up once), or `null` when absent or not on Linux. */
export function findSetpriv(env: NodeJS.ProcessEnv = process.env): string | null {
  if (found !== undefined) return found;
  found = null;
  if (process.platform !== 'linux') return found;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'setpriv');
    try {
      accessSync(candidate, constants.X_OK);
      found = candidate;
      break;
    } catch {
      // not here
    }
  }
  return found;
}
