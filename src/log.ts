import { pino, stdSerializers, type DestinationStream, type Logger as PinoLogger } from 'pino';

/**
 * Levelled JSON-lines logger (pino) on stderr. Callers pass a message and fields; the fields
 * can never replace what the line itself says (`level`, `msg`, `t`), errors keep their stack,
 * and secrets under the usual names are redacted even if a caller hands over a whole config
 * or an AMI action.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Keys every line owns; a caller's field of the same name is kept under `fields` instead. */
const RESERVED = new Set(['level', 'msg', 't']);

/** Where secrets travel: config sections, AMI Login actions, ARI credentials, HTTP headers. */
export const REDACTED_PATHS = [
  'secret',
  'Secret',
  'password',
  'Password',
  'authorization',
  '*.secret',
  '*.Secret',
  '*.password',
  '*.Password',
  '*.authorization',
  '*.*.secret',
  '*.*.password',
  'headers.authorization',
  '*.headers.authorization',
];

export function createLogger(
  level: LogLevel = 'info',
  base: Record<string, unknown> = {},
  write?: (line: string) => void,
): Logger {
  const dest: DestinationStream = write
    ? { write: (s: string) => write(s.endsWith('\n') ? s.slice(0, -1) : s) }
    : // Synchronous: the last lines before a crash are the ones that matter.
      pino.destination({ dest: 2, sync: true });
  return wrap(
    pino(
      {
        level,
        base: safeFields(base),
        messageKey: 'msg',
        timestamp: () => `,"t":"${new Date().toISOString()}"`,
        formatters: {
          level: (label) => ({ level: label }),
          bindings: (b) => hexBigints(b),
          log: (o) => hexBigints(o),
        },
        serializers: { err: stdSerializers.err, error: stdSerializers.err },
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      },
      dest,
    ),
  );
}

function wrap(p: PinoLogger): Logger {
  const at =
    (lvl: LogLevel) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (!p.isLevelEnabled(lvl)) return;
      if (fields) p[lvl](safeFields(fields), msg);
      else p[lvl](msg);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (f) => wrap(p.child(safeFields(f))),
  };
}

/** Moves reserved keys under `fields`, so a caller's `level` or `msg` cannot mislead a reader. */
function safeFields(fields: Record<string, unknown>): Record<string, unknown> {
  let moved: Record<string, unknown> | null = null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (RESERVED.has(k)) (moved ??= {})[k] = v;
    else out[k] = v;
  }
  if (moved) out.fields = { ...(out.fields as Record<string, unknown> | undefined), ...moved };
  return out;
}

/** Cookies are bigints: shown in hex, as ovs-ofctl shows them. */
function hexBigints(o: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'bigint') (out ??= { ...o })[k] = `0x${v.toString(16)}`;
  }
  return out ?? o;
}

export const silentLogger: Logger = wrap(pino({ level: 'silent' }));
