/** Every command's synopsis, options and help text: one table that parsing, help and completion read. */

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Name of the value in help, for string options. */
  readonly value?: string;
  readonly help: string;
}

export interface CommandSpec {
  readonly name: string;
  readonly synopsis: string;
  readonly summary: string;
  readonly detail?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Whether it talks to the agent's control socket (the help says so, and the socket matters). */
  readonly contactsAgent: boolean;
}

/** Options every command takes, before or after the command name (as kubectl). */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  socket: {
    type: 'string',
    value: 'PATH',
    help: 'the agent control socket (default $RTPO_CONTROL_SOCKET, else /run/rtp-offload/control.sock)',
  },
  output: { type: 'string', short: 'o', value: 'FORMAT', help: 'table (default), wide or json' },
  json: { type: 'boolean', help: 'the same as -o json' },
  'no-headers': { type: 'boolean', help: 'tables without their header line' },
  help: { type: 'boolean', short: 'h', help: 'this help, without contacting the agent' },
  version: { type: 'boolean', help: 'print the version and exit' },
};

const ID_HELP = 'ID is a bridge id or a bridged channel (name or unique id).';

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'run',
    synopsis: 'run --config FILE',
    summary: 'start the agent (AMI secret from the environment, see docs)',
    detail:
      'Runs in the foreground until SIGINT or SIGTERM. The AMI secret is read from\nRTPO_AMI_SECRET (ARI: RTPO_ARI_PASSWORD), never from argv or the file.',
    options: { config: { type: 'string', short: 'c', value: 'FILE', help: 'the JSON configuration' } },
    contactsAgent: false,
  },
  {
    name: 'doctor',
    synopsis: 'doctor [--config FILE]',
    summary: 'check the host, the switch and Asterisk against the configuration',
    detail:
      'Prints each check as ok / warn / fail with the fix; exit code 0 when nothing fails, 1 otherwise.\nReads the configuration (default /etc/rtp-offload.json) and the AMI secret as `run` does.',
    options: { config: { type: 'string', short: 'c', value: 'FILE', help: 'the JSON configuration' } },
    contactsAgent: false,
  },
  {
    name: 'status',
    synopsis: 'status',
    summary: 'agent, Asterisk and switch status',
    options: {},
    contactsAgent: true,
  },
  {
    name: 'list',
    synopsis: 'list',
    summary: 'offloaded streams with live switch counters',
    detail: 'Counters are at most a few seconds old: the last periodic audit, or one read from the switch.',
    options: {},
    contactsAgent: true,
  },
  {
    name: 'bridges',
    synopsis: 'bridges',
    summary: 'every bridge with its state and the reason when not offloaded',
    options: {},
    contactsAgent: true,
  },
  {
    name: 'watch',
    synopsis: 'watch [--interval SECONDS]',
    summary: 'offloaded streams refreshed in place: packets/s and age of the last packet',
    detail:
      'On a terminal the table is redrawn in place; otherwise one frame is printed per interval\n(-o json: one JSON object per line). Ctrl-C ends it with exit code 0.',
    options: {
      interval: {
        type: 'string',
        short: 'n',
        value: 'SECONDS',
        help: 'seconds between frames (default 2, 0.5 to 3600)',
      },
    },
    contactsAgent: true,
  },
  {
    name: 'explain',
    synopsis: 'explain BRIDGE',
    summary: 'why a bridge is or is not offloaded',
    options: {},
    contactsAgent: true,
  },
  {
    name: 'offload',
    synopsis: 'offload ID',
    summary: 'pin a bridge or channel to offload (waives age, scope, back-off)',
    detail: ID_HELP,
    options: {},
    contactsAgent: true,
  },
  {
    name: 'revert',
    synopsis: 'revert ID | --all',
    summary: 'pin a bridge or channel back to Asterisk; --all: kill switch on',
    detail: ID_HELP,
    options: { all: { type: 'boolean', help: 'revert every call and stop offloading (kill switch on)' } },
    contactsAgent: true,
  },
  {
    name: 'unpin',
    synopsis: 'unpin ID',
    summary: 'remove a pin',
    detail: ID_HELP,
    options: {},
    contactsAgent: true,
  },
  {
    name: 'kill-switch',
    synopsis: 'kill-switch on|off',
    summary: 'revert everything and stop offloading, or resume',
    options: {},
    contactsAgent: true,
  },
  {
    name: 'metrics',
    synopsis: 'metrics',
    summary: 'Prometheus metrics (-o json: one object per sample)',
    options: {},
    contactsAgent: true,
  },
  {
    name: 'help',
    synopsis: 'help [COMMAND]',
    summary: "this help, or one command's",
    options: {},
    contactsAgent: false,
  },
  { name: 'version', synopsis: 'version', summary: 'print the version', options: {}, contactsAgent: false },
];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export const EXIT_CODES_TEXT =
  'exit codes: 0 ok, 1 failure (the agent refused: unknown id, …), 2 usage, 3 agent not reachable';

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  return Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    return `  ${flag.padEnd(24)} ${o.help}`;
  });
}

export function usage(): string {
  return [
    'usage: rtp-offload [OPTIONS] COMMAND [ARGS]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.synopsis.padEnd(26)} ${c.summary}`),
    '',
    'options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    '`rtp-offload help COMMAND` or `rtp-offload COMMAND --help` describes one command.',
    EXIT_CODES_TEXT,
  ].join('\n');
}

export function commandHelp(spec: CommandSpec): string {
  const lines = [`usage: rtp-offload ${spec.synopsis} [OPTIONS]`, '', spec.summary];
  if (spec.detail) lines.push('', spec.detail);
  if (Object.keys(spec.options).length > 0) lines.push('', 'options:', ...optionLines(spec.options));
  lines.push('', 'global options:', ...optionLines(GLOBAL_OPTIONS), '', EXIT_CODES_TEXT);
  return lines.join('\n');
}
