/**
 * Every OpenFlow 1.3 message this codec knows, as one union keyed on `type` (the spec's
 * `OFPT_*` / `OFPMP_*` names without prefix, multipart kinds flattened as OVS's `ofptype`
 * does), with `decodeMessage` and `encodeMessage` over it.
 */

import { ProtocolError } from '../errors.js';
import {
  encodeBarrierReply,
  encodeBarrierRequest,
  type BarrierReply,
  type BarrierRequest,
} from './barrier.js';
import {
  decodeExperimenter,
  encodeBundleAdd,
  encodeBundleControl,
  type BundleAdd,
  type BundleControl,
  type Experimenter,
} from './bundle.js';
import {
  OFP13_VERSION,
  OFPMP_AGGREGATE,
  OFPMP_FLOW,
  OFPMP_PORT_DESC,
  OFPT_BARRIER_REPLY,
  OFPT_BARRIER_REQUEST,
  OFPT_ECHO_REPLY,
  OFPT_ECHO_REQUEST,
  OFPT_ERROR,
  OFPT_EXPERIMENTER,
  OFPT_FEATURES_REPLY,
  OFPT_FEATURES_REQUEST,
  OFPT_FLOW_MOD,
  OFPT_FLOW_REMOVED,
  OFPT_GET_CONFIG_REPLY,
  OFPT_GET_CONFIG_REQUEST,
  OFPT_HELLO,
  OFPT_MULTIPART_REPLY,
  OFPT_MULTIPART_REQUEST,
  OFPT_PACKET_IN,
  OFPT_PORT_STATUS,
  OFPT_SET_ASYNC,
  OFPT_SET_CONFIG,
} from './constants.js';
import {
  decodeEchoReply,
  decodeEchoRequest,
  encodeEchoReply,
  encodeEchoRequest,
  type EchoReply,
  type EchoRequest,
} from './echo.js';
import { decodeError, encodeError, type ErrorMsg } from './error-msg.js';
import {
  decodeFeaturesReply,
  encodeFeaturesReply,
  encodeFeaturesRequest,
  type FeaturesReply,
  type FeaturesRequest,
} from './features.js';
import { decodeFlowMod, encodeFlowMod, type FlowMod } from './flow-mod.js';
import { decodeFlowRemoved, encodeFlowRemoved, type FlowRemoved } from './flow-removed.js';
import {
  encodeAggregateStatsRequest,
  encodeFlowStatsRequest,
  readAggregateStatsBody,
  readFlowStatsBody,
  readFlowStatsRequestBody,
  writeAggregateStatsBody,
  writeFlowStatsBody,
  type AggregateStats,
  type FlowStatsEntry,
  type FlowStatsRequest,
} from './flow-stats.js';
import { readHeader } from './header.js';
import { decodeHello, encodeHello, type Hello } from './hello.js';
import {
  encodeMultipart,
  encodeMultipartReply,
  encodePortDescRequest,
  readMultipart,
  type MultipartRaw,
  type PortDescRequest,
} from './multipart.js';
import { decodePacketInHeader, type PacketIn } from './packet-in.js';
import {
  decodePortStatus,
  encodePortStatus,
  readPorts,
  writePorts,
  type Port,
  type PortStatus,
} from './port.js';
import { decodeSetAsync, encodeSetAsync, type SetAsync } from './async-config.js';
import {
  decodeGetConfigReply,
  decodeSetConfig,
  encodeGetConfigReply,
  encodeGetConfigRequest,
  encodeSetConfig,
  type GetConfigReply,
  type GetConfigRequest,
  type SetConfig,
} from './switch-config.js';

export interface PortDescReply {
  readonly type: 'PORT_DESC_REPLY';
  readonly xid: number;
  /** OFPMPF_REPLY_MORE when more parts follow. */
  readonly flags: number;
  readonly ports: readonly Port[];
}

export interface FlowStatsReply {
  readonly type: 'FLOW_STATS_REPLY';
  readonly xid: number;
  readonly flags: number;
  readonly entries: readonly FlowStatsEntry[];
}

export interface AggregateStatsReply {
  readonly type: 'AGGREGATE_STATS_REPLY';
  readonly xid: number;
  readonly flags: number;
  readonly stats: AggregateStats;
}

