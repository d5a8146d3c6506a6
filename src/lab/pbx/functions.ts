import { stateDescription, type SimChannel } from './model/objects.js';
import type { ChannelDriverName } from './options.js';
import { formatSockaddr } from './rtp/address.js';

/**
 * chan_pjsip CHANNEL(rtp,<type>[,<media>]) (channels/pjsip/dialplan_functions.c
 * channel_read_rtp). `null` means the read fails, which Getvar turns into an empty Value.
 */
function pjsipRtp(c: SimChannel, type: string, media: string): string | null {
  if (media !== 'audio') return null;
  const leg = c.rtp;
  switch (type) {
    case 'src':
      return formatSockaddr({ address: leg.boundAddress, port: leg.localPort });
    case 'dest':
      return formatSockaddr(leg.remote);
    case 'direct':
      return formatSockaddr(leg.directTarget);
    case 'secure':
      return c.endpoint.mediaEncryption === 'no' ? '0' : '1';
    case 'hold':
      return c.remoteHold ? '1' : '0';
    default:
      return null;
  }
}

/** chan_sip CHANNEL(rtpsource|rtpdest|secure_media) (channels/sip/dialplan_functions.c). */
function sipItem(c: SimChannel, item: string, args: readonly string[]): string | null {
  const media = args[1] ?? 'audio';
  switch (item) {
    case 'rtpsource':
      return media === 'audio'
        ? formatSockaddr({ address: c.rtp.boundAddress, port: c.rtp.localPort })
        : null;
    case 'rtpdest':
      return media === 'audio' ? formatSockaddr(c.rtp.remote) : null;
    case 'secure_media':
      return c.endpoint.mediaEncryption === 'no' ? '' : '1';
    default:
      return null;
  }
}

/** func_channel.c items shared by every channel type; others go to the driver. */
function commonItem(c: SimChannel, item: string): string | null {
  // Local channels carry signed linear between their two halves.
  const codec = c.leg?.codec ?? 'slin';
  switch (item) {
    case 'audionativeformat':
      return `(${codec})`;
    case 'audioreadformat':
      return codec;
    case 'audiowriteformat':
      // Music on hold is written as signed linear.
      return c.hearingMoh ? 'slin' : codec;
    case 'name':
      return c.name;
    case 'uniqueid':
      return c.uniqueid;
    case 'linkedid':
      return c.linkedid;
    case 'state':
      return stateDescription(c.state);
    case 'language':
      return c.language;
    case 'context':
      return c.context;
    case 'exten':
      return c.exten;
    case 'accountcode':
      return c.accountCode;
    default:
      return null;
  }
}

export function readChannelFunction(
  c: SimChannel,
  argText: string,
  driver: ChannelDriverName,
): string | null {
  const args = argText.split(',').map((a) => a.trim());
  const item = (args[0] ?? '').toLowerCase();
  if (item === 'channeltype') return c.isLocal ? 'Local' : driver === 'pjsip' ? 'PJSIP' : 'SIP';
  const common = commonItem(c, item);
  if (common !== null) return common;
  // Driver items of another technology fail (chan_local has none).
  if (c.isLocal) return null;
  if (driver === 'pjsip') {
    if (item === 'rtp') return pjsipRtp(c, (args[1] ?? '').toLowerCase(), (args[2] ?? 'audio').toLowerCase());
    if (item === 'pjsip' && (args[1] ?? '').toLowerCase() === 'call-id') return c.pvtCallId;
    return null;
  }
  return sipItem(c, item, args);
}

/** pbx_retrieve_variable's built-ins for a channel. */
function builtinVariable(c: SimChannel, name: string): string | null {
  switch (name) {
    case 'CHANNEL':
      return c.name;
    case 'UNIQUEID':
      return c.uniqueid;
    case 'EXTEN':
      return c.exten;
    case 'CONTEXT':
      return c.context;
    case 'PRIORITY':
      return String(c.priority);
    default:
      return null;
  }
}

/** Getvar's read: a function when the name ends in `)`, else a variable; `''` on failure. */
export function readVariable(
  c: SimChannel | null,
  name: string,
  driver: ChannelDriverName,
  globals: ReadonlyMap<string, string>,
): string {
  if (name.endsWith(')')) {
    const m = /^([A-Za-z0-9_]+)\((.*)\)$/s.exec(name);
    if (!m || !c) return '';
    if (m[1]!.toUpperCase() !== 'CHANNEL') return '';
    return readChannelFunction(c, m[2]!, driver) ?? '';
  }
  if (!c) return globals.get(name) ?? '';
  return c.vars.get(name) ?? builtinVariable(c, name) ?? '';
}
