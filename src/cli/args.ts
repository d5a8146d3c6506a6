/** The CLI's commands as values: parsing is pure, so every bad argument is a tested message. */
export type Command =
  | { readonly name: 'help' }
  | { readonly name: 'run'; readonly config: string }
  | { readonly name: 'status' }
  | { readonly name: 'list' }
  | { readonly name: 'bridges' }
  | { readonly name: 'explain'; readonly id: string }
  | { readonly name: 'offload'; readonly id: string }
  | { readonly name: 'revert'; readonly id: string | null; readonly all: boolean }
  | { readonly name: 'unpin'; readonly id: string }
  | { readonly name: 'kill-switch'; readonly on: boolean }
  | { readonly name: 'metrics' };

export interface Invocation {
  readonly command: Command;
  readonly json: boolean;
  readonly socket: string;
}

export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `usage: rtp-offload [--socket PATH] [--json] COMMAND

commands:
  run --config FILE      start the agent (AMI secret from the environment, see docs)
  status                 agent, Asterisk and switch status
  list                   offloaded streams with live switch counters
  bridges                every bridge with its state and the reason when not offloaded
  explain BRIDGE         why a bridge is or is not offloaded
  offload ID             pin a bridge or channel to offload (waives age, scope, back-off)
  revert ID | --all      pin a bridge or channel back to Asterisk; --all: kill switch on
  unpin ID               remove a pin
  kill-switch on|off     revert everything and stop offloading, or resume
  metrics                Prometheus metrics

exit codes: 0 ok, 1 the agent refused (unknown id, …), 2 usage, 3 agent unreachable`;

const ID_RE = /^[A-Za-z0-9._:/@;-]{1,128}$/;
export const DEFAULT_SOCKET = '/run/rtp-offload/control.sock';

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Invocation {
  let json = false;
  let socket = env.RTPO_CONTROL_SOCKET ?? DEFAULT_SOCKET;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--socket') {
      const v = argv[++i];
      if (!v) throw new UsageError('--socket needs a path');
      socket = v;
    } else if (a.startsWith('--socket=')) socket = a.slice('--socket='.length);
    else rest.push(a);
  }
  const [name, ...args] = rest;
  const id = (what: string): string => {
    const v = args[0];
    if (!v) throw new UsageError(`${name} needs ${what}`);
    if (!ID_RE.test(v)) throw new UsageError(`${name}: ${JSON.stringify(v)} is not a valid ${what}`);
    if (args.length > 1) throw new UsageError(`${name}: unexpected argument ${JSON.stringify(args[1])}`);
    return v;
  };
  const none = (): void => {
    if (args.length > 0) throw new UsageError(`${name}: unexpected argument ${JSON.stringify(args[0])}`);
  };
  let command: Command;
  switch (name) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      command = { name: 'help' };
      break;
    case 'run': {
      const i = args.findIndex((a) => a === '--config' || a.startsWith('--config='));
      const cfg = i < 0 ? undefined : args[i]!.includes('=') ? args[i]!.split('=')[1] : args[i + 1];
      if (!cfg) throw new UsageError('run needs --config FILE');
      command = { name: 'run', config: cfg };
      break;
    }
    case 'status':
    case 'list':
    case 'bridges':
    case 'metrics':
      none();
      command = { name };
      break;
    case 'explain':
    case 'offload':
    case 'unpin':
      command = { name, id: id(name === 'explain' ? 'a bridge id' : 'a bridge or channel id') };
      break;
    case 'revert':
      if (args[0] === '--all') {
        if (args.length > 1)
          throw new UsageError(`revert --all: unexpected argument ${JSON.stringify(args[1])}`);
        command = { name: 'revert', id: null, all: true };
      } else command = { name: 'revert', id: id('a bridge or channel id (or --all)'), all: false };
      break;
    case 'kill-switch':
      if (args.length !== 1 || (args[0] !== 'on' && args[0] !== 'off'))
        throw new UsageError('kill-switch needs on or off');
      command = { name: 'kill-switch', on: args[0] === 'on' };
      break;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  }
  return { command, json, socket };
}
