import { parseArgs as parseArgv } from 'node:util';
import { COMMANDS, commandSpec, GLOBAL_OPTIONS, type OptionSpec } from './commands.js';

/** The CLI's commands as values: parsing is pure, so every bad argument is a tested message. */
export type Command =
  | { readonly name: 'help'; readonly topic: string | null }
  | { readonly name: 'version' }
  | { readonly name: 'run'; readonly config: string }
  | { readonly name: 'doctor'; readonly config: string }
  | { readonly name: 'status' }
  | { readonly name: 'list' }
  | { readonly name: 'bridges' }
  | { readonly name: 'watch'; readonly intervalMs: number }
  | { readonly name: 'explain'; readonly id: string }
  | { readonly name: 'offload'; readonly id: string }
  | { readonly name: 'revert'; readonly id: string | null; readonly all: boolean }
  | { readonly name: 'unpin'; readonly id: string }
  | { readonly name: 'kill-switch'; readonly on: boolean }
  | { readonly name: 'metrics' };

export type OutputFormat = 'table' | 'wide' | 'json';

export interface Invocation {
  readonly command: Command;
  readonly output: OutputFormat;
  /** `output === 'json'`, kept for the callers that only ask that. */
  readonly json: boolean;
  readonly headers: boolean;
  readonly socket: string;
}

export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const ID_RE = /^[A-Za-z0-9._:/@;-]{1,128}$/;
export const DEFAULT_SOCKET = '/run/rtp-offload/control.sock';
export const DEFAULT_CONFIG = '/etc/rtp-offload.json';

type ParseOptions = Record<string, { type: 'string' | 'boolean'; short?: string }>;

const ALL_OPTIONS: ParseOptions = ((): ParseOptions => {
  const all: ParseOptions = {};
  const add = (opts: Readonly<Record<string, OptionSpec>>): void => {
    for (const [k, o] of Object.entries(opts))
      all[k] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  };
  add(GLOBAL_OPTIONS);
  for (const c of COMMANDS) add(c.options);
  return all;
})();

/** node:util's messages, reworded to name the flag as the user typed it. */
function usageFromParseError(err: Error & { code?: string }): UsageError {
  const flag = /'(-[^' ]+)/.exec(err.message)?.[1] ?? '';
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${flag}`);
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const spec = ALL_OPTIONS[flag.replace(/^-+/, '')];
    return spec?.type === 'boolean'
      ? new UsageError(`option ${flag} takes no value`)
      : new UsageError(`option ${flag} needs a value`);
  }
  return new UsageError(err.message);
}

function outputOf(values: Record<string, unknown>): OutputFormat {
  const o = values.output;
  if (o === undefined) return values.json === true ? 'json' : 'table';
  if (o === 'table' || o === 'wide' || o === 'json') {
    if (values.json === true && o !== 'json') throw new UsageError(`--json contradicts -o ${o}`);
    return o;
  }
  throw new UsageError(`-o must be table, wide or json, got ${JSON.stringify(o)}`);
}

function intervalOf(v: unknown): number {
  if (v === undefined) return 2000;
  const s = Number(v);
  if (typeof v !== 'string' || !/^\d+(\.\d+)?$/.test(v) || s < 0.5 || s > 3600)
    throw new UsageError(`--interval must be seconds between 0.5 and 3600, got ${JSON.stringify(v)}`);
  return Math.round(s * 1000);
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Invocation {
  let parsed: ReturnType<typeof parseArgv>;
  try {
    parsed = parseArgv({
      args: [...argv],
      options: ALL_OPTIONS,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (e) {
    throw usageFromParseError(e as Error);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const [name, ...args] = parsed.positionals;
  const socket =
    typeof values.socket === 'string' ? values.socket : (env.RTPO_CONTROL_SOCKET ?? DEFAULT_SOCKET);
  if (values.socket === '') throw new UsageError('option --socket needs a path');
  const output = outputOf(values);
  const base = { output, json: output === 'json', headers: values['no-headers'] !== true, socket };

  if (values.version === true) return { ...base, command: { name: 'version' } };
  if (name === undefined) return { ...base, command: { name: 'help', topic: null } };
  const spec = commandSpec(name);
  if (!spec) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  if (values.help === true) return { ...base, command: { name: 'help', topic: name } };

  // The option table is the union of every command's, so refuse what this command does not take.
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option' || t.name in GLOBAL_OPTIONS || t.name in spec.options) continue;
    throw new UsageError(`${name}: unknown option ${t.rawName}`);
  }
  return { ...base, command: commandOf(name, args, values) };
}

function commandOf(
  name: string,
  args: string[],
  values: Record<string, string | boolean | undefined>,
): Command {
  const none = (): void => {
    if (args.length > 0) throw new UsageError(`${name}: unexpected argument ${JSON.stringify(args[0])}`);
  };
  const id = (what: string): string => {
    const v = args[0];
    if (!v) throw new UsageError(`${name} needs ${what}`);
    if (!ID_RE.test(v)) throw new UsageError(`${name}: ${JSON.stringify(v)} is not a valid ${what}`);
    if (args.length > 1) throw new UsageError(`${name}: unexpected argument ${JSON.stringify(args[1])}`);
    return v;
  };
  switch (name) {
    case 'help': {
      const topic = args[0] ?? null;
      if (topic !== null && !commandSpec(topic))
        throw new UsageError(`help: unknown command ${JSON.stringify(topic)}`);
      if (args.length > 1) throw new UsageError(`help: unexpected argument ${JSON.stringify(args[1])}`);
      return { name: 'help', topic };
    }
    case 'run':
      none();
      if (typeof values.config !== 'string' || values.config === '')
        throw new UsageError('run needs --config FILE');
      return { name: 'run', config: values.config };
    case 'doctor':
      none();
      if (values.config === '') throw new UsageError('doctor: --config needs a file');
      return { name, config: typeof values.config === 'string' ? values.config : DEFAULT_CONFIG };
    case 'version':
    case 'status':
    case 'list':
    case 'bridges':
    case 'metrics':
      none();
      return { name };
    case 'watch':
      none();
      return { name, intervalMs: intervalOf(values.interval) };
    case 'explain':
      return { name, id: id('a bridge id') };
    case 'offload':
    case 'unpin':
      return { name, id: id('a bridge or channel id') };
    case 'revert':
      if (values.all === true) {
        if (args.length > 0)
          throw new UsageError(`revert --all: unexpected argument ${JSON.stringify(args[0])}`);
        return { name: 'revert', id: null, all: true };
      }
      return { name: 'revert', id: id('a bridge or channel id (or --all)'), all: false };
    case 'kill-switch':
      if (args.length !== 1 || (args[0] !== 'on' && args[0] !== 'off'))
        throw new UsageError('kill-switch needs on or off');
      return { name: 'kill-switch', on: args[0] === 'on' };
    default:
      throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  }
}

/**
 * Whether the user asked for JSON, read leniently from raw argv: a usage error must also
 * be JSON under `--json`, and by then the strict parse has already failed.
 */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.some(
    (a, i) =>
      a === '--json' ||
      a === '-ojson' ||
      a === '--output=json' ||
      ((a === '-o' || a === '--output') && argv[i + 1] === 'json'),
  );
}
