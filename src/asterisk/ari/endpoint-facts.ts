/**
 * Endpoint facts over ARI. ARI has no PJSIPShowEndpoint: `GET /endpoints/{tech}/{resource}`
 * gives only technology, resource, state and channel ids. What it does have is the sorcery
 * object itself: `GET /asterisk/config/dynamic/res_pjsip/endpoint/{id}`
 * (res/ari/resource_asterisk.c ast_ari_asterisk_get_object) answers a list of
 * `{attribute, value}` with the pjsip.conf option names (`rtp_timeout`, `ice_support`,
 * `tos_audio`…) as ast_sorcery_objectset_create prints them. That reply was not part of the
 * 22.11 recordings; when it is refused (404, 403 for a user without access) the facts are
 * null and only the AMI source can supply them.
 */

import type { EndpointFacts } from '../../model/pbx.js';
import { parseBool, tosToDscp } from '../ami/endpoint-facts.js';
import { isObject } from './json-fields.js';

export type AriFactsResult =
  | { readonly kind: 'facts'; readonly facts: EndpointFacts }
  | { readonly kind: 'malformed'; readonly problems: readonly string[] };

/** The dynamic-config reply for one res_pjsip endpoint → facts. */
export function endpointFactsFromConfigTuples(endpoint: string, body: unknown): AriFactsResult {
  if (!Array.isArray(body)) return { kind: 'malformed', problems: ['reply is not an array'] };
  const values = new Map<string, string>();
  for (const t of body) {
    if (isObject(t) && typeof t['attribute'] === 'string' && typeof t['value'] === 'string') {
      values.set(t['attribute'], t['value']);
    }
  }
  const problems: string[] = [];
  const text = (name: string): string => {
    const v = values.get(name);
    if (v === undefined) problems.push(`missing ${name}`);
    return v?.trim() ?? '';
  };
  const int = (name: string): number => {
    const v = text(name);
    // Unsigned seconds: ten digits at most and within what Asterisk's int can hold.
    const ok = /^\d{1,10}$/.test(v) && Number(v) <= 0x7fffffff;
    if (v !== '' && !ok) problems.push(`${name} '${v.slice(0, 40)}' is not an integer in 0..2147483647`);
    return ok ? Number(v) : 0;
  };
  const bool = (name: string, optional = false): boolean => {
    if (optional && !values.has(name)) return false;
    const v = text(name);
    const b = v === '' ? null : parseBool(v);
    if (v !== '' && b === null) problems.push(`${name} '${v}' is not a boolean`);
    return b ?? false;
  };
  const tos = text('tos_audio');
  const dscp = tos === '' ? 0 : tosToDscp(tos);
  if (tos !== '' && dscp === null) problems.push(`tos_audio '${tos}' is not a TOS value`);
  const facts: EndpointFacts = {
    endpoint,
    rtpTimeout: int('rtp_timeout'),
    rtpTimeoutHold: int('rtp_timeout_hold'),
    rtpKeepalive: int('rtp_keepalive'),
    iceSupport: bool('ice_support'),
    rtcpMux: bool('rtcp_mux', true), // rtcp_mux: 15.5+
    directMedia: bool('direct_media'),
    mediaEncryption: text('media_encryption'),
    tosAudioDscp: dscp ?? 0,
    dtmfMode: text('dtmf_mode'),
  };
  return problems.length === 0 ? { kind: 'facts', facts } : { kind: 'malformed', problems };
}
