/**
 * Address text as Asterisk prints it (main/netsock2.c ast_sockaddr_stringify): `ip:port`,
 * `[v6]:port`, IPv4-mapped IPv6 printed as IPv4, a bare address when the port is 0, and the
 * literal `(null)` for an unset address. Parsed into the core's canonical `SocketAddr`.
 */

import { canonicalIp, parseIpAddress } from '../../model/address.js';
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
  const parsed = parseIpAddress(host);
  if (!parsed.ok) return { kind: 'invalid', text: t, why: parsed.why };
  const canonical = parsed;
  if (portText === undefined) return { kind: 'unset', text: t };
  if (!/^\d{1,5}$/.test(portText)) return { kind: 'invalid', text: t, why: `bad port '${portText}'` };
  const port = Number(portText);
  // Asterisk omits port 0 rather than print it, so a printed 0 is as wrong as 65536.
  if (port < 1 || port > 65535) return { kind: 'invalid', text: t, why: `port ${port} not in 1..65535` };
  return { kind: 'address', addr: { address: canonical.address, port, family: canonical.family } };
}

export { canonicalIp };

export function formatSocketAddr(addr: SocketAddr): string {
  return addr.family === 6 ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`;
}
