/**
 * Names of `ofp_error_type` and its codes (OpenFlow 1.3.5 §7.4.4), plus the ONF experimenter
 * errors OVS sends to OF1.3 connections (include/openvswitch/ofp-errors.h). The names are the
 * spec's without the `OFPET_`/`OFPxxFC_` prefixes, as OVS prints them.
 */

import { ONF_EXPERIMENTER_ID } from './constants.js';

/** `OFPET_EXPERIMENTER`: the code is the experimenter's, and an experimenter id follows. */
export const OFPET_EXPERIMENTER = 0xffff;

export const OFPET_HELLO_FAILED = 0;
export const OFPET_BAD_REQUEST = 1;
export const OFPET_BAD_ACTION = 2;
export const OFPET_BAD_INSTRUCTION = 3;
export const OFPET_BAD_MATCH = 4;
export const OFPET_FLOW_MOD_FAILED = 5;
export const OFPHFC_INCOMPATIBLE = 0;

interface ErrorTypeNames {
  readonly name: string;
  readonly codes: readonly string[];
}

const ERROR_TYPES: ReadonlyMap<number, ErrorTypeNames> = new Map([
  [0, { name: 'HELLO_FAILED', codes: ['INCOMPATIBLE', 'EPERM'] }],
  [
    1,
    {
      name: 'BAD_REQUEST',
      codes: [
        'BAD_VERSION',
        'BAD_TYPE',
        'BAD_MULTIPART',
        'BAD_EXPERIMENTER',
        'BAD_EXP_TYPE',
        'EPERM',
        'BAD_LEN',
        'BUFFER_EMPTY',
        'BUFFER_UNKNOWN',
        'BAD_TABLE_ID',
        'IS_SLAVE',
        'BAD_PORT',
        'BAD_PACKET',
        'MULTIPART_BUFFER_OVERFLOW',
      ],
    },
  ],
  [
    2,
    {
      name: 'BAD_ACTION',
      codes: [
        'BAD_TYPE',
        'BAD_LEN',
        'BAD_EXPERIMENTER',
        'BAD_EXP_TYPE',
        'BAD_OUT_PORT',
        'BAD_ARGUMENT',
        'EPERM',
        'TOO_MANY',
        'BAD_QUEUE',
        'BAD_OUT_GROUP',
        'MATCH_INCONSISTENT',
        'UNSUPPORTED_ORDER',
        'BAD_TAG',
        'BAD_SET_TYPE',
        'BAD_SET_LEN',
        'BAD_SET_ARGUMENT',
      ],
    },
  ],
  [
    3,
    {
      name: 'BAD_INSTRUCTION',
      codes: [
        'UNKNOWN_INST',
        'UNSUP_INST',
        'BAD_TABLE_ID',
        'UNSUP_METADATA',
        'UNSUP_METADATA_MASK',
        'BAD_EXPERIMENTER',
        'BAD_EXP_TYPE',
        'BAD_LEN',
        'EPERM',
      ],
    },
  ],
  [
    4,
    {
      name: 'BAD_MATCH',
      codes: [
        'BAD_TYPE',
        'BAD_LEN',
        'BAD_TAG',
        'BAD_DL_ADDR_MASK',
        'BAD_NW_ADDR_MASK',
        'BAD_WILDCARDS',
        'BAD_FIELD',
        'BAD_VALUE',
        'BAD_MASK',
        'BAD_PREREQ',
        'DUP_FIELD',
        'EPERM',
      ],
    },
  ],
  [
    5,
    {
      name: 'FLOW_MOD_FAILED',
      codes: [
        'UNKNOWN',
        'TABLE_FULL',
        'BAD_TABLE_ID',
        'OVERLAP',
        'EPERM',
        'BAD_TIMEOUT',
        'BAD_COMMAND',
        'BAD_FLAGS',
      ],
    },
  ],
  [
    6,
    {
      name: 'GROUP_MOD_FAILED',
      codes: [
        'GROUP_EXISTS',
        'INVALID_GROUP',
        'WEIGHT_UNSUPPORTED',
        'OUT_OF_GROUPS',
        'OUT_OF_BUCKETS',
        'CHAINING_UNSUPPORTED',
        'WATCH_UNSUPPORTED',
        'LOOP',
        'UNKNOWN_GROUP',
        'CHAINED_GROUP',
        'BAD_TYPE',
        'BAD_COMMAND',
        'BAD_BUCKET',
        'BAD_WATCH',
        'EPERM',
      ],
    },
  ],
  [
    7,
    { name: 'PORT_MOD_FAILED', codes: ['BAD_PORT', 'BAD_HW_ADDR', 'BAD_CONFIG', 'BAD_ADVERTISE', 'EPERM'] },
  ],
  [8, { name: 'TABLE_MOD_FAILED', codes: ['BAD_TABLE', 'BAD_CONFIG', 'EPERM'] }],
  [9, { name: 'QUEUE_OP_FAILED', codes: ['BAD_PORT', 'BAD_QUEUE', 'EPERM'] }],
  [10, { name: 'SWITCH_CONFIG_FAILED', codes: ['BAD_FLAGS', 'BAD_LEN', 'EPERM'] }],
  [11, { name: 'ROLE_REQUEST_FAILED', codes: ['STALE', 'UNSUP', 'BAD_ROLE'] }],
  [
    12,
    {
      name: 'METER_MOD_FAILED',
      codes: [
        'UNKNOWN',
        'METER_EXISTS',
        'INVALID_METER',
        'UNKNOWN_METER',
        'BAD_COMMAND',
        'BAD_FLAGS',
        'BAD_RATE',
        'BAD_BURST',
        'BAD_BAND',
        'BAD_BAND_VALUE',
        'OUT_OF_METERS',
        'OUT_OF_BANDS',
      ],
    },
  ],
  [
    13,
    {
      name: 'TABLE_FEATURES_FAILED',
      codes: ['BAD_TABLE', 'BAD_METADATA', 'BAD_TYPE', 'BAD_LEN', 'BAD_ARGUMENT', 'EPERM'],
    },
  ],
]);

