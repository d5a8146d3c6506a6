import type { OfpMessage } from '../../../src/openflow/codec/index.js';
import { hex } from './hex.js';

/**
 * One message as an object, its bytes written out by hand (not by the codec's writers), and
 * what `ovs-ofctl ofp-print` (OVS 3.1) says about those bytes.
 */
export interface GoldenCase {
  readonly name: string;
  readonly message: Exclude<OfpMessage, { type: 'PACKET_IN' }>;
  readonly bytes: Buffer;
  /** The full `ofp-print` text, or lines it must contain. */
  readonly ofpPrint: string | readonly string[];
}

const OFPP_IN_PORT = 0xfffffff8;
const ANY = 0xffffffff;

/** The IPv4 match of worked example A: one far address+port toward one PBX address+port. */
const matchA = [
  { type: 'IN_PORT', value: 1 },
  { type: 'ETH_TYPE', value: 0x0800 },
  { type: 'IP_PROTO', value: 17 },
  { type: 'IPV4_SRC', value: '198.51.100.130' },
  { type: 'IPV4_DST', value: '198.51.100.148' },
  { type: 'UDP_SRC', value: 10322 },
  { type: 'UDP_DST', value: 12164 },
] as const;

const MATCH_A_HEX = `
  0001 0033               # ofp_match: type OXM, length 51 (without padding)
  80000004 00000001       # IN_PORT 1
  80000a02 0800           # ETH_TYPE IPv4
  80001401 11             # IP_PROTO 17 (UDP)
  80001604 c6336482       # IPV4_SRC 198.51.100.130
  80001804 c6336494       # IPV4_DST 198.51.100.148
  80001e02 2852           # UDP_SRC 10322
  80002002 2f84           # UDP_DST 12164
  0000000000              # pad to a multiple of 8
`;

const rewriteActionsA = [
  { type: 'SET_FIELD', field: { type: 'ETH_SRC', value: '5a:7d:d5:22:99:41' } },
  { type: 'SET_FIELD', field: { type: 'ETH_DST', value: '6a:a7:45:12:cd:ef' } },
  { type: 'SET_FIELD', field: { type: 'IPV4_SRC', value: '198.51.100.148' } },
  { type: 'SET_FIELD', field: { type: 'IPV4_DST', value: '198.51.100.130' } },
  { type: 'SET_FIELD', field: { type: 'UDP_SRC', value: 18364 } },
  { type: 'SET_FIELD', field: { type: 'UDP_DST', value: 19818 } },
] as const;

const REWRITE_A_HEX = `
  0019 0010 80000806 5a7dd5229941 0000        # SET_FIELD ETH_SRC, pad 2
  0019 0010 80000606 6aa74512cdef 0000        # SET_FIELD ETH_DST, pad 2
  0019 0010 80001604 c6336494 00000000        # SET_FIELD IPV4_SRC 198.51.100.148, pad 4
  0019 0010 80001804 c6336482 00000000        # SET_FIELD IPV4_DST 198.51.100.130, pad 4
  0019 0010 80001e02 47bc 000000000000        # SET_FIELD UDP_SRC 18364, pad 6
  0019 0010 80002002 4d6a 000000000000        # SET_FIELD UDP_DST 19818, pad 6
`;

const OUTPUT_IN_PORT_HEX = `
  0000 0010 fffffff8 0000 000000000000        # OUTPUT port IN_PORT, max_len 0, pad 6
`;

