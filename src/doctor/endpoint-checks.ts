/**
 * Endpoints whose configuration keeps their calls from ever being offloaded, and rtp.conf,
 * read over AMI with the agent's own user (PJSIPShowEndpoints/PJSIPShowEndpoint and
 * GetConfig need `system`, which that user holds for PJSIPShowEndpoint anyway).
 */
import type { EndpointFacts } from '../model/pbx.js';
import { endpointFactsFromDetail } from '../asterisk/ami/endpoint-facts.js';
import type { AmiMessage } from '../asterisk/ami/message.js';
import { ok, skip, warn, type CheckResult } from './check.js';

/** The AMI requests these checks make; a real session or a test's own. */
export interface AmiQuery {
  request(action: Readonly<Record<string, string>>): Promise<AmiMessage>;
  requestList(action: Readonly<Record<string, string>>): Promise<readonly AmiMessage[]>;
}

/** A site with more endpoints is sampled: the doctor must stay quick and light. */
export const MAX_ENDPOINTS_CHECKED = 2000;
const NAMES_SHOWN = 5;

/**
 * Why calls of an endpoint are never offloaded (the policy's refusals that come from the
 * endpoint's configuration alone), and what only holds them back until something happens.
 */
export function endpointBlockers(
  f: EndpointFacts,
  rtcpIntervalSec: number,
): { never: string[]; until: string[] } {
  const never: string[] = [];
  if (f.directMedia) never.push('direct_media=yes');
  if (f.mediaEncryption !== 'no' && f.mediaEncryption !== '')
    never.push(`media_encryption=${f.mediaEncryption}`);
  if (f.iceSupport) never.push('ice_support=yes');
  if (f.rtcpMux) never.push('rtcp_mux=yes');
  if (f.rtpKeepalive > 0 && f.rtpKeepalive <= rtcpIntervalSec)
    never.push(`rtp_keepalive=${f.rtpKeepalive} not above the RTCP interval (${rtcpIntervalSec} s)`);
  const until = f.rtpTimeout > 0 ? [`rtp_timeout=${f.rtpTimeout}`] : [];
  return { never, until };
}

/** `reason → endpoints` as one line: `direct_media=yes 2 (a, b)`. */
function summary(byReason: ReadonlyMap<string, string[]>): string {
  return [...byReason]
    .map(([reason, names]) => {
      const shown = names.slice(0, NAMES_SHOWN).join(', ');
      return `${reason} ${names.length} (${shown}${names.length > NAMES_SHOWN ? ', …' : ''})`;
    })
    .join('; ');
}

function add(map: Map<string, string[]>, reason: string, name: string): void {
  const key = reason.replace(/^(rtp_keepalive|rtp_timeout)=\d+/, '$1');
  map.set(key, [...(map.get(key) ?? []), name]);
}

/** `asterisk.endpoints`: every PJSIP endpoint's configuration against the offload policy. */
export async function checkEndpoints(q: AmiQuery, rtcpIntervalSec: number): Promise<CheckResult> {
  const id = 'asterisk.endpoints';
  let names: string[];
  try {
    const list = await q.requestList({ Action: 'PJSIPShowEndpoints' });
    names = list
      .filter((m) => m.eventName?.toLowerCase() === 'endpointlist')
      .map((m) => m.get('ObjectName') ?? '')
      .filter((n) => n !== '');
  } catch (err) {
    return skip(id, `endpoints not listed: ${(err as Error).message}`);
  }
  const checked = names.slice(0, MAX_ENDPOINTS_CHECKED);
  const never = new Map<string, string[]>();
  const until = new Map<string, string[]>();
  const blocked = new Set<string>();
  const unreadable: string[] = [];
  for (const name of checked) {
    let detail: AmiMessage | undefined;
    try {
      const items = await q.requestList({ Action: 'PJSIPShowEndpoint', Endpoint: name });
      detail = items.find((m) => m.eventName?.toLowerCase() === 'endpointdetail');
    } catch {
      detail = undefined;
    }
    const r = detail ? endpointFactsFromDetail(detail) : null;
    if (!r || r.kind === 'malformed') {
      unreadable.push(name);
      continue;
    }
    const b = endpointBlockers(r.facts, rtcpIntervalSec);
    for (const reason of b.never) add(never, reason, name);
    for (const reason of b.until) add(until, reason, name);
    if (b.never.length > 0) blocked.add(name);
  }
  const of = `${checked.length}${names.length > checked.length ? ` (of ${names.length})` : ''}`;
  const parts: string[] = [];
  if (blocked.size > 0)
    parts.push(`${blocked.size} of ${of} endpoints can never be offloaded: ${summary(never)}`);
  if (until.size > 0) parts.push(`offloaded only once their phones send RTCP: ${summary(until)}`);
  if (unreadable.length > 0)
    parts.push(`${unreadable.length} not readable (${unreadable.slice(0, NAMES_SHOWN).join(', ')})`);
  if (parts.length === 0) return ok(id, `all ${of} PJSIP endpoints can be offloaded`);
  return warn(
    id,
    parts.join('; '),
    blocked.size > 0
      ? 'in pjsip.conf, for endpoints whose calls should be offloaded: direct_media=no, media_encryption=no, ice_support=no, rtcp_mux=no, rtp_keepalive=0 or above rtp.conf rtcpinterval'
      : 'nothing to change if those phones send RTCP; else set rtp_timeout=0 on them',
  );
}