/** A message of a type this codec does not decode; kept whole. */
export interface UnknownMessage {
  readonly type: 'UNKNOWN';
  readonly xid: number;
  readonly version: number;
  readonly ofpType: number;
  readonly body: Buffer;
}

export type OfpMessage =
  | Hello
  | ErrorMsg
  | EchoRequest
  | EchoReply
  | FeaturesRequest
  | FeaturesReply
  | GetConfigRequest
  | GetConfigReply
  | SetConfig
  | SetAsync
  | BarrierRequest
  | BarrierReply
  | FlowMod
  | FlowRemoved
  | PortStatus
  | PacketIn
  | PortDescRequest
  | PortDescReply
  | FlowStatsRequest
  | FlowStatsReply
  | AggregateStatsReply
  | MultipartRaw
  | BundleControl
  | BundleAdd
  | Experimenter
  | UnknownMessage;

export type OfpMessageType = OfpMessage['type'];

function decodeMultipartRequest(buf: Buffer): OfpMessage {
  const part = readMultipart(buf);
  switch (part.mpType) {
    case OFPMP_PORT_DESC:
      return { type: 'PORT_DESC_REQUEST', xid: part.xid };
    case OFPMP_FLOW:
    case OFPMP_AGGREGATE:
      return {
        type: part.mpType === OFPMP_FLOW ? 'FLOW_STATS_REQUEST' : 'AGGREGATE_STATS_REQUEST',
        xid: part.xid,
        ...readFlowStatsRequestBody(part.body),
      };
  }
  return { type: 'MULTIPART_REQUEST', ...part };
}

function decodeMultipartReply(buf: Buffer): OfpMessage {
  const part = readMultipart(buf);
  const { xid, flags, body } = part;
  switch (part.mpType) {
    case OFPMP_PORT_DESC:
      return { type: 'PORT_DESC_REPLY', xid, flags, ports: readPorts(body) };
    case OFPMP_FLOW:
      return { type: 'FLOW_STATS_REPLY', xid, flags, entries: readFlowStatsBody(body) };
    case OFPMP_AGGREGATE:
      return { type: 'AGGREGATE_STATS_REPLY', xid, flags, stats: readAggregateStatsBody(body) };
  }
  return { type: 'MULTIPART_REPLY', ...part };
}

/**
 * Decodes one whole message (as the framer delivers it). HELLO and ERROR are read in any
 * version, since version negotiation happens through them; everything else must be 1.3.
 * Bad bytes raise `ProtocolError` with the offset into `buf`.
 */
export function decodeMessage(buf: Buffer): OfpMessage {
  const h = readHeader(buf);
  if (h.type === OFPT_HELLO) return decodeHello(buf);
  if (h.type === OFPT_ERROR) return decodeError(buf);
  if (h.version !== OFP13_VERSION)
    throw new ProtocolError(`version 0x${h.version.toString(16)} is not OpenFlow 1.3`, 0);
  switch (h.type) {
    case OFPT_ECHO_REQUEST:
      return decodeEchoRequest(buf);
    case OFPT_ECHO_REPLY:
      return decodeEchoReply(buf);
    case OFPT_EXPERIMENTER:
      return decodeExperimenter(buf);
    case OFPT_FEATURES_REQUEST:
      return { type: 'FEATURES_REQUEST', xid: h.xid };
    case OFPT_FEATURES_REPLY:
      return decodeFeaturesReply(buf);
    case OFPT_GET_CONFIG_REQUEST:
      return { type: 'GET_CONFIG_REQUEST', xid: h.xid };
    case OFPT_GET_CONFIG_REPLY:
      return decodeGetConfigReply(buf);
    case OFPT_SET_CONFIG:
      return decodeSetConfig(buf);
    case OFPT_PACKET_IN:
      return decodePacketInHeader(buf);
    case OFPT_FLOW_REMOVED:
      return decodeFlowRemoved(buf);
    case OFPT_PORT_STATUS:
      return decodePortStatus(buf);
    case OFPT_FLOW_MOD:
      return decodeFlowMod(buf);
    case OFPT_MULTIPART_REQUEST:
      return decodeMultipartRequest(buf);
    case OFPT_MULTIPART_REPLY:
      return decodeMultipartReply(buf);
    case OFPT_BARRIER_REQUEST:
      return { type: 'BARRIER_REQUEST', xid: h.xid };
    case OFPT_BARRIER_REPLY:
      return { type: 'BARRIER_REPLY', xid: h.xid };
    case OFPT_SET_ASYNC:
      return decodeSetAsync(buf);
  }
  return { type: 'UNKNOWN', xid: h.xid, version: h.version, ofpType: h.type, body: buf.subarray(8) };
}