export const goldenCases: readonly GoldenCase[] = [
  {
    name: 'HELLO offering only OpenFlow 1.3 in a version bitmap',
    message: { type: 'HELLO', xid: 1, version: 4, versions: [4] },
    bytes: hex`
      04 00 0010 00000001   # version 1.3, HELLO, length 16, xid 1
      0001 0008             # hello element VERSIONBITMAP, length 8
      00000010              # bit 4 = wire version 4 (1.3)
    `,
    ofpPrint: 'OFPT_HELLO (OF1.3) (xid=0x1):\n version bitmap: 0x04',
  },
  {
    name: 'HELLO offering 1.0 and 1.3',
    message: { type: 'HELLO', xid: 2, version: 4, versions: [1, 4] },
    bytes: hex`
      04 00 0010 00000002   # version 1.3 (the highest offered), HELLO, length 16, xid 2
      0001 0008             # VERSIONBITMAP, length 8
      00000012              # bits 1 and 4
    `,
    ofpPrint: 'OFPT_HELLO (OF1.3) (xid=0x2):\n version bitmap: 0x01, 0x04',
  },
  {
    name: 'a bare HELLO as OVS 3.1 greets (version 1.5, no bitmap)',
    message: { type: 'HELLO', xid: 7, version: 6 },
    bytes: hex`06 00 0008 00000007   # version 1.5, HELLO, length 8, xid 7`,
    ofpPrint: 'OFPT_HELLO (OF1.5) (xid=0x7):\n version bitmap: 0x01, 0x02, 0x03, 0x04, 0x05, 0x06',
  },
  {
    name: 'ERROR HELLO_FAILED/INCOMPATIBLE with an ASCII explanation',
    message: { type: 'ERROR', xid: 1, errorType: 0, errorCode: 0, data: Buffer.from('1.3 only') },
    bytes: hex`
      04 01 0014 00000001   # version 1.3, ERROR, length 20, xid 1
      0000 0000             # type HELLO_FAILED, code INCOMPATIBLE
      312e33206f6e6c79      # "1.3 only"
    `,
    ofpPrint: 'OFPT_ERROR (OF1.3) (xid=0x1): OFPHFC_INCOMPATIBLE\n1.3 only',
  },
  {
    name: 'ERROR BAD_MATCH/BAD_PREREQ echoing the refused request',
    message: { type: 'ERROR', xid: 5, errorType: 4, errorCode: 9, data: hex`04 14 0008 00000005` },
    bytes: hex`
      04 01 0014 00000005   # version 1.3, ERROR, length 20, xid 5 (the request's)
      0004 0009             # type BAD_MATCH, code BAD_PREREQ
      04 14 0008 00000005   # data: the offending request (here a BARRIER_REQUEST)
    `,
    ofpPrint: 'OFPT_ERROR (OF1.3) (xid=0x5): OFPBMC_BAD_PREREQ\nOFPT_BARRIER_REQUEST (OF1.3) (xid=0x5):',
  },
  {
    name: 'ERROR from the ONF experimenter: bundle MSG_FAILED for a commit',
    message: {
      type: 'ERROR',
      xid: 9,
      errorType: 0xffff,
      errorCode: 2313,
      experimenter: 0x4f4e4600,
      data: hex`0404 0018 00000009 4f4e4600 000008fc 00000001 0004 0001`,
    },
    bytes: hex`
      04 01 0028 00000009   # version 1.3, ERROR, length 40, xid 9
      ffff 0909             # type EXPERIMENTER, exp_code 2313 (MSG_FAILED)
      4f4e4600              # experimenter ONF
      04 04 0018 00000009   # data: the commit request: EXPERIMENTER, length 24, xid 9
      4f4e4600 000008fc     #   ONF, exp_type 2300 (bundle control)
      00000001 0004 0001    #   bundle 1, COMMIT_REQUEST, flags ATOMIC
    `,
    ofpPrint: [
      'OFPT_ERROR (OF1.3) (xid=0x9): OFPBFC_MSG_FAILED',
      'ONFT_BUNDLE_CONTROL (OF1.3) (xid=0x9):',
      ' bundle_id=0x1 type=COMMIT_REQUEST flags=atomic',
    ],
  },
  {
    name: 'ECHO_REQUEST with a payload',
    message: { type: 'ECHO_REQUEST', xid: 0x10, data: Buffer.from('abcd') },
    bytes: hex`
      04 02 000c 00000010   # version 1.3, ECHO_REQUEST, length 12, xid 16
      61626364              # payload "abcd"
    `,
    ofpPrint: ['OFPT_ECHO_REQUEST (OF1.3) (xid=0x10): 4 bytes of payload', '61 62 63 64'],
  },
  {
    name: 'ECHO_REPLY copying xid and payload',
    message: { type: 'ECHO_REPLY', xid: 0x10, data: Buffer.from('abcd') },
    bytes: hex`
      04 03 000c 00000010   # version 1.3, ECHO_REPLY, length 12, xid 16
      61626364              # the request's payload
    `,
    ofpPrint: ['OFPT_ECHO_REPLY (OF1.3) (xid=0x10): 4 bytes of payload', '61 62 63 64'],
  },
  {
    name: 'FEATURES_REQUEST',
    message: { type: 'FEATURES_REQUEST', xid: 2 },
    bytes: hex`04 05 0008 00000002   # version 1.3, FEATURES_REQUEST, length 8, xid 2`,
    ofpPrint: 'OFPT_FEATURES_REQUEST (OF1.3) (xid=0x2):',
  },
  {
    name: 'FEATURES_REPLY as OVS 3.1 sends it',
    message: {
      type: 'FEATURES_REPLY',
      xid: 2,
      datapathId: 0x00005a7dd5229941n,
      nBuffers: 0,
      nTables: 254,
      auxiliaryId: 0,
      capabilities: 0x4f,
    },
    bytes: hex`
      04 06 0020 00000002   # version 1.3, FEATURES_REPLY, length 32, xid 2
      00005a7dd5229941      # datapath_id (low 48 bits: the bridge MAC)
      00000000              # n_buffers 0
      fe 00 0000            # n_tables 254, auxiliary_id 0, pad 2
      0000004f              # capabilities FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS
      00000000              # reserved
    `,
    ofpPrint: [
      'OFPT_FEATURES_REPLY (OF1.3) (xid=0x2): dpid:00005a7dd5229941',
      'n_tables:254, n_buffers:0',
      'capabilities: FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS',
    ],
  },
  {
    name: 'GET_CONFIG_REQUEST',
    message: { type: 'GET_CONFIG_REQUEST', xid: 3 },
    bytes: hex`04 07 0008 00000003   # version 1.3, GET_CONFIG_REQUEST, length 8, xid 3`,
    ofpPrint: 'OFPT_GET_CONFIG_REQUEST (OF1.3) (xid=0x3):',
  },
  {
    name: 'GET_CONFIG_REPLY of a fresh .mgmt connection',
    message: { type: 'GET_CONFIG_REPLY', xid: 3, flags: 0, missSendLen: 0 },
    bytes: hex`
      04 08 000c 00000003   # version 1.3, GET_CONFIG_REPLY, length 12, xid 3
      0000                  # flags: frag mode normal
      0000                  # miss_send_len 0 (a service connection gets no async messages)
    `,
    ofpPrint: 'OFPT_GET_CONFIG_REPLY (OF1.3) (xid=0x3): frags=normal miss_send_len=0',
  },
  {
    name: 'SET_CONFIG keeping the frag mode and asking for async messages',
    message: { type: 'SET_CONFIG', xid: 4, flags: 0, missSendLen: 128 },
    bytes: hex`
      04 09 000c 00000004   # version 1.3, SET_CONFIG, length 12, xid 4
      0000                  # flags: frag mode normal (bridge-wide, so kept as read)
      0080                  # miss_send_len 128
    `,
    ofpPrint: 'OFPT_SET_CONFIG (OF1.3) (xid=0x4): frags=normal miss_send_len=128',
  },
  {
    name: 'SET_ASYNC masking PACKET_IN and keeping PORT_STATUS and FLOW_REMOVED',
    message: {
      type: 'SET_ASYNC',
      xid: 5,
      packetInMask: [0, 0],
      portStatusMask: [7, 7],
      flowRemovedMask: [15, 0],
    },
    bytes: hex`
      04 1c 0020 00000005   # version 1.3, SET_ASYNC, length 32, xid 5
      00000000 00000000     # packet_in_mask: none as equal/master, none as slave
      00000007 00000007     # port_status_mask: add, delete, modify in both roles
      0000000f 00000000     # flow_removed_mask: idle, hard, delete, group_delete; none as slave
    `,
    ofpPrint: [
      'OFPT_SET_ASYNC (OF1.3) (xid=0x5):',
      '       PACKET_IN: (off)',
      '     PORT_STATUS: add delete modify',
      '    FLOW_REMOVED: idle hard delete group_delete',
      '    FLOW_REMOVED: (off)',
    ],
  },
  {
    name: 'BARRIER_REQUEST',
    message: { type: 'BARRIER_REQUEST', xid: 6 },
    bytes: hex`04 14 0008 00000006   # version 1.3, BARRIER_REQUEST, length 8, xid 6`,
    ofpPrint: 'OFPT_BARRIER_REQUEST (OF1.3) (xid=0x6):',
  },
  {
    name: 'BARRIER_REPLY',
    message: { type: 'BARRIER_REPLY', xid: 6 },
    bytes: hex`04 15 0008 00000006   # version 1.3, BARRIER_REPLY, length 8, xid 6`,
    ofpPrint: 'OFPT_BARRIER_REPLY (OF1.3) (xid=0x6):',
  },
  {
    name: 'FLOW_MOD ADD of worked example A (IPv4 5-tuple rewrite, output IN_PORT)',
    message: {
      type: 'FLOW_MOD',
      xid: 1,
      cookie: 0x00ab000000000001n,
      cookieMask: 0n,
      tableId: 0,
      command: 0,
      idleTimeout: 60,
      hardTimeout: 0,
      priority: 1000,
      bufferId: ANY,
      outPort: ANY,
      outGroup: ANY,
      flags: 1,
      match: matchA,
      instructions: [
        {
          type: 'APPLY_ACTIONS',
          actions: [...rewriteActionsA, { type: 'OUTPUT', port: OFPP_IN_PORT, maxLen: 0 }],
        },
      ],
    },
    bytes: hex`
      04 0e 00e0 00000001   # version 1.3, FLOW_MOD, length 224, xid 1
      00ab000000000001      # cookie
      0000000000000000      # cookie_mask (ignored by ADD)
      00 00                 # table 0, command ADD
      003c 0000 03e8        # idle 60, hard 0, priority 1000
      ffffffff              # buffer_id NO_BUFFER
      ffffffff ffffffff     # out_port ANY, out_group ANY
      0001 0000             # flags SEND_FLOW_REM, pad
      ${MATCH_A_HEX}
      0004 0078 00000000    # instruction APPLY_ACTIONS, length 120, pad
      ${REWRITE_A_HEX}
      ${OUTPUT_IN_PORT_HEX}
    `,
    ofpPrint:
      'OFPT_FLOW_MOD (OF1.3) (xid=0x1): ADD priority=1000,udp,in_port=1,nw_src=198.51.100.130,nw_dst=198.51.100.148,' +
      'tp_src=10322,tp_dst=12164 cookie:0xab000000000001 idle:60 send_flow_rem ' +
      'actions=set_field:5a:7d:d5:22:99:41->eth_src,set_field:6a:a7:45:12:cd:ef->eth_dst,' +
      'set_field:198.51.100.148->ip_src,set_field:198.51.100.130->ip_dst,set_field:18364->udp_src,' +
      'set_field:19818->udp_dst,IN_PORT',
  },
  {
    name: 'FLOW_MOD ADD of example A taking only unfragmented datagrams (NXM_NX_IP_FRAG 0, ip_frag=no)',
    message: {
      type: 'FLOW_MOD',
      xid: 5,
      cookie: 0x7270000000000042n,
      cookieMask: 0n,
      tableId: 0,
      command: 0,
      idleTimeout: 300,
      hardTimeout: 0,
      priority: 1000,
      bufferId: ANY,
      outPort: ANY,
      outGroup: ANY,
      flags: 1,
      match: [...matchA.slice(0, 5), { type: 'IP_FRAG', value: 0 }, ...matchA.slice(5)],
      instructions: [{ type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: OFPP_IN_PORT, maxLen: 0 }] }],
    },
    bytes: hex`
      04 0e 0080 00000005   # version 1.3, FLOW_MOD, length 128, xid 5
      7270000000000042      # cookie
      0000000000000000      # cookie_mask
      00 00                 # table 0, ADD
      012c 0000 03e8        # idle 300, hard 0, priority 1000
      ffffffff              # NO_BUFFER
      ffffffff ffffffff     # out_port ANY, out_group ANY
      0001 0000             # SEND_FLOW_REM, pad
      0001 0038             # ofp_match: type OXM, length 56 (no padding needed)
      80000004 00000001     # IN_PORT 1
      80000a02 0800         # ETH_TYPE IPv4
      80001401 11           # IP_PROTO 17 (UDP)
      80001604 c6336482     # IPV4_SRC 198.51.100.130
      80001804 c6336494     # IPV4_DST 198.51.100.148
      00013401 00           # class NXM_1, field 26 NXM_NX_IP_FRAG, unmasked 0: not a fragment
      80001e02 2852         # UDP_SRC 10322
      80002002 2f84         # UDP_DST 12164
      0004 0018 00000000    # APPLY_ACTIONS, length 24, pad
      ${OUTPUT_IN_PORT_HEX}
    `,
    ofpPrint:
      'OFPT_FLOW_MOD (OF1.3) (xid=0x5): ADD priority=1000,udp,in_port=1,nw_src=198.51.100.130,nw_dst=198.51.100.148,' +
      'nw_frag=no,tp_src=10322,tp_dst=12164 cookie:0x7270000000000042 idle:300 send_flow_rem actions=IN_PORT',
  },
  {
    name: 'FLOW_MOD ADD of an IPv6 flow with ip_frag=no written as value 0 mask 3 (both bits matched)',
    message: {
      type: 'FLOW_MOD',
      xid: 6,
      cookie: 1n,
      cookieMask: 0n,
      tableId: 0,
      command: 0,
      idleTimeout: 0,
      hardTimeout: 0,
      priority: 1000,
      bufferId: ANY,
      outPort: ANY,
      outGroup: ANY,
      flags: 0,
      match: [
        { type: 'ETH_TYPE', value: 0x86dd },
        { type: 'IP_FRAG', value: 0, mask: 3 },
        { type: 'IP_PROTO', value: 17 },
      ],
      instructions: [],
    },
    bytes: hex`
      04 0e 0048 00000006   # version 1.3, FLOW_MOD, length 72, xid 6
      0000000000000001      # cookie
      0000000000000000      # cookie_mask
      00 00                 # table 0, ADD
      0000 0000 03e8        # idle 0, hard 0, priority 1000
      ffffffff              # NO_BUFFER
      ffffffff ffffffff     # out_port ANY, out_group ANY
      0000 0000             # flags, pad
      0001 0015             # ofp_match: type OXM, length 21
      80000a02 86dd         # ETH_TYPE IPv6
      00013502 00 03        # NXM_NX_IP_FRAG with mask: value 0, mask 3
      80001401 11           # IP_PROTO 17 (UDP)
      000000                # pad to a multiple of 8
    `,
    ofpPrint: 'OFPT_FLOW_MOD (OF1.3) (xid=0x6): ADD priority=1000,udp6,nw_frag=no cookie:0x1 actions=drop',
  },
  {
    name: "FLOW_MOD ADD of the project's rewrite flow: example A plus DSCP EF and TTL 64, idle 300",
    message: {
      type: 'FLOW_MOD',
      xid: 0x20,
      cookie: 0x7270000000000042n,
      cookieMask: 0n,
      tableId: 0,
      command: 0,
      idleTimeout: 300,
      hardTimeout: 0,
      priority: 1000,
      bufferId: ANY,
      outPort: ANY,
      outGroup: ANY,
      flags: 1,
      match: matchA,
      instructions: [
        {
          type: 'APPLY_ACTIONS',
          actions: [
            ...rewriteActionsA,
            { type: 'SET_FIELD', field: { type: 'IP_DSCP', value: 46 } },
            { type: 'SET_NW_TTL', ttl: 64 },
            { type: 'OUTPUT', port: OFPP_IN_PORT, maxLen: 0 },
          ],
        },
      ],
    },
    bytes: hex`
      04 0e 00f8 00000020   # version 1.3, FLOW_MOD, length 248, xid 32
      7270000000000042      # cookie: agent tag 0x7270, pair 0x42
      0000000000000000      # cookie_mask
      00 00                 # table 0, ADD
      012c 0000 03e8        # idle 300, hard 0, priority 1000
      ffffffff              # NO_BUFFER
      ffffffff ffffffff     # out_port ANY, out_group ANY
      0001 0000             # SEND_FLOW_REM, pad
      ${MATCH_A_HEX}
      0004 0090 00000000    # APPLY_ACTIONS, length 144, pad
      ${REWRITE_A_HEX}
      0019 0010 80001001 2e 00000000000000   # SET_FIELD IP_DSCP 46 (EF), pad 7
      0017 0008 40 000000                    # SET_NW_TTL 64, pad 3
      ${OUTPUT_IN_PORT_HEX}
    `,
    ofpPrint:
      'OFPT_FLOW_MOD (OF1.3) (xid=0x20): ADD priority=1000,udp,in_port=1,nw_src=198.51.100.130,nw_dst=198.51.100.148,' +
      'tp_src=10322,tp_dst=12164 cookie:0x7270000000000042 idle:300 send_flow_rem ' +
      'actions=set_field:5a:7d:d5:22:99:41->eth_src,set_field:6a:a7:45:12:cd:ef->eth_dst,' +
      'set_field:198.51.100.148->ip_src,set_field:198.51.100.130->ip_dst,set_field:18364->udp_src,' +
      'set_field:19818->udp_dst,set_field:46->ip_dscp,mod_nw_ttl:64,IN_PORT',
  },
  {
    name: 'FLOW_MOD DELETE of worked example B (every flow whose cookie starts 0x00ab, all tables)',
    message: {
      type: 'FLOW_MOD',
      xid: 2,
      cookie: 0x00ab000000000000n,
      cookieMask: 0xffff000000000000n,
      tableId: 0xff,
      command: 3,
      idleTimeout: 0,
      hardTimeout: 0,
      priority: 0,
      bufferId: ANY,
      outPort: ANY,
      outGroup: ANY,
      flags: 0,
      match: [],
      instructions: [],
    },
    bytes: hex`
      04 0e 0038 00000002   # version 1.3, FLOW_MOD, length 56, xid 2
      00ab000000000000      # cookie
      ffff000000000000      # cookie_mask: the top 16 bits must match
      ff 03                 # table ALL, command DELETE
      0000 0000 0000        # idle, hard, priority (ignored by non-strict DELETE)
      ffffffff              # NO_BUFFER
      ffffffff ffffffff     # out_port ANY, out_group ANY (no output filter)
      0000 0000             # flags, pad
      0001 0004 00000000    # empty OXM match, padded to 8
    `,
    ofpPrint:
      'OFPT_FLOW_MOD (OF1.3) (xid=0x2): DEL table:255 priority=0 cookie:0xab000000000000/0xffff000000000000 actions=drop',
  },
  {
    name: 'FLOW_MOD ADD of the IPv6 rewrite flow',
    message: {
      type: 'FLOW_MOD',
      xid: 3,
      cookie: 0x7270000000000043n,
      cookieMask: 0n,
      tableId: 0,
      command: 0,
      idleTimeout: 300,
      hardTimeout: 0,
      priority: 1000,
      bufferId: ANY,
      outPort: ANY,
      outGroup: ANY,
      flags: 0,
      match: [
        { type: 'IN_PORT', value: 1 },
        { type: 'ETH_TYPE', value: 0x86dd },
        { type: 'IP_PROTO', value: 17 },
        { type: 'IPV6_SRC', value: '2001:db8:100::10' },
        { type: 'IPV6_DST', value: '2001:db8:100::1' },
        { type: 'UDP_SRC', value: 4000 },
        { type: 'UDP_DST', value: 10000 },
      ],
      instructions: [
        {
          type: 'APPLY_ACTIONS',
          actions: [
            { type: 'SET_FIELD', field: { type: 'IPV6_SRC', value: '2001:db8:100::1' } },
            { type: 'SET_FIELD', field: { type: 'IPV6_DST', value: '2001:db8:100::11' } },
            { type: 'SET_FIELD', field: { type: 'UDP_SRC', value: 10002 } },
            { type: 'SET_FIELD', field: { type: 'UDP_DST', value: 4002 } },
            { type: 'OUTPUT', port: OFPP_IN_PORT, maxLen: 0 },
          ],
        },
      ],
    },
    bytes: hex`
      04 0e 00e8 00000003   # version 1.3, FLOW_MOD, length 232, xid 3
      7270000000000043      # cookie
      0000000000000000      # cookie_mask
      00 00                 # table 0, ADD
      012c 0000 03e8        # idle 300, hard 0, priority 1000
      ffffffff              # NO_BUFFER
      ffffffff ffffffff     # out_port ANY, out_group ANY
      0000 0000             # no flags, pad
      0001 004b             # ofp_match: OXM, length 75
      80000004 00000001     # IN_PORT 1
      80000a02 86dd         # ETH_TYPE IPv6
      80001401 11           # IP_PROTO 17
      80003410 20010db8010000000000000000000010   # IPV6_SRC 2001:db8:100::10
      80003610 20010db8010000000000000000000001   # IPV6_DST 2001:db8:100::1
      80001e02 0fa0         # UDP_SRC 4000
      80002002 2710         # UDP_DST 10000
      0000000000            # pad to 80
      0004 0068 00000000    # APPLY_ACTIONS, length 104, pad
      0019 0018 80003410 20010db8010000000000000000000001   # SET_FIELD IPV6_SRC (24 bytes, no pad)
      0019 0018 80003610 20010db8010000000000000000000011   # SET_FIELD IPV6_DST 2001:db8:100::11
      0019 0010 80001e02 2712 000000000000                  # SET_FIELD UDP_SRC 10002
      0019 0010 80002002 0fa2 000000000000                  # SET_FIELD UDP_DST 4002
      ${OUTPUT_IN_PORT_HEX}
    `,
    ofpPrint:
      'OFPT_FLOW_MOD (OF1.3) (xid=0x3): ADD priority=1000,udp6,in_port=1,ipv6_src=2001:db8:100::10,' +
      'ipv6_dst=2001:db8:100::1,tp_src=4000,tp_dst=10000 cookie:0x7270000000000043 idle:300 ' +
      'actions=set_field:2001:db8:100::1->ipv6_src,set_field:2001:db8:100::11->ipv6_dst,' +
      'set_field:10002->udp_src,set_field:4002->udp_dst,IN_PORT',
  },
  {
    name: 'FLOW_MOD MODIFY_STRICT with masked fields and every typed instruction',
    message: {
      type: 'FLOW_MOD',
      xid: 4,
      cookie: 0n,
      cookieMask: 0n,
      tableId: 0,
      command: 2,
      idleTimeout: 0,
      hardTimeout: 30,
      priority: 100,
      bufferId: ANY,
      outPort: ANY,
      outGroup: ANY,
      flags: 4,
      match: [
        { type: 'ETH_DST', value: '01:00:00:00:00:00', mask: '01:00:00:00:00:00' },
        { type: 'ETH_TYPE', value: 0x0800 },
        { type: 'IPV4_SRC', value: '198.51.100.0', mask: '255.255.255.0' },
        { type: 'METADATA', value: 0x1234n, mask: 0xffffn },
      ],
      instructions: [
        { type: 'CLEAR_ACTIONS' },
        { type: 'WRITE_ACTIONS', actions: [{ type: 'GROUP', groupId: 7 }] },
        { type: 'WRITE_METADATA', metadata: 0x1n, mask: 0xffn },
        { type: 'GOTO_TABLE', tableId: 1 },
      ],
    },
    bytes: hex`
      04 0e 00a8 00000004   # version 1.3, FLOW_MOD, length 168, xid 4
      0000000000000000      # cookie
      0000000000000000      # cookie_mask
      00 02                 # table 0, command MODIFY_STRICT
      0000 001e 0064        # idle 0, hard 30, priority 100
      ffffffff              # NO_BUFFER
      ffffffff ffffffff     # out_port ANY, out_group ANY
      0004 0000             # flags RESET_COUNTS, pad
      0001 003a             # ofp_match: OXM, length 58
      8000070c 010000000000 010000000000   # ETH_DST with mask (has-mask bit, length 12)
      80000a02 0800                        # ETH_TYPE IPv4
      80001708 c6336400 ffffff00           # IPV4_SRC 198.51.100.0/255.255.255.0
      80000510 0000000000001234 000000000000ffff   # METADATA 0x1234/0xffff
      000000000000          # pad to 64
      0005 0008 00000000    # CLEAR_ACTIONS, pad
      0003 0010 00000000    # WRITE_ACTIONS, length 16, pad
      0016 0008 00000007    #   GROUP 7
      0002 0018 00000000    # WRITE_METADATA, length 24, pad
      0000000000000001      #   metadata
      00000000000000ff      #   metadata_mask
      0001 0008 01 000000   # GOTO_TABLE 1, pad
    `,
    ofpPrint:
      'OFPT_FLOW_MOD (OF1.3) (xid=0x4): MOD_STRICT priority=100,ip,metadata=0x1234/0xffff,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,' +
      'nw_src=198.51.100.0/24 hard:30 reset_counts actions=clear_actions,write_actions(group:7),' +
      'write_metadata:0x1/0xff,goto_table:1',
  },
  {
    name: 'PORT_DESC request',
    message: { type: 'PORT_DESC_REQUEST', xid: 7 },
    bytes: hex`
      04 12 0010 00000007   # version 1.3, MULTIPART_REQUEST, length 16, xid 7
      000d 0000 00000000    # type PORT_DESC, flags 0, pad; no body
    `,
    ofpPrint: 'OFPST_PORT_DESC request (OF1.3) (xid=0x7): port=ANY',
  },
  {
    name: 'PORT_DESC reply with the uplink port',
    message: {
      type: 'PORT_DESC_REPLY',
      xid: 7,
      flags: 0,
      ports: [
        {
          portNo: 1,
          hwAddr: 'ba:a9:d4:e7:02:32',
          name: 'rtpoup',
          config: 0,
          state: 4,
          curr: 0x2840,
          advertised: 0,
          supported: 0,
          peer: 0,
          currSpeed: 10000000,
          maxSpeed: 0,
        },
      ],
    },
    bytes: hex`
      04 13 0050 00000007   # version 1.3, MULTIPART_REPLY, length 80, xid 7
      000d 0000 00000000    # type PORT_DESC, flags 0 (last part), pad
      00000001 00000000     # port_no 1, pad
      baa9d4e70232 0000     # hw_addr, pad
      7274706f7570 00000000000000000000   # name "rtpoup", NUL-padded to 16
      00000000              # config
      00000004              # state LIVE
      00002840              # curr: 10GB_FD COPPER
      00000000 00000000 00000000   # advertised, supported, peer
      00989680              # curr_speed 10,000,000 kbps
      00000000              # max_speed
    `,
    ofpPrint: [
      'OFPST_PORT_DESC reply (OF1.3) (xid=0x7):',
      ' 1(rtpoup): addr:ba:a9:d4:e7:02:32',
      '     config:     0',
      '     state:      LIVE',
      '     current:    10GB-FD COPPER',
      '     speed: 10000 Mbps now, 0 Mbps max',
    ],
  },
  {
    name: 'FLOW stats request filtered by cookie/mask',
    message: {
      type: 'FLOW_STATS_REQUEST',
      xid: 8,
      tableId: 0xff,
      outPort: ANY,
      outGroup: ANY,
      cookie: 0x7270000000000000n,
      cookieMask: 0xffff000000000000n,
      match: [],
    },
    bytes: hex`
      04 12 0038 00000008   # version 1.3, MULTIPART_REQUEST, length 56, xid 8
      0001 0000 00000000    # type FLOW, flags 0, pad
      ff 000000             # table_id ALL, pad 3
      ffffffff ffffffff     # out_port ANY, out_group ANY
      00000000              # pad 4
      7270000000000000      # cookie
      ffff000000000000      # cookie_mask
      0001 0004 00000000    # empty match
    `,
    ofpPrint: 'OFPST_FLOW request (OF1.3) (xid=0x8):',
  },
  {
    name: 'FLOW stats reply with the default NORMAL flow',
    message: {
      type: 'FLOW_STATS_REPLY',
      xid: 8,
      flags: 0,
      entries: [
        {
          tableId: 0,
          durationSec: 12,
          durationNsec: 500000000,
          priority: 0,
          idleTimeout: 0,
          hardTimeout: 0,
          flags: 0,
          cookie: 0n,
          packetCount: 3n,
          byteCount: 202n,
          match: [],
          instructions: [
            { type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: 0xfffffffa, maxLen: 0 }] },
          ],
        },
      ],
    },
    bytes: hex`
      04 13 0060 00000008   # version 1.3, MULTIPART_REPLY, length 96, xid 8
      0001 0000 00000000    # type FLOW, flags 0 (last part), pad
      0050 00 00            # entry length 80, table 0, pad
      0000000c 1dcd6500     # duration 12 s + 500,000,000 ns
      0000 0000 0000 0000   # priority 0, idle 0, hard 0, flags 0
      00000000              # pad 4
      0000000000000000      # cookie
      0000000000000003      # packet_count 3
      00000000000000ca      # byte_count 202
      0001 0004 00000000    # empty match
      0004 0018 00000000    # APPLY_ACTIONS, length 24
      0000 0010 fffffffa 0000 000000000000   # OUTPUT NORMAL
    `,
    ofpPrint: [
      'OFPST_FLOW reply (OF1.3) (xid=0x8):',
      ' cookie=0x0, duration=12.500s, table=0, n_packets=3, n_bytes=202, priority=0 actions=NORMAL',
    ],
  },
  {
    name: 'AGGREGATE stats request for one table and out_port',
    message: {
      type: 'AGGREGATE_STATS_REQUEST',
      xid: 9,
      tableId: 0,
      outPort: 1,
      outGroup: ANY,
      cookie: 0n,
      cookieMask: 0n,
      match: [{ type: 'ETH_TYPE', value: 0x0800 }],
    },
    bytes: hex`
      04 12 0040 00000009   # version 1.3, MULTIPART_REQUEST, length 64, xid 9
      0002 0000 00000000    # type AGGREGATE, flags 0, pad
      00 000000             # table 0, pad
      00000001 ffffffff     # out_port 1, out_group ANY
      00000000              # pad
      0000000000000000      # cookie
      0000000000000000      # cookie_mask (no filter)
      0001 000a 80000a02 0800 000000000000   # match: ETH_TYPE IPv4, padded to 16
    `,
    ofpPrint: 'OFPST_AGGREGATE request (OF1.3) (xid=0x9): table=0 out_port=1 ip',
  },
  {
    name: 'AGGREGATE stats reply',
    message: {
      type: 'AGGREGATE_STATS_REPLY',
      xid: 9,
      flags: 0,
      stats: { packetCount: 300n, byteCount: 60600n, flowCount: 2 },
    },
    bytes: hex`
      04 13 0028 00000009   # version 1.3, MULTIPART_REPLY, length 40, xid 9
      0002 0000 00000000    # type AGGREGATE, flags 0, pad
      000000000000012c      # packet_count 300
      000000000000ecb8      # byte_count 60600
      00000002 00000000     # flow_count 2, pad
    `,
    ofpPrint: 'OFPST_AGGREGATE reply (OF1.3) (xid=0x9): packet_count=300 byte_count=60600 flow_count=2',
  },
  {
    name: 'FLOW_REMOVED after an idle timeout, with final counters',
    message: {
      type: 'FLOW_REMOVED',
      xid: 0,
      cookie: 0x00ab000000000001n,
      priority: 1000,
      reason: 0,
      tableId: 0,
      durationSec: 8,
      durationNsec: 250000000,
      idleTimeout: 2,
      hardTimeout: 0,
      packetCount: 300n,
      byteCount: 60600n,
      match: matchA,
    },
    bytes: hex`
      04 0b 0068 00000000   # version 1.3, FLOW_REMOVED, length 104, xid 0 (unsolicited)
      00ab000000000001      # cookie
      03e8 00 00            # priority 1000, reason IDLE_TIMEOUT, table 0
      00000008 0ee6b280     # duration 8 s + 250,000,000 ns
      0002 0000             # idle_timeout 2, hard_timeout 0
      000000000000012c      # packet_count 300
      000000000000ecb8      # byte_count 60600
      ${MATCH_A_HEX}
    `,
    ofpPrint:
      'OFPT_FLOW_REMOVED (OF1.3) (xid=0x0): priority=1000,udp,in_port=1,nw_src=198.51.100.130,nw_dst=198.51.100.148,' +
      'tp_src=10322,tp_dst=12164 reason=idle table_id=0 cookie:0xab000000000001 duration8.250s idle2 pkts300 bytes60600',
  },
  {
    name: 'PORT_STATUS: a port went down',
    message: {
      type: 'PORT_STATUS',
      xid: 0,
      reason: 2,
      port: {
        portNo: 1,
        hwAddr: 'ba:a9:d4:e7:02:32',
        name: 'rtpoup',
        config: 1,
        state: 1,
        curr: 0,
        advertised: 0,
        supported: 0,
        peer: 0,
        currSpeed: 0,
        maxSpeed: 0,
      },
    },
    bytes: hex`
      04 0c 0050 00000000   # version 1.3, PORT_STATUS, length 80, xid 0
      02 00000000000000     # reason MODIFY, pad 7
      00000001 00000000     # port_no 1, pad
      baa9d4e70232 0000     # hw_addr, pad
      7274706f7570 00000000000000000000   # name "rtpoup"
      00000001              # config PORT_DOWN
      00000001              # state LINK_DOWN
      00000000 00000000 00000000 00000000   # curr, advertised, supported, peer
      00000000 00000000     # curr_speed, max_speed
    `,
    ofpPrint: [
      'OFPT_PORT_STATUS (OF1.3) (xid=0x0): MOD: 1(rtpoup): addr:ba:a9:d4:e7:02:32',
      '     config:     PORT_DOWN',
      '     state:      LINK_DOWN',
    ],
  },
  {
    name: 'ONF bundle OPEN_REQUEST (the bytes checked live in the reference)',
    message: { type: 'BUNDLE_CONTROL', xid: 0xc8, bundleId: 7, bundleType: 0, flags: 1 },
    bytes: hex`
      04 04 0018 000000c8   # version 1.3, EXPERIMENTER, length 24, xid 200
      4f4e4600              # experimenter ONF
      000008fc              # exp_type 2300: bundle control
      00000007              # bundle_id 7
      0000 0001             # type OPEN_REQUEST, flags ATOMIC
    `,
    ofpPrint: 'ONFT_BUNDLE_CONTROL (OF1.3) (xid=0xc8):\n bundle_id=0x7 type=OPEN_REQUEST flags=atomic',
  },
  {
    name: 'ONF bundle COMMIT_REPLY',
    message: { type: 'BUNDLE_CONTROL', xid: 0xca, bundleId: 7, bundleType: 5, flags: 1 },
    bytes: hex`
      04 04 0018 000000ca   # version 1.3, EXPERIMENTER, length 24, xid 202
      4f4e4600 000008fc     # ONF, bundle control
      00000007              # bundle_id 7
      0005 0001             # type COMMIT_REPLY, flags ATOMIC
    `,
    ofpPrint: 'ONFT_BUNDLE_CONTROL (OF1.3) (xid=0xca):\n bundle_id=0x7 type=COMMIT_REPLY flags=atomic',
  },
  {
    name: 'ONF bundle ADD wrapping a flow mod with the same xid',
    message: {
      type: 'BUNDLE_ADD_MESSAGE',
      xid: 0xc9,
      bundleId: 7,
      flags: 1,
      message: hex`
        040e0038 000000c9 00ab000000000000 ffff000000000000 ff03 0000 0000 0000
        ffffffff ffffffff ffffffff 0000 0000 00010004 00000000`,
    },
    bytes: hex`
      04 04 0050 000000c9   # version 1.3, EXPERIMENTER, length 80, xid 201
      4f4e4600              # experimenter ONF
      000008fd              # exp_type 2301: bundle add
      00000007              # bundle_id 7
      0000 0001             # pad, flags ATOMIC
      04 0e 0038 000000c9   # inner FLOW_MOD, length 56, the same xid 201
      00ab000000000000 ffff000000000000   # cookie, cookie_mask
      ff 03 0000 0000 0000  # table ALL, DELETE, idle, hard, priority
      ffffffff ffffffff ffffffff   # buffer, out_port, out_group
      0000 0000             # flags, pad
      0001 0004 00000000    # empty match
    `,
    ofpPrint: [
      'ONFT_BUNDLE_ADD_MESSAGE (OF1.3) (xid=0xc9):',
      ' bundle_id=0x7 flags=atomic',
      'OFPT_FLOW_MOD (OF1.3) (xid=0xc9): DEL table:255 priority=0 cookie:0xab000000000000/0xffff000000000000 actions=drop',
    ],
  },
];
