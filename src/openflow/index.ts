/**
 * OpenFlow 1.3 client for Open vSwitch. Imports nothing else from this project.
 *
 * - `OpenFlowConnection`: handshake, pipelined flow mods with per-mod outcomes, bundles,
 *   stats, keepalive, reconnect, FLOW_REMOVED / PORT_STATUS events.
 * - `codec`: pure encoders and decoders over `Buffer` for every message used.
 * - typed errors, each with a stable `code`.
 */
export {
  OpenFlowConnection,
  type ConnectionCounters,
  type ConnectionStatus,
  type DeleteFlowsFilter,
  type FlowModOutcome,
  type OpenFlowConnectionEvents,
  type OpenFlowConnectionOptions,
  type OpenFlowLogger,
  type ReconnectInfo,
} from './connection.js';
export {
  OpenFlowArgumentError,
  OpenFlowBatchError,
  OpenFlowClientError,
  OpenFlowDisconnectedError,
  OpenFlowError,
  OpenFlowHandshakeError,
  OpenFlowTimeoutError,
  ProtocolError,
  type BatchFailure,
  type OpenFlowErrorCode,
} from './errors.js';
export { DEFAULT_BACKOFF, reconnectDelay, type BackoffPolicy } from './backoff.js';
export { systemClock, type Clock, type Timer } from './clock.js';
export { connectTransport, parseTarget, type TransportSocket, type TransportTarget } from './transport.js';
export * as codec from './codec/index.js';
/**
 * One whole OpenFlow message (the bytes of its header's length) → the decoded message, or a
 * `ProtocolError` with the byte offset; it never throws anything else (a fuzz target).
 */
export { decodeMessage, type OfpMessage } from './codec/index.js';
export {
  ETH_TYPE_IPV4,
  ETH_TYPE_IPV6,
  IP_FRAG_MASK,
  IP_FRAG_NO,
  IP_PROTO_UDP,
  OFPFC_ADD,
  OFPFC_DELETE,
  OFPFC_DELETE_STRICT,
  OFPFC_MODIFY,
  OFPFC_MODIFY_STRICT,
  OFPFF_CHECK_OVERLAP,
  OFPFF_RESET_COUNTS,
  OFPFF_SEND_FLOW_REM,
  OFPP_ANY,
  OFPP_CONTROLLER,
  OFPP_IN_PORT,
  OFPP_LOCAL,
  OFPP_NORMAL,
  OFPRR_DELETE,
  OFPRR_HARD_TIMEOUT,
  OFPRR_IDLE_TIMEOUT,
  OFPTT_ALL,
  findField,
  type Action,
  type AggregateStats,
  type FeaturesReply,
  type FlowModFields,
  type FlowRemoved,
  type FlowStatsEntry,
  type FlowStatsFilter,
  type Instruction,
  type Match,
  type OxmField,
  type Port,
  type PortStatus,
} from './codec/index.js';
