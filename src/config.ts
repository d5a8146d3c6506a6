import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIpAddress } from './model/address.js';

/** A configuration error names the key and the bad value. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`config ${key}: ${message}`);
    this.name = 'ConfigError';
  }
}

export interface AmiConfig {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** Read from the environment variable named by `secretEnv`; never from the file or argv. */
  readonly secret: string;
  readonly requestConcurrency: number;
  readonly requestsPerSecond: number;
  readonly requestTimeoutMs: number;
}

export interface AriConfig {
  /** Base URL of Asterisk's HTTP server, without `/ari`. */
  readonly url: string;
  readonly username: string;
  /** Read from the environment variable named by `passwordEnv`; never from the file or argv. */
  readonly password: string;
  readonly app: string;
}

export interface Config {
  /**
   * Which interface the agent reads Asterisk through. AMI is the default and the one that
   * can read endpoint configuration (PJSIPShowEndpoint); ARI sees ordinary Dial() calls
   * through `subscribeAll`.
   */
  readonly asterisk: {
    readonly source: 'ami' | 'ari';
    readonly ami: AmiConfig | null;
    readonly ari: AriConfig | null;
    /** Every bridge is listed this often (one listing), to drop calls whose hangup was missed; 0 = off. */
    readonly relistIntervalMs: number;
  };
  readonly switch: {
    /** `unix:/path/to/breth0.mgmt` or `tcp:host:port`. */
    readonly target: string;
    /** The interface owning the PBX addresses (its MAC is the rewritten source MAC). */
    readonly bridgeInterface: string;
    /** OpenFlow port name toward the remotes (the uplink / physical NIC). */
    readonly uplinkPort: string;
    readonly table: number;
    readonly priority: number;
    readonly idleTimeout: number;
    readonly watchIdleTimeout: number;
    /** 16-bit tag in the top of every cookie: distinct per agent sharing a bridge. */
    readonly cookieTag: number;
    readonly ttl: number;
    readonly vlan: number | null;
    /** How bursts of flow mods are cut and spaced (see `PacedFlowPort`). */
    readonly pacing: { readonly flowModsPerBatch: number; readonly pausePercent: number } & {
      readonly minPauseMs: number;
      readonly maxPauseMs: number;
    };
  };
  readonly policy: {
    readonly minBridgeAgeMs: number;
    readonly assumeSamePayloadTypes: boolean;
    readonly trustRemoteAddress: boolean;
    readonly allowUnknownEndpoints: boolean;
    readonly maxOffloadedCalls: number;
    readonly includeEndpoints: readonly string[];
    readonly excludeEndpoints: readonly string[];
    readonly includeContexts: readonly string[];
    readonly excludeContexts: readonly string[];
    readonly rtcpIntervalSec: number;
    readonly localAddresses: { readonly ipv4: string | null; readonly ipv6: string | null };
  };
  readonly engine: {
    readonly disconnectGraceMs: number;
    readonly auditIntervalMs: number;
    readonly probeIntervalMs: number;
    readonly backoffMs: number;
    readonly deliveryGraceMs: number;
    readonly evaluationConcurrency: number;
  };
  readonly control: { readonly socket: string; readonly mode: number };
  /** Prometheus `/metrics` over HTTP; `null` (the default) serves none. */
  readonly metrics: { readonly listen: { readonly host: string; readonly port: number } | null };
  readonly dryRun: boolean;
  readonly killSwitch: boolean;
  /** Network namespace of the PBX host for next-hop lookups (lab only); `null` = this one. */
  readonly netns: string | null;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** Every default in one place. */
export const DEFAULTS = {
  relistIntervalMs: 30_000,
  ami: {
    host: '127.0.0.1',
    port: 5038,
    secretEnv: 'RTPO_AMI_SECRET',
    requestConcurrency: 8,
    requestsPerSecond: 500,
    requestTimeoutMs: 5000,
  },
  switch: {
    bridgeInterface: 'breth0',
    table: 0,
    priority: 1000,
    idleTimeout: 30,
    watchIdleTimeout: 300,
    cookieTag: 0x5250,
    ttl: 64,
    vlan: null,
    pacing: { flowModsPerBatch: 32, pausePercent: 100, minPauseMs: 1, maxPauseMs: 20 },
  },
  policy: {
    minBridgeAgeMs: 2000,
    assumeSamePayloadTypes: false,
    trustRemoteAddress: false,
    allowUnknownEndpoints: false,
    maxOffloadedCalls: 0,
    rtcpIntervalSec: 5,
  },
  engine: {
    disconnectGraceMs: 30_000,
    auditIntervalMs: 2000,
    probeIntervalMs: 500,
    backoffMs: 60_000,
    deliveryGraceMs: 15_000,
    evaluationConcurrency: 64,
  },
  control: { socket: '/run/rtp-offload/control.sock', mode: 0o660 },
} as const;

type Json = Record<string, unknown>;

class Reader {
  private readonly known = new Set<string>();

