#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AgentStatus } from '../control/api.js';
import { ControlClient, ControlClientError } from '../control/client.js';
import type { BridgeStatus } from '../engine/engine.js';
import { parseArgs, USAGE, UsageError, type Invocation } from './args.js';
import { formatBridges, formatExplain, formatStatus, formatStreams } from './format.js';

const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3 } as const;

async function execute(inv: Invocation, out: (s: string) => void): Promise<number> {
  const { command: cmd, json } = inv;
  if (cmd.name === 'help') {
    out(USAGE);
    return EXIT.ok;
  }
  if (cmd.name === 'run') {
    const { runAgent } = await import('../agent.js');
    await runAgent(cmd.config);
    return EXIT.ok;
  }
  const c = new ControlClient(inv.socket);
  const show = <T>(v: T, human: (v: T) => string): void => out(json ? JSON.stringify(v, null, 2) : human(v));
  switch (cmd.name) {
    case 'status':
      show(await c.get<AgentStatus>('/v1/status'), formatStatus);
      break;
    case 'list':
      show(await c.get<BridgeStatus[]>('/v1/streams'), formatStreams);
      break;
    case 'bridges':
      show(await c.get<BridgeStatus[]>('/v1/bridges'), formatBridges);
      break;
    case 'explain':
      show(await c.get<BridgeStatus>(`/v1/bridges/${encodeURIComponent(cmd.id)}`), formatExplain);
      break;
    case 'offload':
    case 'unpin':
      show(
        await c.post<{ bridges: string[] }>(`/v1/${cmd.name}`, { id: cmd.id }),
        (r) => `${cmd.name}: ${r.bridges.join(', ')}`,
      );
      break;
    case 'revert':
      if (cmd.all)
        show(
          await c.post<{ killSwitch: boolean }>('/v1/kill-switch', { on: true }),
          () => 'kill switch on: every call reverted to Asterisk',
        );
      else
        show(
          await c.post<{ bridges: string[] }>('/v1/revert', { id: cmd.id }),
          (r) => `reverted: ${r.bridges.join(', ')}`,
        );
      break;
    case 'kill-switch':
      show(
        await c.post<{ killSwitch: boolean }>('/v1/kill-switch', { on: cmd.on }),
        (r) => `kill switch ${r.killSwitch ? 'on' : 'off'}`,
      );
      break;
    case 'metrics':
      out(await c.text('/metrics'));
      break;
  }
  return EXIT.ok;
}

export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  let inv: Invocation;
  try {
    inv = parseArgs(argv, env);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`rtp-offload: ${e.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    throw e;
  }
  try {
    return await execute(inv, out);
  } catch (e) {
    if (e instanceof ControlClientError) {
      err(`rtp-offload: ${e.message}${e.code !== 'UNREACHABLE' ? ` (${e.code})` : ''}`);
      return e.code === 'UNREACHABLE' || e.code === 'TIMEOUT' ? EXIT.unreachable : EXIT.refused;
    }
    err(`rtp-offload: ${(e as Error).message}`);
    return EXIT.refused;
  }
}

// Through npm's bin symlink argv[1] is the link, so compare real paths.
const isEntry =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) {
  main(
    process.argv.slice(2),
    process.env,
    (s) => process.stdout.write(s + '\n'),
    (s) => process.stderr.write(s + '\n'),
  ).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`rtp-offload: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
