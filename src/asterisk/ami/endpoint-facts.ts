/**
 * Endpoint configuration read over AMI. chan_pjsip: the `EndpointDetail` item of
 * `PJSIPShowEndpoint`, whose keys are the sorcery option names in CamelCase
 * (res_pjsip/pjsip_configuration.c ast_sip_sorcery_object_to_ami: `rtp_timeout` →
 * `RtpTimeout`). chan_sip: the `SIPshowpeer` reply (`SIP-DirectMedia: Y`).
 */

import type { EndpointFacts } from '../../model/pbx.js';
import { FieldProblems, requireField, requireInt, type IntRange } from './channel-fields.js';

/** rtp_timeout and friends are unsigned seconds (0 = off); negative is not a time. */
const SECONDS: IntRange = { min: 0, max: 0x7fffffff };
import type { AmiMessage } from './message.js';

/** DSCP names accepted by ast_str2tos (main/acl.c dscp_pool1), as DSCP code points. */
const DSCP_NAMES: Readonly<Record<string, number>> = {
  cs0: 0,
  cs1: 8,
  cs2: 16,
  cs3: 24,
  cs4: 32,
  cs5: 40,
  cs6: 48,
  cs7: 56,
  af11: 10,
  af12: 12,
  af13: 14,
  af21: 18,
  af22: 20,
  af23: 22,
  af31: 26,
  af32: 28,
  af33: 30,
  af41: 34,
  af42: 36,
  af43: 38,
  ef: 46,
};

/**
 * `tos_audio` as configured or as printed back → DSCP (0..63). ast_str2tos stores the whole
 * TOS byte: a name is its DSCP shifted left by 2 (`ef` → 0xb8), a number (decimal, `0x` hex
 * or `0` octal, as sscanf `%i`) is the TOS byte itself, so DSCP is the byte >> 2.
 * tos_audio_to_str prints the byte in decimal (`184`). Null when unparseable.
 */
export function tosToDscp(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === '') return null;
  const named = Object.hasOwn(DSCP_NAMES, t) ? DSCP_NAMES[t] : undefined;
  if (named !== undefined) return named;
  let byte: number;
  if (/^0x[0-9a-f]+$/.test(t)) byte = parseInt(t.slice(2), 16);
  else if (/^0[0-7]+$/.test(t)) byte = parseInt(t, 8);
  else if (/^\d{1,3}$/.test(t)) byte = Number(t);
  else return null;
  // A TOS byte is 8 bits: a larger value is not one, rather than its low byte.
  return byte > 0xff ? null : byte >> 2;
}

/** Sorcery booleans print as `true`/`false` (bool_handler_fn); configs say yes/no too. */
export function parseBool(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  if (['true', 'yes', 'y', '1', 'on'].includes(t)) return true;
  if (['false', 'no', 'n', '0', 'off'].includes(t)) return false;
  return null;
}

export type FactsResult =
  | { readonly kind: 'facts'; readonly facts: EndpointFacts }
  | { readonly kind: 'malformed'; readonly problems: readonly string[] };

/** `EndpointDetail` (one item of the PJSIPShowEndpoint list) → facts. */
export function endpointFactsFromDetail(detail: AmiMessage): FactsResult {
  const p = new FieldProblems();
  const endpoint = requireField(detail, 'ObjectName', p);
  const bool = (field: string): boolean => {
    const v = requireField(detail, field, p);
    const b = v === '' ? null : parseBool(v);
    if (v !== '' && b === null) p.bad(field, v, 'a boolean');
    return b ?? false;
  };
  const tosText = requireField(detail, 'TosAudio', p);
  const dscp = tosText === '' ? 0 : tosToDscp(tosText);
  if (tosText !== '' && dscp === null) p.bad('TosAudio', tosText, 'a TOS value');
  const facts: EndpointFacts = {
    endpoint,
    rtpTimeout: requireInt(detail, 'RtpTimeout', p, SECONDS),
    rtpTimeoutHold: requireInt(detail, 'RtpTimeoutHold', p, SECONDS),
    rtpKeepalive: requireInt(detail, 'RtpKeepalive', p, SECONDS),
    iceSupport: bool('IceSupport'),
    rtcpMux: detail.get('RtcpMux') === undefined ? false : bool('RtcpMux'), // rtcp_mux: 15.5+
    directMedia: bool('DirectMedia'),
    mediaEncryption: requireField(detail, 'MediaEncryption', p),
    tosAudioDscp: dscp ?? 0,
    dtmfMode: requireField(detail, 'DtmfMode', p),
  };
  return p.ok ? { kind: 'facts', facts } : { kind: 'malformed', problems: p.list };
}

/** chan_sip `SIPshowpeer`: whether the peer allows direct media (default yes in sip.conf). */
export function sipPeerDirectMedia(reply: AmiMessage): boolean | null {
  const v = reply.get('SIP-DirectMedia') ?? reply.get('SIP-CanReinvite');
  return v === undefined ? null : parseBool(v);
}