/**
 * ONF experimenter error codes OVS uses toward OF1.3 (ofp-errors.h): the bundle errors of the
 * OF1.3 bundle extension (2300–2315), BAD_PRIORITY (2360) and BAD_SET_MASK (4250).
 */
const ONF_ERROR_CODES: ReadonlyMap<number, string> = new Map([
  [2300, 'BUNDLE_UNKNOWN'],
  [2301, 'BUNDLE_EPERM'],
  [2302, 'BAD_ID'],
  [2303, 'BUNDLE_EXIST'],
  [2304, 'BUNDLE_CLOSED'],
  [2305, 'OUT_OF_BUNDLES'],
  [2306, 'BUNDLE_BAD_TYPE'],
  [2307, 'BUNDLE_BAD_FLAGS'],
  [2308, 'MSG_BAD_LEN'],
  [2309, 'MSG_BAD_XID'],
  [2310, 'MSG_UNSUP'],
  [2311, 'MSG_CONFLICT'],
  [2312, 'MSG_TOO_MANY'],
  [2313, 'MSG_FAILED'],
  [2314, 'BUNDLE_TIMEOUT'],
  [2315, 'BUNDLE_IN_PROGRESS'],
  [2360, 'BAD_PRIORITY'],
  [4250, 'BAD_SET_MASK'],
]);

/** ONF bundle error codes the connection reacts to. */
export const ONFBFC_MSG_FAILED = 2313;

export interface ErrorNames {
  /** e.g. `BAD_MATCH`, `EXPERIMENTER`, or `UNKNOWN_TYPE_42`. */
  readonly typeName: string;
  /** e.g. `BAD_PREREQ`, `MSG_FAILED`, or `UNKNOWN_CODE_7`. */
  readonly codeName: string;
}

/** Spec names for an error's type and code; unknown numbers get a stable placeholder name. */
export function errorNames(type: number, code: number, experimenter?: number): ErrorNames {
  if (type === OFPET_EXPERIMENTER) {
    // Codes are per experimenter; only ONF's are named here (Nicira's go to OF1.0–1.2 peers).
    const codeName = experimenter === ONF_EXPERIMENTER_ID ? ONF_ERROR_CODES.get(code) : undefined;
    return { typeName: 'EXPERIMENTER', codeName: codeName ?? `UNKNOWN_CODE_${code}` };
  }
  const names = ERROR_TYPES.get(type);
  if (names === undefined) return { typeName: `UNKNOWN_TYPE_${type}`, codeName: `UNKNOWN_CODE_${code}` };
  return { typeName: names.name, codeName: names.codes[code] ?? `UNKNOWN_CODE_${code}` };
}
