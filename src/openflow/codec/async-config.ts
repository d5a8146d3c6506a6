/**
 * OFPT_SET_ASYNC (OpenFlow 1.3.5 §7.3.10, `ofp_async_config`): which asynchronous messages
 * this connection wants, as reason bitmasks; element 0 applies in role EQUAL/MASTER, element 1
 * in role SLAVE.
 */

import { need } from './bytes.js';
import { OFPT_SET_ASYNC } from './constants.js';
import { writeHeader } from './header.js';

/** `[equal/master, slave]` reason masks. */
export type AsyncMaskPair = readonly [number, number];

export interface SetAsync {
  readonly type: 'SET_ASYNC';
  readonly xid: number;
  /** Bit n = `ofp_packet_in_reason` n. */
  readonly packetInMask: AsyncMaskPair;
  /** Bit n = `ofp_port_reason` n. */
  readonly portStatusMask: AsyncMaskPair;
  /** Bit n = `ofp_flow_removed_reason` n. */
  readonly flowRemovedMask: AsyncMaskPair;
}

export const OFP_ASYNC_CONFIG_LEN = 32;

export function encodeSetAsync(m: SetAsync): Buffer {
  const buf = Buffer.allocUnsafe(OFP_ASYNC_CONFIG_LEN);
  writeHeader(buf, 0, OFPT_SET_ASYNC, OFP_ASYNC_CONFIG_LEN, m.xid);
  const masks = [...m.packetInMask, ...m.portStatusMask, ...m.flowRemovedMask];
  masks.forEach((mask, i) => buf.writeUInt32BE(mask >>> 0, 8 + i * 4));
  return buf;
}

export function decodeSetAsync(buf: Buffer): SetAsync {
  need(buf, 0, OFP_ASYNC_CONFIG_LEN, 'ofp_async_config');
  const u = (i: number): number => buf.readUInt32BE(8 + i * 4);
  return {
    type: 'SET_ASYNC',
    xid: buf.readUInt32BE(4),
    packetInMask: [u(0), u(1)],
    portStatusMask: [u(2), u(3)],
    flowRemovedMask: [u(4), u(5)],
  };
}
