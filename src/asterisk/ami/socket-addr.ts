/**
 * Address text as Asterisk prints it (main/netsock2.c ast_sockaddr_stringify): `ip:port`,
 * `[v6]:port`, IPv4-mapped IPv6 printed as IPv4, a bare address when the port is 0, and the
 * literal `(null)` for an unset address. Parsed into the core's canonical `SocketAddr`.
 */

import type { SocketAddr } from '../../model/pbx.js';

export type AddressParse =
  | { readonly kind: 'address'; readonly addr: SocketAddr }
  /** `(null)`, empty, or an address without a port (Asterisk omits port 0). */
  | { readonly kind: 'unset'; readonly text: string }
  | { readonly kind: 'invalid'; readonly text: string; readonly why: string };

export function parseSocketAddr(text: string): AddressParse {
  const t = text.trim();
  if (t === '' || t === '(null)') return { kind: 'unset', text: t };
  let host: string;
  let portText: string | undefined;
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    if (close < 0) return { kind: 'invalid', text: t, why: 'no closing bracket' };
    host = t.slice(1, close);
    const rest = t.slice(close + 1);
    if (rest === '') portText = undefined;
    else if (rest.startsWith(':')) portText = rest.slice(1);
    else return { kind: 'invalid', text: t, why: 'text after the bracket' };
  } else {
    const colons = t.split(':').length - 1;
    if (colons === 0) host = t;
    else if (colons === 1) [host, portText] = t.split(':') as [string, string];
    else host = t; // bare IPv6 without brackets and port
  }
  const canonical = canonicalIp(host);
  if (canonical === null) return { kind: 'invalid', text: t, why: `bad IP address '${host}'` };
  if (portText === undefined) return { kind: 'unset', text: t };
  if (!/^\d{1,5}$/.test(portText)) return { kind: 'invalid', text: t, why: `bad port '${portText}'` };
  const port = Number(portText);
  // Asterisk omits port 0 rather than print it, so a printed 0 is as wrong as 65536.
  if (port < 1 || port > 65535) return { kind: 'invalid', text: t, why: `port ${port} not in 1..65535` };
  return { kind: 'address', addr: { address: canonical.address, port, family: canonical.family } };
}

/** Canonical text of an IP address, or null: dotted IPv4, RFC 5952 IPv6, mapped v4 as v4. */
export function canonicalIp(text: string): { address: string; family: 4 | 6 } | null {
  const v4 = parseIpv4(text);
  if (v4) return { address: v4.join('.'), family: 4 };
  const v6 = parseIpv6(text);
  if (!v6) return null;
  // ::ffff:a.b.c.d (IPv4-mapped) is printed as IPv4 by Asterisk; do likewise so both
  // spellings of one address compare equal.
  if (v6.slice(0, 5).every((h) => h === 0) && v6[5] === 0xffff) {
    const hi = v6[6] ?? 0;
    const lo = v6[7] ?? 0;
    return { address: [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.'), family: 4 };
  }
  return { address: formatIpv6(v6), family: 6 };
}

function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseIpv6(text: string): number[] | null {
  if (text.includes('%')) return null; // zone ids never name an RTP address we can use
  let s = text.toLowerCase();
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.slice(lastColon + 1).includes('.')) {
    // An embedded dotted quad (`::ffff:192.0.2.1`) stands for the last two groups.
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return null;
    const [a = 0, b = 0, c = 0, d = 0] = v4;
    s = `${s.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] ?? '');
  const rest = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (!head || !rest) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - rest.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...rest];
}

function parseGroups(part: string): number[] | null {
  if (part === '') return [];
  const out: number[] = [];
  for (const g of part.split(':')) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    out.push(parseInt(g, 16));
  }
  return out;
}

/** RFC 5952: lower case, no leading zeros, the longest run (≥2) of zero groups as `::`. */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function formatSocketAddr(addr: SocketAddr): string {
  return addr.family === 6 ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`;
}
