/**
 * Typed errors of the OpenFlow client. Each class has a stable `code` for callers and tests;
 * messages are for people only.
 */

import { errorNames } from './codec/error-names.js';

export type OpenFlowErrorCode =
  | 'OF_ERROR'
  | 'OF_BATCH_FAILED'
  | 'OF_PROTOCOL'
  | 'OF_BAD_ARGUMENT'
  | 'OF_DISCONNECTED'
  | 'OF_TIMEOUT'
  | 'OF_HANDSHAKE_FAILED';

/** Base of every error this client throws or rejects with. */
export abstract class OpenFlowClientError extends Error {
  abstract readonly code: OpenFlowErrorCode;
}

export interface OpenFlowErrorFields {
  /** `ofp_error_msg.type` (1.3.5 §7.4.4); 0xffff for experimenter errors. */
  readonly errorType: number;
  /** `ofp_error_msg.code`, or `exp_code` of an experimenter error. */
  readonly errorCode: number;
  /** Experimenter id of an `OFPET_EXPERIMENTER` error (0x4f4e4600 for ONF). */
  readonly experimenter?: number;
  /** xid of the request the switch refused (OVS copies it from the request). */
  readonly xid: number;
  /** The start of the offending request, as the switch echoed it back. */
  readonly data?: Buffer;
}

/** The switch answered a request with `OFPT_ERROR`. */
export class OpenFlowError extends OpenFlowClientError implements OpenFlowErrorFields {
  readonly code = 'OF_ERROR' as const;
  readonly errorType: number;
  readonly errorCode: number;
  readonly experimenter: number | undefined;
  readonly xid: number;
  readonly data: Buffer | undefined;
  /** Spec name of the type, e.g. `BAD_MATCH`, `FLOW_MOD_FAILED`, `EXPERIMENTER`. */
  readonly typeName: string;
  /** Spec name of the code, e.g. `BAD_PREREQ`, `OVERLAP`, `MSG_FAILED`. */
  readonly codeName: string;

  constructor(fields: OpenFlowErrorFields, options?: ErrorOptions) {
    const names = errorNames(fields.errorType, fields.errorCode, fields.experimenter);
    const exp =
      fields.experimenter === undefined ? '' : ` experimenter 0x${fields.experimenter.toString(16)}`;
    super(
      `OpenFlow error ${names.typeName}/${names.codeName} (type ${fields.errorType}, code ${fields.errorCode}${exp}) for xid ${fields.xid}`,
      options,
    );
    this.name = 'OpenFlowError';
    this.errorType = fields.errorType;
    this.errorCode = fields.errorCode;
    this.experimenter = fields.experimenter;
    this.xid = fields.xid;
    this.data = fields.data;
    this.typeName = names.typeName;
    this.codeName = names.codeName;
  }
}

/** One refused message of a batch: its index in the caller's array and the switch's error. */
export interface BatchFailure {
  readonly index: number;
  readonly error: OpenFlowError;
}

/**
 * Some messages of a batch were refused. For a bundle this means nothing was applied; for a
 * plain pipelined batch, the messages not listed were applied.
 */
export class OpenFlowBatchError extends OpenFlowClientError {
  readonly code = 'OF_BATCH_FAILED' as const;
  readonly failures: readonly BatchFailure[];
  /** Whether the batch was atomic (a bundle), so that nothing of it took effect. */
  readonly atomic: boolean;
  /** For a bundle whose commit failed: the commit's own error (ONF MSG_FAILED). */
  readonly commitError: OpenFlowError | undefined;

  constructor(failures: readonly BatchFailure[], atomic: boolean, commitError?: OpenFlowError) {
    const first = failures[0];
    const what = first
      ? `message ${first.index}: ${first.error.typeName}/${first.error.codeName}`
      : commitError
        ? `commit: ${commitError.typeName}/${commitError.codeName}`
        : 'unknown failure';
    super(`${failures.length} of the batch refused${atomic ? ', nothing applied' : ''} (first ${what})`, {
      cause: first?.error ?? commitError,
    });
    this.name = 'OpenFlowBatchError';
    this.failures = failures;
    this.atomic = atomic;
    this.commitError = commitError;
  }
}

/** Bytes that do not form a valid OpenFlow message. `offset` points at the offending byte. */
export class ProtocolError extends OpenFlowClientError {
  readonly code = 'OF_PROTOCOL' as const;
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = 'ProtocolError';
    this.offset = offset;
  }
}

/** A value given to an encoder cannot be put on the wire (e.g. `'300.1.2.3'` as IPV4_SRC). */
export class OpenFlowArgumentError extends OpenFlowClientError {
  readonly code = 'OF_BAD_ARGUMENT' as const;

  constructor(message: string) {
    super(message);
    this.name = 'OpenFlowArgumentError';
  }
}

/** The connection was lost or closed before the request was answered. */
export class OpenFlowDisconnectedError extends OpenFlowClientError {
  readonly code = 'OF_DISCONNECTED' as const;

  constructor(message = 'OpenFlow connection lost', options?: ErrorOptions) {
    super(message, options);
    this.name = 'OpenFlowDisconnectedError';
  }
}

/** The switch did not answer within the allowed time. */
export class OpenFlowTimeoutError extends OpenFlowClientError {
  readonly code = 'OF_TIMEOUT' as const;
  readonly timeoutMs: number;

  constructor(what: string, timeoutMs: number) {
    super(`${what} not answered within ${timeoutMs} ms`);
    this.name = 'OpenFlowTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** The switch and the client found no common OpenFlow version, or the handshake broke off. */
export class OpenFlowHandshakeError extends OpenFlowClientError {
  readonly code = 'OF_HANDSHAKE_FAILED' as const;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OpenFlowHandshakeError';
  }
}
