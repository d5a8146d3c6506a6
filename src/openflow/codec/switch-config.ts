/**
 * OFPT_GET_CONFIG_REQUEST / OFPT_GET_CONFIG_REPLY / OFPT_SET_CONFIG (OpenFlow 1.3.5 §7.3.2):
 * `flags u16, miss_send_len u16`. In OVS the frag bits of `flags` are bridge-wide, and a
 * service connection (`.mgmt`) with miss_send_len 0 receives no asynchronous messages at all
 * (ofproto/connmgr.c `ofconn_receives_async_msg`), FLOW_REMOVED included.
 */

import { need } from './bytes.js';
import { OFPT_GET_CONFIG_REPLY, OFPT_GET_CONFIG_REQUEST, OFPT_SET_CONFIG } from './constants.js';
import { encodeHeaderOnly, writeHeader } from './header.js';

export interface SwitchConfig {
  /** `ofp_config_flags`: bits 0–1 fragment mode (0 normal, 1 drop, 2 reasm). */
  readonly flags: number;
  readonly missSendLen: number;
}

export interface GetConfigRequest {
  readonly type: 'GET_CONFIG_REQUEST';
  readonly xid: number;
}

export interface GetConfigReply extends SwitchConfig {
  readonly type: 'GET_CONFIG_REPLY';
  readonly xid: number;
}

export interface SetConfig extends SwitchConfig {
  readonly type: 'SET_CONFIG';
  readonly xid: number;
}

export const OFP_SWITCH_CONFIG_LEN = 12;

export function encodeGetConfigRequest(xid: number): Buffer {
  return encodeHeaderOnly(OFPT_GET_CONFIG_REQUEST, xid);
}

function encodeConfig(type: number, xid: number, c: SwitchConfig): Buffer {
  const buf = Buffer.allocUnsafe(OFP_SWITCH_CONFIG_LEN);
  writeHeader(buf, 0, type, OFP_SWITCH_CONFIG_LEN, xid);
  buf.writeUInt16BE(c.flags, 8);
  buf.writeUInt16BE(c.missSendLen, 10);
  return buf;
}

export function encodeSetConfig(xid: number, c: SwitchConfig): Buffer {
  return encodeConfig(OFPT_SET_CONFIG, xid, c);
}

export function encodeGetConfigReply(xid: number, c: SwitchConfig): Buffer {
  return encodeConfig(OFPT_GET_CONFIG_REPLY, xid, c);
}

function decodeConfig(buf: Buffer): SwitchConfig & { xid: number } {
  need(buf, 0, OFP_SWITCH_CONFIG_LEN, 'ofp_switch_config');
  return { xid: buf.readUInt32BE(4), flags: buf.readUInt16BE(8), missSendLen: buf.readUInt16BE(10) };
}

export function decodeGetConfigReply(buf: Buffer): GetConfigReply {
  return { type: 'GET_CONFIG_REPLY', ...decodeConfig(buf) };
}

export function decodeSetConfig(buf: Buffer): SetConfig {
  return { type: 'SET_CONFIG', ...decodeConfig(buf) };
}
