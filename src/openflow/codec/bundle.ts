/**
 * Bundles (atomic multi-message updates) for OpenFlow 1.3 via the ONF extension: EXPERIMENTER
 * messages with experimenter 0x4f4e4600 and exp_type 2300 (control) or 2301 (add), whose body
 * is that of OF1.4's OFPT_BUNDLE_CONTROL / OFPT_BUNDLE_ADD_MESSAGE (OF1.4.1 §7.3.9;
 * OVS include/openflow/openflow-1.4.h, lib/ofp-bundle.c).
 *
 * OVS rules (ofproto/bundles.c, checked live): the inner message's xid must equal the outer
 * one (else MSG_BAD_XID); flags must be the same on open, every add and commit; an invalid
 * inner message is refused at add time while the bundle stays open; adds have no success
 * reply; a failed commit reports the failing add's error, then MSG_FAILED for the commit.
 */

import { ProtocolError } from '../errors.js';
import { need } from './bytes.js';
import {
  ONF_EXPERIMENTER_ID,
  ONFT_BUNDLE_ADD_MESSAGE,
  ONFT_BUNDLE_CONTROL,
  OFPT_EXPERIMENTER,
} from './constants.js';
import { flowModLength, writeFlowMod, type FlowModFields } from './flow-mod.js';
import { writeHeader } from './header.js';

export interface BundleControl {
  readonly type: 'BUNDLE_CONTROL';
  readonly xid: number;
  readonly bundleId: number;
  /** OFPBCT_* */
  readonly bundleType: number;
  /** OFPBF_ATOMIC | OFPBF_ORDERED */
  readonly flags: number;
}

export interface BundleAdd {
  readonly type: 'BUNDLE_ADD_MESSAGE';
  readonly xid: number;
  readonly bundleId: number;
  readonly flags: number;
  /** The whole inner message, header included. */
  readonly message: Buffer;
}

/** `ofp_header` + experimenter u32 + exp_type u32 (OF1.3 §7.5.4). */
export const OFP_EXPERIMENTER_HEADER_LEN = 16;
const BUNDLE_CONTROL_LEN = OFP_EXPERIMENTER_HEADER_LEN + 8;
const BUNDLE_ADD_FIXED = OFP_EXPERIMENTER_HEADER_LEN + 8;

function writeExperimenterHeader(
  buf: Buffer,
  off: number,
  length: number,
  xid: number,
  expType: number,
): void {
  writeHeader(buf, off, OFPT_EXPERIMENTER, length, xid);
  buf.writeUInt32BE(ONF_EXPERIMENTER_ID, off + 8);
  buf.writeUInt32BE(expType, off + 12);
}

export function encodeBundleControl(m: BundleControl): Buffer {
  const buf = Buffer.allocUnsafe(BUNDLE_CONTROL_LEN);
  writeExperimenterHeader(buf, 0, BUNDLE_CONTROL_LEN, m.xid, ONFT_BUNDLE_CONTROL);
  buf.writeUInt32BE(m.bundleId >>> 0, 16);
  buf.writeUInt16BE(m.bundleType, 20);
  buf.writeUInt16BE(m.flags, 22);
  return buf;
}

export function encodeBundleAdd(m: BundleAdd): Buffer {
  const length = BUNDLE_ADD_FIXED + m.message.length;
  const buf = Buffer.allocUnsafe(length);
  writeExperimenterHeader(buf, 0, length, m.xid, ONFT_BUNDLE_ADD_MESSAGE);
  buf.writeUInt32BE(m.bundleId >>> 0, 16);
  buf.writeUInt16BE(0, 20); // pad
  buf.writeUInt16BE(m.flags, 22);
  m.message.copy(buf, BUNDLE_ADD_FIXED);
  return buf;
}

/** Total length of a BUNDLE_ADD wrapping one flow mod. */
export function bundleAddFlowModLength(f: FlowModFields): number {
  return BUNDLE_ADD_FIXED + flowModLength(f);
}

/**
 * Writes a BUNDLE_ADD wrapping a flow mod at `off`, both with `xid` as OVS requires; returns
 * the offset after it.
 */
export function writeBundleAddFlowMod(
  buf: Buffer,
  off: number,
  xid: number,
  bundleId: number,
  flags: number,
  f: FlowModFields,
  command?: number,
): number {
  const end = writeFlowMod(buf, off + BUNDLE_ADD_FIXED, xid, f, command);
  writeExperimenterHeader(buf, off, end - off, xid, ONFT_BUNDLE_ADD_MESSAGE);
  buf.writeUInt32BE(bundleId >>> 0, off + 16);
  buf.writeUInt16BE(0, off + 20);
  buf.writeUInt16BE(flags, off + 22);
  return end;
}

export interface Experimenter {
  readonly type: 'EXPERIMENTER';
  readonly xid: number;
  readonly experimenter: number;
  readonly expType: number;
  readonly body: Buffer;
}

/** Decodes an OFPT_EXPERIMENTER message, recognising the ONF bundle messages. */
export function decodeExperimenter(buf: Buffer): BundleControl | BundleAdd | Experimenter {
  need(buf, 0, OFP_EXPERIMENTER_HEADER_LEN, 'ofp_experimenter_header');
  const xid = buf.readUInt32BE(4);
  const experimenter = buf.readUInt32BE(8);
  const expType = buf.readUInt32BE(12);
  if (experimenter === ONF_EXPERIMENTER_ID && expType === ONFT_BUNDLE_CONTROL) {
    need(buf, 0, BUNDLE_CONTROL_LEN, 'bundle control');
    return {
      type: 'BUNDLE_CONTROL',
      xid,
      bundleId: buf.readUInt32BE(16),
      bundleType: buf.readUInt16BE(20),
      flags: buf.readUInt16BE(22),
    };
  }
  if (experimenter === ONF_EXPERIMENTER_ID && expType === ONFT_BUNDLE_ADD_MESSAGE) {
    need(buf, 0, BUNDLE_ADD_FIXED + 8, 'bundle add');
    const message = buf.subarray(BUNDLE_ADD_FIXED);
    if (message.readUInt16BE(2) > message.length) {
      throw new ProtocolError(`bundled message length ${message.readUInt16BE(2)}`, BUNDLE_ADD_FIXED + 2);
    }
    return {
      type: 'BUNDLE_ADD_MESSAGE',
      xid,
      bundleId: buf.readUInt32BE(16),
      flags: buf.readUInt16BE(22),
      message: message.subarray(0, message.readUInt16BE(2)),
    };
  }
  return {
    type: 'EXPERIMENTER',
    xid,
    experimenter,
    expType,
    body: buf.subarray(OFP_EXPERIMENTER_HEADER_LEN),
  };
}