/** `Line-000000-000003: strictrtp=yes` lines of a GetConfig reply → settings of [general]. */
export function rtpGeneral(reply: Readonly<Record<string, string>>): Map<string, string> {
  const categories = new Map<string, string>();
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(reply)) {
    const c = /^category-(\d+)$/i.exec(k);
    if (c) categories.set(c[1]!, v.trim());
  }
  for (const [k, v] of Object.entries(reply)) {
    const l = /^line-(\d+)-\d+$/i.exec(k);
    if (!l || categories.get(l[1]!) !== 'general') continue;
    const eq = v.indexOf('=');
    if (eq > 0) out.set(v.slice(0, eq).trim().toLowerCase(), v.slice(eq + 1).trim());
  }
  return out;
}

/** `asterisk.rtp-conf`: strictrtp, and rtcpinterval against policy.rtcpIntervalSec. */
export async function checkRtpConf(
  q: AmiQuery,
  username: string,
  rtcpIntervalSec: number,
): Promise<CheckResult> {
  const id = 'asterisk.rtp-conf';
  let fields: Readonly<Record<string, string>>;
  try {
    fields = (await q.request({ Action: 'GetConfig', Filename: 'rtp.conf' })).toJSON();
  } catch (err) {
    const msg = (err as Error).message;
    // No rtp.conf: res_rtp_asterisk's defaults (strictrtp=yes, rtcpinterval=5000).
    if (!/not found|does not exist/i.test(msg))
      return warn(
        id,
        `strictrtp unknown: GetConfig of rtp.conf failed (${msg})`,
        `give [${username}] write=system (GetConfig needs system or config), or check rtp.conf by hand: strictrtp=yes`,
      );
    fields = {};
  }
  const general = rtpGeneral(fields);
  const strict = (general.get('strictrtp') ?? 'yes').toLowerCase();
  const intervalMs = Number(general.get('rtcpinterval') ?? '5000');
  const problems: string[] = [];
  const fixes: string[] = [];
  if (['no', 'false', 'off', '0', 'n'].includes(strict)) {
    problems.push(
      'strictrtp=no: Asterisk follows any new RTP source at once, so one stray packet moves the address the offloaded flows must rewrite toward',
    );
    fixes.push('strictrtp=yes in rtp.conf');
  }
  // rtcpinterval 0 turns RTCP off (res_rtp_asterisk); then rtp_keepalive is never reset.
  if (Number.isFinite(intervalMs) && intervalMs > 0 && Math.round(intervalMs / 1000) !== rtcpIntervalSec) {
    problems.push(`rtcpinterval=${intervalMs} ms but policy.rtcpIntervalSec is ${rtcpIntervalSec}`);
    fixes.push(`policy.rtcpIntervalSec ${Math.max(1, Math.round(intervalMs / 1000))}`);
  }
  if (problems.length > 0) return warn(id, problems.join('; '), `set ${fixes.join(' and ')}`);
  return ok(id, `strictrtp=${strict}, rtcpinterval=${intervalMs} ms`);
}