  constructor(
    private readonly obj: Json,
    private readonly path: string,
  ) {}

  private raw(key: string): unknown {
    this.known.add(key);
    return this.obj[key];
  }
  private name(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  section(key: string): Reader {
    const v = this.raw(key);
    if (v === undefined) return new Reader({}, this.name(key));
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new ConfigError(this.name(key), `must be an object, got ${show(v)}`);
    return new Reader(v as Json, this.name(key));
  }
  string(key: string, def?: string): string {
    const v = this.raw(key);
    if (v === undefined && def !== undefined) return def;
    if (typeof v !== 'string' || v === '')
      throw new ConfigError(this.name(key), `must be a non-empty string, got ${show(v)}`);
    return v;
  }
  optString(key: string): string | null {
    const v = this.raw(key);
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || v === '')
      throw new ConfigError(this.name(key), `must be a non-empty string or null, got ${show(v)}`);
    return v;
  }
  int(key: string, def: number, min: number, max: number): number {
    let v = this.raw(key);
    if (v === undefined) return def;
    if (typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v)) v = Number.parseInt(v, 16);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new ConfigError(
        this.name(key),
        `must be an integer from ${min} to ${max}, got ${show(this.obj[key])}`,
      );
    }
    return v;
  }
  optInt(key: string, min: number, max: number): number | null {
    const v = this.raw(key);
    if (v === undefined || v === null) return null;
    return this.int(key, 0, min, max);
  }
  bool(key: string, def: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined) return def;
    if (typeof v !== 'boolean')
      throw new ConfigError(this.name(key), `must be true or false, got ${show(v)}`);
    return v;
  }
  strings(key: string): string[] {
    const v = this.raw(key);
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
      throw new ConfigError(this.name(key), `must be a list of strings, got ${show(v)}`);
    return v as string[];
  }
  /** Unknown keys are errors: a typo must not silently fall back to a default. */
  done(): void {
    const extra = Object.keys(this.obj).filter((k) => !this.known.has(k));
    if (extra.length > 0) throw new ConfigError(this.name(extra[0]!), 'unknown key');
  }
}

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

const TARGET_RE = /^(unix:\/.+|tcp:[^:]+:\d{1,5}|tcp:\[[0-9a-fA-F:]+\]:\d{1,5})$/;

/** A `minPauseMs` above `maxPauseMs` pauses `maxPauseMs` (the upper bound wins). */
function readPacing(r: Reader): Config['switch']['pacing'] {
  const d = DEFAULTS.switch.pacing;
  const out = {
    flowModsPerBatch: r.int('flowModsPerBatch', d.flowModsPerBatch, 1, 100_000),
    pausePercent: r.int('pausePercent', d.pausePercent, 0, 10_000),
    minPauseMs: r.int('minPauseMs', d.minPauseMs, 0, 1000),
    maxPauseMs: r.int('maxPauseMs', d.maxPauseMs, 0, 1000),
  };
  r.done();
  return out;
}

