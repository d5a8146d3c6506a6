/**
 * OpenFlow 1.3 numbers, named as in the OpenFlow Switch Specification 1.3.5 (`ofp_type`,
 * `ofp_flow_mod_command`, …) and, for the ONF bundle extension, as in OVS's
 * include/openflow/openflow-1.4.h. Only the constants this client speaks are listed.
 */

/** `OFP_VERSION` for OpenFlow 1.3 (1.3.5 §7.1). */
export const OFP13_VERSION = 0x04;
/** Every message starts with an 8-byte `ofp_header` (1.3.5 §7.1). */
export const OFP_HEADER_LEN = 8;
/** `length` is a u16, so no message is longer than this. */
export const OFP_MAX_MESSAGE_LEN = 0xffff;

/** `ofp_type` (1.3.5 §7.1). */
export const OFPT_HELLO = 0;
export const OFPT_ERROR = 1;
export const OFPT_ECHO_REQUEST = 2;
export const OFPT_ECHO_REPLY = 3;
export const OFPT_EXPERIMENTER = 4;
export const OFPT_FEATURES_REQUEST = 5;
export const OFPT_FEATURES_REPLY = 6;
export const OFPT_GET_CONFIG_REQUEST = 7;
export const OFPT_GET_CONFIG_REPLY = 8;
export const OFPT_SET_CONFIG = 9;
export const OFPT_PACKET_IN = 10;
export const OFPT_FLOW_REMOVED = 11;
export const OFPT_PORT_STATUS = 12;
export const OFPT_PACKET_OUT = 13;
export const OFPT_FLOW_MOD = 14;
export const OFPT_MULTIPART_REQUEST = 18;
export const OFPT_MULTIPART_REPLY = 19;
export const OFPT_BARRIER_REQUEST = 20;
export const OFPT_BARRIER_REPLY = 21;
export const OFPT_ROLE_REQUEST = 24;
export const OFPT_ROLE_REPLY = 25;
export const OFPT_GET_ASYNC_REQUEST = 26;
export const OFPT_GET_ASYNC_REPLY = 27;
export const OFPT_SET_ASYNC = 28;

/** `ofp_hello_elem_type` (1.3.5 §7.5.1). */
export const OFPHET_VERSIONBITMAP = 1;

/** `ofp_flow_mod_command` (1.3.5 §7.3.4.1). */
export const OFPFC_ADD = 0;
export const OFPFC_MODIFY = 1;
export const OFPFC_MODIFY_STRICT = 2;
export const OFPFC_DELETE = 3;
export const OFPFC_DELETE_STRICT = 4;

/** `ofp_flow_mod_flags` (1.3.5 §7.3.4.1). */
export const OFPFF_SEND_FLOW_REM = 1 << 0;
export const OFPFF_CHECK_OVERLAP = 1 << 1;
export const OFPFF_RESET_COUNTS = 1 << 2;
export const OFPFF_NO_PKT_COUNTS = 1 << 3;
export const OFPFF_NO_BYT_COUNTS = 1 << 4;

/** `ofp_table`: 0xff means "all tables" and is valid only in deletes and stats requests. */
export const OFPTT_ALL = 0xff;
/** `OFP_NO_BUFFER`: OVS reports `n_buffers` 0, so flow mods never reference a buffered packet. */
export const OFP_NO_BUFFER = 0xffffffff;

/** `ofp_port_no` reserved values (1.3.5 §7.2.1). */
export const OFPP_MAX = 0xffffff00;
/** The only way to send a packet back out the port it arrived on (1.3.5 §4.5). */
export const OFPP_IN_PORT = 0xfffffff8;
export const OFPP_TABLE = 0xfffffff9;
export const OFPP_NORMAL = 0xfffffffa;
export const OFPP_FLOOD = 0xfffffffb;
export const OFPP_ALL = 0xfffffffc;
export const OFPP_CONTROLLER = 0xfffffffd;
export const OFPP_LOCAL = 0xfffffffe;
export const OFPP_ANY = 0xffffffff;
/** `ofp_group` wildcard for delete and stats filters. */
export const OFPG_ANY = 0xffffffff;

/** `ofp_config_flags`: bits 0–1 are the bridge-wide fragment handling mode (1.3.5 §7.3.2). */
export const OFPC_FRAG_MASK = 0x0003;
/** OpenFlow's own default `miss_send_len` (1.3.5 §7.3.2, `OFP_DEFAULT_MISS_SEND_LEN`). */
export const OFP_DEFAULT_MISS_SEND_LEN = 128;

/** `ofp_match_type` (1.3.5 §7.2.2.1). */
export const OFPMT_OXM = 1;
/** `ofp_oxm_class` (1.3.5 §7.2.2.2). */
export const OFPXMC_OPENFLOW_BASIC = 0x8000;
export const OFPXMC_EXPERIMENTER = 0xffff;
/** Nicira extension class NXM_1: OVS accepts its fields as OXM TLVs in OF1.3 (lib/nx-match.c). */
export const OFPXMC_NXM_1 = 0x0001;
/** NXM_NX_IP_FRAG (u8, maskable): bit 0 = a fragment, bit 1 = a later fragment (OVS `nw_frag`). */
export const NXM_NX_IP_FRAG = 26;
/** ip_frag values: `no` is 0 with both bits matched, what OVS writes as an unmasked 0. */
export const IP_FRAG_NO = 0;
export const IP_FRAG_ANY = 1;
export const IP_FRAG_LATER = 2;
export const IP_FRAG_MASK = 3;

