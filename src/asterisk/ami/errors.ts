/**
 * Typed errors of the AMI source. Each has a stable `code` for callers and tests; messages
 * are for people only.
 */

export type AmiErrorCode =
  | 'AMI_ERROR'
  | 'AMI_TIMEOUT'
  | 'AMI_DISCONNECTED'
  | 'AMI_AUTH_FAILED'
  | 'AMI_BAD_ARGUMENT'
  | 'AMI_MESSAGE_TOO_LARGE';

/** Base of every error the AMI source rejects with. */
export abstract class AmiClientError extends Error {
  abstract readonly code: AmiErrorCode;
}

/** Asterisk answered `Response: Error`; `message` is Asterisk's `Message:` text. */
export class AmiError extends AmiClientError {
  readonly code = 'AMI_ERROR' as const;
  constructor(
    /** The action name that was refused, e.g. `Getvar`. */
    readonly action: string,
    /** Asterisk's `Message:` (e.g. `No such channel`, `Bridge … not found`). */
    readonly amiMessage: string,
  ) {
    super(`${action}: ${amiMessage || 'Response: Error'}`);
    this.name = 'AmiError';
  }
}

/** Login refused (`Authentication failed`): a configuration problem, not a network one. */
export class AmiAuthError extends AmiClientError {
  readonly code = 'AMI_AUTH_FAILED' as const;
  constructor(readonly amiMessage: string) {
    super(`login refused: ${amiMessage || 'Response: Error'}`);
    this.name = 'AmiAuthError';
  }
}

/** No (complete) answer within the request timeout; asterisk-manager has no timeouts. */
export class AmiTimeoutError extends AmiClientError {
  readonly code = 'AMI_TIMEOUT' as const;
  constructor(
    readonly action: string,
    readonly timeoutMs: number,
  ) {
    super(`${action}: no answer within ${timeoutMs} ms`);
    this.name = 'AmiTimeoutError';
  }
}

/** The session was not ready, or closed before the answer came. */
export class AmiDisconnectedError extends AmiClientError {
  readonly code = 'AMI_DISCONNECTED' as const;
  constructor(
    readonly action: string,
    readonly reason: string,
  ) {
    super(`${action}: AMI not connected (${reason})`);
    this.name = 'AmiDisconnectedError';
  }
}

/** A request the source refuses to send (a value with CR/LF, a line over Asterisk's limit). */
export class AmiBadArgumentError extends AmiClientError {
  readonly code = 'AMI_BAD_ARGUMENT' as const;
  constructor(
    readonly action: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${action}: field ${field} ${detail}`);
    this.name = 'AmiBadArgumentError';
  }
}

/** Asterisk (or whatever answers on its port) sent a message longer than the read limit. */
export class AmiMessageTooLargeError extends AmiClientError {
  readonly code = 'AMI_MESSAGE_TOO_LARGE' as const;
  constructor(
    /** The limit exceeded, e.g. `1048576 bytes` or `2048 lines`. */
    readonly limit: string,
  ) {
    super(`AMI message exceeds ${limit} without ending; connection closed`);
    this.name = 'AmiMessageTooLargeError';
  }
}