/** Parses and validates a configuration object; `env` supplies secrets. Returns a frozen config. */
export function parseConfig(input: unknown, env: NodeJS.ProcessEnv = process.env): Config {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ConfigError('(root)', 'must be a JSON object');
  const root = new Reader(input as Json, '');
  const ast = root.section('asterisk');
  const source = ast.string('source', 'ami');
  if (source !== 'ami' && source !== 'ari')
    throw new ConfigError('asterisk.source', `must be "ami" or "ari", got ${show(source)}`);
  const secretFrom = (key: string, envName: string): string => {
    const value = systemdCredential(env, envName) ?? env[envName];
    if (value === undefined || value === '') {
      throw new ConfigError(
        key,
        `environment variable ${envName} is not set (secrets are read from it, never from the file)`,
      );
    }
    return value;
  };
  let amiCfg: AmiConfig | null = null;
  const ami = ast.section('ami');
  if (source === 'ami') {
    const secret = secretFrom('asterisk.ami.secretEnv', ami.string('secretEnv', DEFAULTS.ami.secretEnv));
    amiCfg = {
      host: ami.string('host', DEFAULTS.ami.host),
      port: ami.int('port', DEFAULTS.ami.port, 1, 65535),
      username: ami.string('username'),
      requestConcurrency: ami.int('requestConcurrency', DEFAULTS.ami.requestConcurrency, 1, 256),
      requestsPerSecond: ami.int('requestsPerSecond', DEFAULTS.ami.requestsPerSecond, 1, 100_000),
      requestTimeoutMs: ami.int('requestTimeoutMs', DEFAULTS.ami.requestTimeoutMs, 100, 600_000),
    } as AmiConfig;
    // Non-enumerable: a logged or serialised config never shows it.
    Object.defineProperty(amiCfg, 'secret', { value: secret, enumerable: false });
    ami.done();
  }
  let ariCfg: AriConfig | null = null;
  const ari = ast.section('ari');
  if (source === 'ari') {
    const password = secretFrom('asterisk.ari.passwordEnv', ari.string('passwordEnv', 'RTPO_ARI_PASSWORD'));
    const url = ari.string('url', 'http://127.0.0.1:8088');
    if (!/^https?:\/\/[^/\s]+\/?$/.test(url))
      throw new ConfigError(
        'asterisk.ari.url',
        `must be http(s)://host[:port] without a path, got ${show(url)}`,
      );
    ariCfg = { url, username: ari.string('username'), app: ari.string('app', 'rtp-offload') } as AriConfig;
    Object.defineProperty(ariCfg, 'password', { value: password, enumerable: false });
    ari.done();
  }
  const relistIntervalMs = ast.int('relistIntervalMs', DEFAULTS.relistIntervalMs, 0, 3_600_000);
  if (relistIntervalMs > 0 && relistIntervalMs < 100)
    throw new ConfigError(
      'asterisk.relistIntervalMs',
      `must be 0 (off) or at least 100, got ${relistIntervalMs}`,
    );
  ast.done();

  const sw = root.section('switch');
  const target = sw.string('target');
  if (!TARGET_RE.test(target))
    throw new ConfigError('switch.target', `must be unix:/path or tcp:host:port, got ${show(target)}`);
  const switchCfg = {
    target,
    bridgeInterface: sw.string('bridgeInterface', DEFAULTS.switch.bridgeInterface),
    uplinkPort: sw.string('uplinkPort'),
    table: sw.int('table', DEFAULTS.switch.table, 0, 253),
    priority: sw.int('priority', DEFAULTS.switch.priority, 1, 65535),
    idleTimeout: sw.int('idleTimeout', DEFAULTS.switch.idleTimeout, 1, 65535),
    watchIdleTimeout: sw.int('watchIdleTimeout', DEFAULTS.switch.watchIdleTimeout, 1, 65535),
    cookieTag: sw.int('cookieTag', DEFAULTS.switch.cookieTag, 1, 0xffff),
    ttl: sw.int('ttl', DEFAULTS.switch.ttl, 1, 255),
    vlan: sw.optInt('vlan', 1, 4094),
    pacing: readPacing(sw.section('pacing')),
  };
  sw.done();

  const pol = root.section('policy');
  const local = pol.section('localAddresses');
  const localAddresses = {
    ipv4: configAddress('policy.localAddresses.ipv4', local.optString('ipv4'), 4),
    ipv6: configAddress('policy.localAddresses.ipv6', local.optString('ipv6'), 6),
  };
  local.done();
  const policyCfg = {
    minBridgeAgeMs: pol.int('minBridgeAgeMs', DEFAULTS.policy.minBridgeAgeMs, 0, 3_600_000),
    assumeSamePayloadTypes: pol.bool('assumeSamePayloadTypes', DEFAULTS.policy.assumeSamePayloadTypes),
    trustRemoteAddress: pol.bool('trustRemoteAddress', DEFAULTS.policy.trustRemoteAddress),
    allowUnknownEndpoints: pol.bool('allowUnknownEndpoints', DEFAULTS.policy.allowUnknownEndpoints),
    maxOffloadedCalls: pol.int('maxOffloadedCalls', DEFAULTS.policy.maxOffloadedCalls, 0, 10_000_000),
    includeEndpoints: pol.strings('includeEndpoints'),
    excludeEndpoints: pol.strings('excludeEndpoints'),
    includeContexts: pol.strings('includeContexts'),
    excludeContexts: pol.strings('excludeContexts'),
    rtcpIntervalSec: pol.int('rtcpIntervalSec', DEFAULTS.policy.rtcpIntervalSec, 1, 3600),
    localAddresses,
  };
  pol.done();

  const eng = root.section('engine');
  const engineCfg = {
    disconnectGraceMs: eng.int('disconnectGraceMs', DEFAULTS.engine.disconnectGraceMs, 0, 3_600_000),
    auditIntervalMs: eng.int('auditIntervalMs', DEFAULTS.engine.auditIntervalMs, 100, 3_600_000),
    probeIntervalMs: eng.int('probeIntervalMs', DEFAULTS.engine.probeIntervalMs, 50, 60_000),
    backoffMs: eng.int('backoffMs', DEFAULTS.engine.backoffMs, 0, 86_400_000),
    deliveryGraceMs: eng.int('deliveryGraceMs', DEFAULTS.engine.deliveryGraceMs, 1000, 3_600_000),
    evaluationConcurrency: eng.int('evaluationConcurrency', DEFAULTS.engine.evaluationConcurrency, 1, 10_000),
  };
  eng.done();

  const ctl = root.section('control');
  const modeRaw = ctl.string('mode', '0660');
  if (!/^0?[0-7]{3}$/.test(modeRaw))
    throw new ConfigError('control.mode', `must be an octal file mode like "0660", got ${show(modeRaw)}`);
  const mode = Number.parseInt(modeRaw, 8);
  if (mode & 0o002)
    throw new ConfigError(
      'control.mode',
      `the control socket must not be world-writable, got ${show(modeRaw)}`,
    );
  const controlCfg = { socket: ctl.string('socket', DEFAULTS.control.socket), mode };
  ctl.done();

  const met = root.section('metrics');
  const metricsCfg = { listen: parseListen(met.optString('listen')) };
  met.done();

  const logLevel = root.string('logLevel', 'info');
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel))
    throw new ConfigError('logLevel', `must be debug, info, warn or error, got ${show(logLevel)}`);
  const cfg: Config = {
    asterisk: { source, ami: amiCfg, ari: ariCfg, relistIntervalMs },
    switch: switchCfg,
    policy: policyCfg,
    engine: engineCfg,
    control: controlCfg,
    metrics: metricsCfg,
    dryRun: root.bool('dryRun', false),
    killSwitch: root.bool('killSwitch', false),
    netns: root.optString('netns'),
    logLevel: logLevel as Config['logLevel'],
  };
  root.done();
  return deepFreeze(cfg);
}

