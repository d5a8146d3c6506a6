import { isIP } from 'node:net';
import { NetError } from './errors.js';

export type IpFamily = 4 | 6;

/**
 * Checks that `address` is a plain IPv4 or IPv6 address and returns it in canonical form.
 * Validation also keeps anything that could look like an option (`-…`) out of `ip`'s argv.
 * IPv6 is compressed and lower-cased as RFC 5952 says, which is also how iproute2 prints it,
 * so cache keys match the addresses the neighbour monitor reports.
 */
export function canonicalAddress(address: string): { address: string; family: IpFamily } {
  const family = isIP(address);
  if (family === 4) return { address, family };
  if (family === 6 && !address.includes('%')) {
    const host = new URL(`http://[${address}]/`).hostname;
    return { address: host.slice(1, -1), family };
  }
  throw new NetError('NET_BAD_ADDRESS', 'bad-argument', `not an IP address: ${JSON.stringify(address)}`);
}

/** Lower-case, colon-separated: the form iproute2 prints and OpenFlow callers compare. */
export function canonicalMac(mac: string): string {
  return mac.toLowerCase();
}