/** Encodes any message of the union (the inverse of `decodeMessage` except for PACKET_IN). */
export function encodeMessage(m: Exclude<OfpMessage, PacketIn>): Buffer {
  switch (m.type) {
    case 'HELLO':
      return encodeHello(m.xid, m.versions, m.version);
    case 'ERROR':
      return encodeError(m);
    case 'ECHO_REQUEST':
      return encodeEchoRequest(m.xid, m.data);
    case 'ECHO_REPLY':
      return encodeEchoReply(m.xid, m.data);
    case 'FEATURES_REQUEST':
      return encodeFeaturesRequest(m.xid);
    case 'FEATURES_REPLY':
      return encodeFeaturesReply(m);
    case 'GET_CONFIG_REQUEST':
      return encodeGetConfigRequest(m.xid);
    case 'GET_CONFIG_REPLY':
      return encodeGetConfigReply(m.xid, m);
    case 'SET_CONFIG':
      return encodeSetConfig(m.xid, m);
    case 'SET_ASYNC':
      return encodeSetAsync(m);
    case 'BARRIER_REQUEST':
      return encodeBarrierRequest(m.xid);
    case 'BARRIER_REPLY':
      return encodeBarrierReply(m.xid);
    case 'FLOW_MOD':
      return encodeFlowMod(m);
    case 'FLOW_REMOVED':
      return encodeFlowRemoved(m);
    case 'PORT_STATUS':
      return encodePortStatus(m);
    case 'PORT_DESC_REQUEST':
      return encodePortDescRequest(m.xid);
    case 'PORT_DESC_REPLY':
      return encodeMultipartReply(m.xid, OFPMP_PORT_DESC, m.flags, writePorts(m.ports));
    case 'FLOW_STATS_REQUEST':
      return encodeFlowStatsRequest(m.xid, m);
    case 'AGGREGATE_STATS_REQUEST':
      return encodeAggregateStatsRequest(m.xid, m);
    case 'FLOW_STATS_REPLY':
      return encodeMultipartReply(m.xid, OFPMP_FLOW, m.flags, writeFlowStatsBody(m.entries));
    case 'AGGREGATE_STATS_REPLY':
      return encodeMultipartReply(m.xid, OFPMP_AGGREGATE, m.flags, writeAggregateStatsBody(m.stats));
    case 'MULTIPART_REQUEST':
      return encodeMultipart(OFPT_MULTIPART_REQUEST, m.xid, m.mpType, m.flags, m.body);
    case 'MULTIPART_REPLY':
      return encodeMultipart(OFPT_MULTIPART_REPLY, m.xid, m.mpType, m.flags, m.body);
    case 'BUNDLE_CONTROL':
      return encodeBundleControl(m);
    case 'BUNDLE_ADD_MESSAGE':
      return encodeBundleAdd(m);
    case 'EXPERIMENTER': {
      const buf = Buffer.allocUnsafe(16 + m.body.length);
      buf.writeUInt8(OFP13_VERSION, 0);
      buf.writeUInt8(OFPT_EXPERIMENTER, 1);
      buf.writeUInt16BE(buf.length, 2);
      buf.writeUInt32BE(m.xid >>> 0, 4);
      buf.writeUInt32BE(m.experimenter >>> 0, 8);
      buf.writeUInt32BE(m.expType >>> 0, 12);
      m.body.copy(buf, 16);
      return buf;
    }
    case 'UNKNOWN': {
      const buf = Buffer.allocUnsafe(8 + m.body.length);
      buf.writeUInt8(m.version, 0);
      buf.writeUInt8(m.ofpType, 1);
      buf.writeUInt16BE(buf.length, 2);
      buf.writeUInt32BE(m.xid >>> 0, 4);
      m.body.copy(buf, 8);
      return buf;
    }
  }
}
