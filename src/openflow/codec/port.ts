/**
 * `ofp_port` (OpenFlow 1.3.5 §7.2.1, 64 bytes) as listed by the PORT_DESC multipart reply, and
 * OFPT_PORT_STATUS (§7.4.3), which wraps one port with a reason. PORT_STATUS only reaches a
 * connection that asked for asynchronous messages.
 */

import { ProtocolError } from '../errors.js';
import { need, readMac, writeMac } from './bytes.js';
import { OFP_HEADER_LEN, OFPT_PORT_STATUS } from './constants.js';
import { writeHeader } from './header.js';

export const OFP_PORT_LEN = 64;
const OFP_MAX_PORT_NAME_LEN = 16;

export interface Port {
  readonly portNo: number;
  readonly hwAddr: string;
  readonly name: string;
  /** `ofp_port_config` bits (OFPPC_PORT_DOWN = administratively down). */
  readonly config: number;
  /** `ofp_port_state` bits (OFPPS_LINK_DOWN, OFPPS_LIVE). */
  readonly state: number;
  readonly curr: number;
  readonly advertised: number;
  readonly supported: number;
  readonly peer: number;
  /** kbps. */
  readonly currSpeed: number;
  readonly maxSpeed: number;
}

export interface PortStatus {
  readonly type: 'PORT_STATUS';
  readonly xid: number;
  /** OFPPR_ADD, OFPPR_DELETE or OFPPR_MODIFY. */
  readonly reason: number;
  readonly port: Port;
}

export function writePort(buf: Buffer, off: number, p: Port): number {
  buf.fill(0, off, off + OFP_PORT_LEN);
  buf.writeUInt32BE(p.portNo >>> 0, off);
  writeMac(buf, off + 8, p.hwAddr);
  // name: NUL-padded; OVS always leaves room for a terminating NUL.
  buf.write(p.name.slice(0, OFP_MAX_PORT_NAME_LEN - 1), off + 16, 'latin1');
  const words = [p.config, p.state, p.curr, p.advertised, p.supported, p.peer, p.currSpeed, p.maxSpeed];
  words.forEach((w, i) => buf.writeUInt32BE(w >>> 0, off + 32 + i * 4));
  return off + OFP_PORT_LEN;
}

export function readPort(buf: Buffer, off: number): Port {
  need(buf, off, OFP_PORT_LEN, 'ofp_port');
  const nameBytes = buf.subarray(off + 16, off + 16 + OFP_MAX_PORT_NAME_LEN);
  const nul = nameBytes.indexOf(0);
  return {
    portNo: buf.readUInt32BE(off),
    hwAddr: readMac(buf, off + 8),
    name: nameBytes.subarray(0, nul < 0 ? nameBytes.length : nul).toString('latin1'),
    config: buf.readUInt32BE(off + 32),
    state: buf.readUInt32BE(off + 36),
    curr: buf.readUInt32BE(off + 40),
    advertised: buf.readUInt32BE(off + 44),
    supported: buf.readUInt32BE(off + 48),
    peer: buf.readUInt32BE(off + 52),
    currSpeed: buf.readUInt32BE(off + 56),
    maxSpeed: buf.readUInt32BE(off + 60),
  };
}

/** A PORT_DESC reply body: a whole number of `ofp_port`s. */
export function readPorts(body: Buffer): Port[] {
  if (body.length % OFP_PORT_LEN !== 0) {
    throw new ProtocolError(`port list of ${body.length} bytes is not a multiple of 64`, body.length);
  }
  const ports: Port[] = [];
  for (let off = 0; off < body.length; off += OFP_PORT_LEN) ports.push(readPort(body, off));
  return ports;
}

export function writePorts(ports: readonly Port[]): Buffer {
  const body = Buffer.allocUnsafe(ports.length * OFP_PORT_LEN);
  ports.forEach((p, i) => writePort(body, i * OFP_PORT_LEN, p));
  return body;
}

export const OFP_PORT_STATUS_LEN = OFP_HEADER_LEN + 8 + OFP_PORT_LEN;

export function encodePortStatus(m: PortStatus): Buffer {
  const buf = Buffer.alloc(OFP_PORT_STATUS_LEN);
  writeHeader(buf, 0, OFPT_PORT_STATUS, OFP_PORT_STATUS_LEN, m.xid);
  buf[8] = m.reason;
  writePort(buf, 16, m.port);
  return buf;
}

export function decodePortStatus(buf: Buffer): PortStatus {
  need(buf, 0, OFP_PORT_STATUS_LEN, 'ofp_port_status');
  return { type: 'PORT_STATUS', xid: buf.readUInt32BE(4), reason: buf[8]!, port: readPort(buf, 16) };
}
