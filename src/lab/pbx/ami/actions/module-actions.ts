import type { SimBridge, SimChannel } from '../../model/objects.js';
import { formatSockaddr } from '../../rtp/address.js';
import type { PbxCore } from '../core.js';
import { getHeader, getHeaders, type AmiField, type AmiMessage } from '../message.js';
import { EventClass } from '../privileges.js';
import { actionIdField, error, listAck, listComplete } from '../replies.js';
import type { ActionDef } from './table.js';

/** The optional module's file name, as `module load` and the Load/Unload events name it. */
export const RTP_OFFLOAD_MODULE = 'res_rtp_offload.so';

const MAX_FILTER_IDS = 256;
/** AST_MAX_UNIQUEID: longer ids cannot name a channel or bridge and are skipped. */
const MAX_UNIQUEID = 150;
const yesNo = (v: boolean): string => (v ? 'yes' : 'no');

type Glue = 'none' | 'local' | 'remote' | 'forbid';

function glueOf(c: SimChannel): Glue {
  if (!c.leg) return 'none';
  if (c.endpoint.mediaEncryption !== 'no') return 'forbid';
  return c.directMedia ? 'remote' : 'local';
}

/** learned_state() of res_rtp_offload.c: learned from RTP, confirmed, or not. */
function learnedOf(c: SimChannel): string {
  const leg = c.leg;
  if (!leg || leg.remote === null) return 'no';
  const sdp = leg.sdpRemote;
  if (leg.remote.address !== sdp.address || leg.remote.port !== sdp.port) return 'yes';
  return leg.rxPackets > 0 ? 'confirmed' : 'no';
}

function legFields(c: SimChannel, n: 1 | 2, driver: string): AmiField[] {
  const p = `Leg${n}`;
  const leg = c.rtp;
  const held = c.remoteHold;
  const pts = `${leg.codec}=${leg.audioPayloadType},telephone-event=${leg.dtmfPayloadType}`;
  const hex = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');
  const fields: [string, string][] = [
    ['Channel', c.name],
    ['Uniqueid', c.uniqueid],
    ['Tech', driver === 'pjsip' ? 'PJSIP' : 'SIP'],
    ['Glue', glueOf(c)],
    ['HasRtp', 'yes'],
    ['LocalAddress', formatSockaddr({ address: leg.boundAddress, port: leg.localPort })],
    ['RemoteAddress', formatSockaddr(leg.remote)],
    // A sendonly re-INVITE stops the instance: target and remote are both unset.
    ['SdpAddress', held && leg.remote === null ? '(null)' : formatSockaddr(leg.sdpRemote)],
    ['RemoteLearned', learnedOf(c)],
    ['SymmetricRtp', 'yes'],
    ['Relay', yesNo(leg.forward === 'p2p')],
    ['Srtp', yesNo(c.endpoint.mediaEncryption !== 'no')],
    ['OnHold', yesNo(held)],
    ['HoldIndicated', yesNo(c.hearingMoh)],
    ['Codec', leg.codec],
    ['NativeFormats', `(${leg.codec})`],
    ['ReadFormat', leg.codec],
    ['WriteFormat', c.hearingMoh ? 'slin' : leg.codec],
    ['PayloadTypes', pts],
    ['RxPayloadTypes', pts],
    ['Framing', '20'],
    ['DtmfMode', c.endpoint.dtmfMode],
    ['Rtcp', leg.rtcpMux ? 'mux' : 'standard'],
    ['Ssrc', hex(leg.reportSsrc)],
    ['RemoteSsrc', leg.rx.hasData ? hex(leg.rx.ssrc) : ''],
    ['RxPackets', String(leg.rxPackets)],
    ['Video', 'no'],
    ['T38', 'unavailable'],
  ];
  return fields.map(([k, v]) => [`${p}${k}`, v]);
}

/** read_bridge: two channels with RTP, of the technology asked for (`all` for any). */
function pairOf(b: SimBridge, technology: string): [SimChannel, SimChannel] | null {
  if (b.destroyed || b.channels.length !== 2) return null;
  if (technology !== 'all' && b.technology !== technology) return null;
  const [x, y] = b.channels as [SimChannel, SimChannel];
  return x.leg && y.leg ? [x, y] : null;
}

function pairEvent(
  msg: AmiMessage,
  b: SimBridge,
  legs: [SimChannel, SimChannel],
  driver: string,
): AmiField[] {
  const glues = legs.map(glueOf);
  const mode = glues.some((g) => g === 'none' || g === 'forbid')
    ? 'forbid'
    : glues.includes('local')
      ? 'local'
      : 'remote';
  return [
    ['Event', 'RtpOffloadPair'],
    ...actionIdField(msg),
    ['BridgeUniqueid', b.uniqueid],
    ['BridgeTechnology', b.technology],
    ['BridgeType', b.subclass],
    ['Mode', mode],
    ...legFields(legs[0], 1, driver),
    ...legFields(legs[1], 2, driver),
  ];
}

/** filter_parse: comma lists in every BridgeUniqueid:/Uniqueid: header, trimmed. */
function parseFilter(msg: AmiMessage): {
  active: boolean;
  tooMany: boolean;
  bridges: string[];
  channels: string[];
} {
  const out = { active: false, tooMany: false, bridges: [] as string[], channels: [] as string[] };
  let count = 0;
  const add = (values: string[], into: string[]): void => {
    for (const v of values) {
      if (v.trim() === '') continue;
      out.active = true;
      for (const raw of v.split(',')) {
        const id = raw.trim();
        if (id === '' || id.length >= MAX_UNIQUEID) continue;
        if (++count > MAX_FILTER_IDS) {
          out.tooMany = true;
          return;
        }
        into.push(id);
      }
    }
  };
  add(getHeaders(msg, 'BridgeUniqueid'), out.bridges);
  add(getHeaders(msg, 'Uniqueid'), out.channels);
  return out;
}

function selectBridges(core: PbxCore, msg: AmiMessage, filter: ReturnType<typeof parseFilter>): SimBridge[] {
  if (!filter.active) return [...core.bridges()];
  const found: SimBridge[] = [];
  const push = (b: SimBridge | null): void => {
    if (b && !found.includes(b)) found.push(b);
  };
  for (const id of filter.bridges) push(core.findBridge(id));
  for (const id of filter.channels) {
    // Whole-id match only: a prefix of a live uniqueid finds nothing.
    const c = core.channels().find((x) => x.uniqueid.toLowerCase() === id.toLowerCase()) ?? null;
    push(c?.bridge ?? null);
  }
  return found;
}

/** RtpOffloadList of asterisk-module/res_rtp_offload.c. */
export const rtpOffloadListAction: ActionDef = {
  name: 'RtpOffloadList',
  authority: EventClass.reporting,
  synopsis: 'List bridged RTP stream pairs',
  undocumented: true,
  run: ({ session, msg, core }) => {
    const technology = getHeader(msg, 'Technology') || 'native_rtp';
    const filter = parseFilter(msg);
    if (filter.tooMany) {
      session.send(error(msg, 'Too many ids: at most 256 BridgeUniqueid and Uniqueid values per request'));
      return;
    }
    session.send(listAck(msg, 'RTP offload pair listing will follow'));
    let n = 0;
    for (const b of selectBridges(core, msg, filter)) {
      const legs = pairOf(b, technology);
      if (!legs) continue;
      session.send(pairEvent(msg, b, legs, core.driver));
      n++;
    }
    session.send(listComplete(msg, 'RtpOffloadListComplete', n));
  },
};
