import { parseIpAddress, type IpFamily } from '../model/address.js';
import { NetError } from './errors.js';

export type { IpFamily };

/**
 * Checks that `address` is a plain IPv4 or IPv6 address and returns it in canonical form
 * (src/model/address.ts, the parser of every edge).
 * Validation also keeps anything that could look like an option (`-…`) out of `ip`'s argv.
 * IPv6 is compressed and lower-cased as RFC 5952 says, which is also how iproute2 prints it,
 * so cache keys match the addresses the neighbour monitor reports.
 */
export function canonicalAddress(address: string): { address: string; family: IpFamily } {
  const r = parseIpAddress(address);
  // A mapped v4 (`::ffff:a.b.c.d`) comes back as IPv4: iproute2 keys it that way too.
  if (r.ok) return { address: r.address, family: r.family };
  throw new NetError(
    'NET_BAD_ADDRESS',
    'bad-argument',
    `not an IP address: ${JSON.stringify(address)} (${r.why})`,
  );
}

/** Lower-case, colon-separated: the form iproute2 prints and OpenFlow callers compare. */
export function canonicalMac(mac: string): string {
  return mac.toLowerCase();
}
