import { isIPv6 } from 'node:net';

export interface HostPort {
  readonly address: string;
  readonly port: number;
}

/** Compressed lower-case IPv6 (URL parsing applies RFC 5952), IPv4 as is. */
export function canonicalAddress(address: string): string {
  if (!isIPv6(address)) return address;
  const host = new URL(`http://[${address}]/`).hostname;
  const bare = host.slice(1, -1);
  // main/netsock2.c prints IPv4-mapped IPv6 addresses as plain IPv4.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped) return mapped[1]!;
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(bare);
  if (hexMapped) {
    const hi = Number.parseInt(hexMapped[1]!, 16);
    const lo = Number.parseInt(hexMapped[2]!, 16);
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return bare;
}

/** ast_sockaddr_stringify: `ip:port`, `[v6]:port`, or `(null)` for an unset address. */
export function formatSockaddr(addr: HostPort | null): string {
  if (addr === null) return '(null)';
  const a = canonicalAddress(addr.address);
  return isIPv6(a) ? `[${a}]:${addr.port}` : `${a}:${addr.port}`;
}

export function sameHostPort(a: HostPort | null, address: string, port: number): boolean {
  return a !== null && a.port === port && a.address === address;
}
