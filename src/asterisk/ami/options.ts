/**
 * Options of the AMI source: those every source has (shared/source-options.ts) and the
 * AMI-only ones, each with its default in one place (DEFAULT_AMI_OPTIONS). The secret is
 * kept out of enumerable properties so that logging or serialising the options never shows it.
 */

import {
  DEFAULT_COMMON_OPTIONS,
  resolveCommonOptions,
  withHiddenSecret,
  type CommonSourceOptions,
  type ResolvedCommonOptions,
} from '../shared/source-options.js';

export interface AmiSourceOptions extends CommonSourceOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 5038 */
  readonly port?: number;
  /** manager.conf user; needs read=system,call,dialplan,reporting and write=system,call,reporting,user. */
  readonly username: string;
  /** Never logged; kept non-enumerable. */
  readonly secret: string;
  /**
   * Event classes for `Action: Events`: call (bridges, hold, MOH, MixMonitor, transfers,
   * Local optimisation, Hangup), dialplan (VarSet BRIDGEPEER, the media path hint),
   * reporting (RTCPSent/RTCPReceived), system (FullyBooted, Shutdown).
   * @default 'system,call,dialplan,reporting'
   */
  readonly eventMask?: string;
  /** @default 5000 */
  readonly connectTimeoutMs?: number;
  /** Least time between two technology queries; requests in between are coalesced. @default 50 */
  readonly technologyMinIntervalMs?: number;
  /** ActionID prefix, to tell our replies from other clients' in logs. @default 'rtpo-' */
  readonly actionIdPrefix?: string;
}

export interface ResolvedAmiSourceOptions extends ResolvedCommonOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly secret: string;
  readonly eventMask: string;
  readonly connectTimeoutMs: number;
  readonly technologyMinIntervalMs: number;
  readonly actionIdPrefix: string;
}

export const DEFAULT_AMI_OPTIONS = Object.freeze({
  ...DEFAULT_COMMON_OPTIONS,
  host: '127.0.0.1',
  port: 5038,
  name: 'ami',
  eventMask: 'system,call,dialplan,reporting',
  connectTimeoutMs: 5000,
  technologyMinIntervalMs: 50,
  actionIdPrefix: 'rtpo-',
});

export function resolveAmiOptions(options: AmiSourceOptions): ResolvedAmiSourceOptions {
  const d = DEFAULT_AMI_OPTIONS;
  const resolved = {
    ...resolveCommonOptions(options, d.name),
    host: options.host ?? d.host,
    port: options.port ?? d.port,
    username: options.username,
    eventMask: options.eventMask ?? d.eventMask,
    connectTimeoutMs: options.connectTimeoutMs ?? d.connectTimeoutMs,
    technologyMinIntervalMs: options.technologyMinIntervalMs ?? d.technologyMinIntervalMs,
    actionIdPrefix: options.actionIdPrefix ?? d.actionIdPrefix,
  };
  return withHiddenSecret(resolved, 'secret', options.secret) as ResolvedAmiSourceOptions;
}
