/**
 * Typed errors of `net/`. `code` names the command that failed, `reason` says how; both are
 * stable for callers and tests. Messages are for people only.
 */

export type NetErrorCode =
  'NET_ROUTE_GET' | 'NET_NEIGH_SHOW' | 'NET_ADDR_SHOW' | 'NET_LINK_SHOW' | 'NET_MONITOR' | 'NET_BAD_ADDRESS';

export type NetErrorReason =
  /** The command ran and exited non-zero for a reason not listed below. */
  | 'failed'
  /** The command did not finish within its timeout and was killed. */
  | 'timeout'
  /** The program could not be started (not installed, not executable). */
  | 'spawn'
  /** The command succeeded but printed something that is not what iproute2 prints. */
  | 'bad-output'
  /** The kernel has no usable route to the address (unreachable, blackhole, prohibit). */
  | 'no-route'
  /** The route is not a unicast one through a device (local, broadcast, …): there is no next hop. */
  | 'not-unicast'
  /** The named device does not exist (in that namespace). */
  | 'no-device'
  /** The caller passed something that is not an IP address. */
  | 'bad-argument';

export interface NetErrorDetails {
  /** The command line, for people (never re-parsed). */
  readonly command?: string;
  readonly exitCode?: number | null;
  readonly stderr?: string;
}

export class NetError extends Error {
  readonly command: string | undefined;
  readonly exitCode: number | null | undefined;
  readonly stderr: string | undefined;

  constructor(
    readonly code: NetErrorCode,
    readonly reason: NetErrorReason,
    message: string,
    details: NetErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'NetError';
    this.command = details.command;
    this.exitCode = details.exitCode;
    this.stderr = details.stderr;
  }
}
