/**
 * IP address text in one canonical form, pure (no node:net) so model, plan and every
 * adapter can use it: dotted-quad IPv4, RFC 5952 IPv6 (lower case, no leading zeros, the
 * longest run of two or more zero groups as `::`), IPv4-mapped IPv6 as IPv4 (as Asterisk
 * prints it). Zone ids (`%eth0`) are refused: they never name an RTP peer.
 */

export type IpFamily = 4 | 6;

export type IpParse =
  | { readonly ok: true; readonly address: string; readonly family: IpFamily }
  | { readonly ok: false; readonly why: string };

/** Canonical text of an IP address, or null: dotted IPv4, RFC 5952 IPv6, mapped v4 as v4. */
export function canonicalIp(text: string): { address: string; family: IpFamily } | null {
  const r = parseIpAddress(text);
  return r.ok ? { address: r.address, family: r.family } : null;
}

/**
 * The one address parser of every edge (config, AMI, ARI, `ip`, switch readback), so that
 * one address has one text everywhere and flow keys compare equal. IPv4 must be four
 * decimal octets without leading zeros: `198.051.100.001` is refused, not guessed, because
 * inet_aton (and so `ip`, ping, glibc) reads a leading 0 as octal (051 = 41) while most
 * other parsers read decimal; either guess points flows at an address nobody meant.
 */
export function parseIpAddress(text: string): IpParse {
  if (text.length > 64) return { ok: false, why: 'too long for an IP address' };
  if (/^[\d.]+$/.test(text)) {
    if (/(^|\.)0\d/.test(text)) {
      return { ok: false, why: `'${text}' has an octet with a leading zero (octal to some parsers)` };
    }
    const v4 = parseIpv4(text);
    return v4
      ? { ok: true, address: v4.join('.'), family: 4 }
      : { ok: false, why: `'${text}' is not an IPv4 address` };
  }
  const v6 = parseIpv6(text);
  if (!v6) return { ok: false, why: `'${text.slice(0, 64)}' is not an IP address` };
  // ::ffff:a.b.c.d (IPv4-mapped) is printed as IPv4 by Asterisk; do likewise so both
  // spellings of one address compare equal.
  if (v6.slice(0, 5).every((h) => h === 0) && v6[5] === 0xffff) {
    const hi = v6[6] ?? 0;
    const lo = v6[7] ?? 0;
    return { ok: true, address: [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.'), family: 4 };
  }
  return { ok: true, address: formatIpv6(v6), family: 6 };
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
    const quad = s.slice(lastColon + 1);
    const v4 = /(^|\.)0\d/.test(quad) ? null : parseIpv4(quad);
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
