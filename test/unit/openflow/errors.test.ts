import { describe, expect, it } from 'vitest';
import {
  OpenFlowArgumentError,
  OpenFlowBatchError,
  OpenFlowDisconnectedError,
  OpenFlowError,
  OpenFlowHandshakeError,
  OpenFlowTimeoutError,
  ProtocolError,
} from '../../../src/openflow/errors.js';

describe('OpenFlowError', () => {
  it.each([
    [0, 0, undefined, 'HELLO_FAILED', 'INCOMPATIBLE'],
    [1, 0, undefined, 'BAD_REQUEST', 'BAD_VERSION'],
    [1, 5, undefined, 'BAD_REQUEST', 'EPERM'],
    [1, 6, undefined, 'BAD_REQUEST', 'BAD_LEN'],
    [2, 10, undefined, 'BAD_ACTION', 'MATCH_INCONSISTENT'],
    [2, 15, undefined, 'BAD_ACTION', 'BAD_SET_ARGUMENT'],
    [3, 0, undefined, 'BAD_INSTRUCTION', 'UNKNOWN_INST'],
    [4, 1, undefined, 'BAD_MATCH', 'BAD_LEN'],
    [4, 9, undefined, 'BAD_MATCH', 'BAD_PREREQ'],
    [4, 10, undefined, 'BAD_MATCH', 'DUP_FIELD'],
    [5, 1, undefined, 'FLOW_MOD_FAILED', 'TABLE_FULL'],
    [5, 2, undefined, 'FLOW_MOD_FAILED', 'BAD_TABLE_ID'],
    [5, 3, undefined, 'FLOW_MOD_FAILED', 'OVERLAP'],
    [5, 6, undefined, 'FLOW_MOD_FAILED', 'BAD_COMMAND'],
    [5, 7, undefined, 'FLOW_MOD_FAILED', 'BAD_FLAGS'],
    [10, 0, undefined, 'SWITCH_CONFIG_FAILED', 'BAD_FLAGS'],
    [11, 0, undefined, 'ROLE_REQUEST_FAILED', 'STALE'],
    [0xffff, 2302, 0x4f4e4600, 'EXPERIMENTER', 'BAD_ID'],
    [0xffff, 2309, 0x4f4e4600, 'EXPERIMENTER', 'MSG_BAD_XID'],
    [0xffff, 2313, 0x4f4e4600, 'EXPERIMENTER', 'MSG_FAILED'],
    [0xffff, 4250, 0x4f4e4600, 'EXPERIMENTER', 'BAD_SET_MASK'],
    [0xffff, 2313, 0x00002320, 'EXPERIMENTER', 'UNKNOWN_CODE_2313'],
    [4, 99, undefined, 'BAD_MATCH', 'UNKNOWN_CODE_99'],
    [42, 1, undefined, 'UNKNOWN_TYPE_42', 'UNKNOWN_CODE_1'],
  ] as const)(
    'names type %i code %i (experimenter %s) %s/%s',
    (errorType, errorCode, experimenter, typeName, codeName) => {
      const err = new OpenFlowError({ errorType, errorCode, experimenter, xid: 7 });
      expect(err).toMatchObject({ code: 'OF_ERROR', errorType, errorCode, typeName, codeName, xid: 7 });
      expect(err).toBeInstanceOf(Error);
    },
  );
});

describe('the client error classes', () => {
  it('each carry a stable code', () => {
    const refused = new OpenFlowError({ errorType: 5, errorCode: 3, xid: 1 });
    expect(
      [
        refused,
        new OpenFlowBatchError([{ index: 0, error: refused }], true),
        new ProtocolError('x', 3),
        new OpenFlowArgumentError('x'),
        new OpenFlowDisconnectedError(),
        new OpenFlowTimeoutError('x', 10),
        new OpenFlowHandshakeError('x'),
      ].map((e) => e.code),
    ).toEqual([
      'OF_ERROR',
      'OF_BATCH_FAILED',
      'OF_PROTOCOL',
      'OF_BAD_ARGUMENT',
      'OF_DISCONNECTED',
      'OF_TIMEOUT',
      'OF_HANDSHAKE_FAILED',
    ]);
  });

  it('keeps the first refusal of a batch as its cause', () => {
    const first = new OpenFlowError({ errorType: 4, errorCode: 9, xid: 11 });
    const batch = new OpenFlowBatchError(
      [
        { index: 3, error: first },
        { index: 5, error: new OpenFlowError({ errorType: 5, errorCode: 3, xid: 13 }) },
      ],
      false,
    );
    expect(batch.cause).toBe(first);
    expect(batch.failures.map((f) => f.index)).toEqual([3, 5]);
    expect(batch.atomic).toBe(false);
  });
});