/** `oxm_ofb_match_fields` (1.3.5 §7.2.2.7) for the fields this client names. */
export const OFPXMT_OFB_IN_PORT = 0;
export const OFPXMT_OFB_METADATA = 2;
export const OFPXMT_OFB_ETH_DST = 3;
export const OFPXMT_OFB_ETH_SRC = 4;
export const OFPXMT_OFB_ETH_TYPE = 5;
export const OFPXMT_OFB_VLAN_VID = 6;
export const OFPXMT_OFB_VLAN_PCP = 7;
export const OFPXMT_OFB_IP_DSCP = 8;
export const OFPXMT_OFB_IP_ECN = 9;
export const OFPXMT_OFB_IP_PROTO = 10;
export const OFPXMT_OFB_IPV4_SRC = 11;
export const OFPXMT_OFB_IPV4_DST = 12;
export const OFPXMT_OFB_TCP_SRC = 13;
export const OFPXMT_OFB_TCP_DST = 14;
export const OFPXMT_OFB_UDP_SRC = 15;
export const OFPXMT_OFB_UDP_DST = 16;
export const OFPXMT_OFB_IPV6_SRC = 26;
export const OFPXMT_OFB_IPV6_DST = 27;

/** `ofp_instruction_type` (1.3.5 §7.2.4). */
export const OFPIT_GOTO_TABLE = 1;
export const OFPIT_WRITE_METADATA = 2;
export const OFPIT_WRITE_ACTIONS = 3;
export const OFPIT_APPLY_ACTIONS = 4;
export const OFPIT_CLEAR_ACTIONS = 5;
export const OFPIT_METER = 6;

/** `ofp_action_type` (1.3.5 §7.2.5). */
export const OFPAT_OUTPUT = 0;
export const OFPAT_PUSH_VLAN = 17;
export const OFPAT_POP_VLAN = 18;
export const OFPAT_SET_QUEUE = 21;
export const OFPAT_GROUP = 22;
export const OFPAT_SET_NW_TTL = 23;
export const OFPAT_DEC_NW_TTL = 24;
export const OFPAT_SET_FIELD = 25;
export const OFPAT_EXPERIMENTER = 0xffff;

/** `ofp_multipart_type` (1.3.5 §7.3.5). */
export const OFPMP_DESC = 0;
export const OFPMP_FLOW = 1;
export const OFPMP_AGGREGATE = 2;
export const OFPMP_PORT_DESC = 13;
/** `ofp_multipart_reply_flags`: more parts with the same xid follow. */
export const OFPMPF_REPLY_MORE = 1;

/** `ofp_flow_removed_reason` (1.3.5 §7.4.2). */
export const OFPRR_IDLE_TIMEOUT = 0;
export const OFPRR_HARD_TIMEOUT = 1;
export const OFPRR_DELETE = 2;
export const OFPRR_GROUP_DELETE = 3;

/** `ofp_port_reason` (1.3.5 §7.4.3). */
export const OFPPR_ADD = 0;
export const OFPPR_DELETE = 1;
export const OFPPR_MODIFY = 2;

/** `ofp_port_config` / `ofp_port_state` bits used by callers (1.3.5 §7.2.1). */
export const OFPPC_PORT_DOWN = 1 << 0;
export const OFPPS_LINK_DOWN = 1 << 0;
export const OFPPS_LIVE = 1 << 2;

/** ONF's experimenter id; OF1.3 bundles are its extension messages 2300/2301. */
export const ONF_EXPERIMENTER_ID = 0x4f4e4600;
/** Nicira's experimenter id, seen in OVS's own errors and extension fields. */
export const NX_EXPERIMENTER_ID = 0x00002320;
export const ONFT_BUNDLE_CONTROL = 2300;
export const ONFT_BUNDLE_ADD_MESSAGE = 2301;

/** `ofp_bundle_ctrl_type` (OF1.4 §7.3.9, used unchanged by the ONF extension for 1.3). */
export const OFPBCT_OPEN_REQUEST = 0;
export const OFPBCT_OPEN_REPLY = 1;
export const OFPBCT_CLOSE_REQUEST = 2;
export const OFPBCT_CLOSE_REPLY = 3;
export const OFPBCT_COMMIT_REQUEST = 4;
export const OFPBCT_COMMIT_REPLY = 5;
export const OFPBCT_DISCARD_REQUEST = 6;
export const OFPBCT_DISCARD_REPLY = 7;

/** `ofp_bundle_flags`. OVS insists the same flags are used on open, every add and commit. */
export const OFPBF_ATOMIC = 1;
export const OFPBF_ORDERED = 2;

/** EtherTypes and IP protocol numbers used in matches. */
export const ETH_TYPE_IPV4 = 0x0800;
export const ETH_TYPE_IPV6 = 0x86dd;
export const IP_PROTO_TCP = 6;
export const IP_PROTO_UDP = 17;
