/**
 * Typed errors of the ARI source. Each has a stable `code` for callers and tests; messages
 * are for people only and never carry the credentials.
 */

export type AriErrorCode =
  | 'ARI_HTTP_ERROR'
  | 'ARI_NOT_FOUND'
  | 'ARI_AUTH_FAILED'
  | 'ARI_TIMEOUT'
  | 'ARI_UNREACHABLE'
  | 'ARI_DISCONNECTED'
  | 'ARI_BAD_RESPONSE';

/** Base of every error the ARI source rejects with. */
export abstract class AriClientError extends Error {
  abstract readonly code: AriErrorCode;
}

/** Asterisk answered with an error status; `ariMessage` is the body's `message`. */
export class AriHttpError extends AriClientError {
  readonly code: AriErrorCode = 'ARI_HTTP_ERROR';
  constructor(
    /** `GET /bridges/{id}` style: the request as sent, without query string values. */
    readonly request: string,
    readonly status: number,
    readonly ariMessage: string,
  ) {
    super(`${request}: HTTP ${status}${ariMessage ? ` (${ariMessage})` : ''}`);
    this.name = 'AriHttpError';
  }
}

/** 404: the bridge or channel does not exist (any more). */
export class AriNotFoundError extends AriHttpError {
  override readonly code = 'ARI_NOT_FOUND' as const;
  constructor(request: string, ariMessage: string) {
    super(request, 404, ariMessage);
    this.name = 'AriNotFoundError';
  }
}

/** 401/403: wrong user or password, or a read-only user asked to write. */
export class AriAuthError extends AriHttpError {
  override readonly code = 'ARI_AUTH_FAILED' as const;
  constructor(request: string, status: number, ariMessage: string) {
    super(request, status, ariMessage);
    this.name = 'AriAuthError';
  }
}

/** No answer within the request timeout. */
export class AriTimeoutError extends AriClientError {
  readonly code = 'ARI_TIMEOUT' as const;
  constructor(
    readonly request: string,
    readonly timeoutMs: number,
  ) {
    super(`${request}: no answer within ${timeoutMs} ms`);
    this.name = 'AriTimeoutError';
  }
}

/** Connection refused, reset or name not resolved (ari-client's `HostIsNotReachable`). */
export class AriUnreachableError extends AriClientError {
  readonly code = 'ARI_UNREACHABLE' as const;
  constructor(
    readonly request: string,
    readonly reason: string,
  ) {
    super(`${request}: Asterisk not reachable (${reason})`);
    this.name = 'AriUnreachableError';
  }
}

/** The source is stopped, or the request was cut off by a shutdown. */
export class AriDisconnectedError extends AriClientError {
  readonly code = 'ARI_DISCONNECTED' as const;
  constructor(
    readonly request: string,
    readonly reason: string,
  ) {
    super(`${request}: ARI not connected (${reason})`);
    this.name = 'AriDisconnectedError';
  }
}

/** A 2xx reply whose body is not what the ARI docs describe. */
export class AriBadResponseError extends AriClientError {
  readonly code = 'ARI_BAD_RESPONSE' as const;
  constructor(
    readonly request: string,
    readonly problems: readonly string[],
  ) {
    super(`${request}: unexpected reply (${problems.join('; ')})`);
    this.name = 'AriBadResponseError';
  }
}

/** `api_key=user:pass` travels in ari-client's WebSocket URL; never let it reach a log. */
export function redactApiKey(text: string): string {
  return text.replace(/api_key=[^&\s]*/g, 'api_key=<redacted>');
}