export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      '(file)',
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('(file)', `${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(json, env);
}

/**
 * A secret systemd passed with `LoadCredential=NAME:…` (NAME as the environment variable):
 * read from `$CREDENTIALS_DIRECTORY/NAME`, which only this service can read, so the secret
 * is in neither the unit, the environment of the process, nor the config file.
 */
function systemdCredential(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const dir = env.CREDENTIALS_DIRECTORY;
  if (!dir || !/^[A-Za-z0-9_.-]+$/.test(name)) return undefined;
  let text: string;
  try {
    text = readFileSync(join(dir, name), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(
      '(credentials)',
      `cannot read credential ${name}: ${(err as NodeJS.ErrnoException).code}`,
    );
  }
  // Files written with echo end in a newline that is not part of the secret.
  return text.replace(/\r?\n$/, '');
}

/** `PORT` (loopback), `HOST:PORT` or `[IPV6]:PORT` (port 0: any free one): wider only by name. */
function parseListen(v: string | null): { host: string; port: number } | null {
  if (v === null) return null;
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(v);
  const port = Number(m?.[2]);
  if (!m || port > 65535)
    throw new ConfigError('metrics.listen', `must be PORT, HOST:PORT or [IPV6]:PORT, got ${show(v)}`);
  return { host: m[1] ? m[1].replace(/^\[|\]$/g, '') : '127.0.0.1', port };
}

/** An address key in its canonical text, so flow keys equal what the switch reports. */
function configAddress(key: string, text: string | null, family: 4 | 6): string | null {
  if (text === null) return null;
  const r = parseIpAddress(text);
  if (!r.ok) throw new ConfigError(key, `not an IP address: ${show(text)} (${r.why})`);
  if (r.family !== family) throw new ConfigError(key, `not an IPv${family} address: ${show(text)}`);
  return r.address;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
