import { canonicalAddress } from './ip-address.js';
import { IpCommand, type IpCommandOptions } from './ip-command.js';
import { parseAddrShow, parseLinkShow, type InterfaceAddress } from './parse-addr.js';

export interface DeviceAddresses {
  readonly ipv4: string[];
  readonly ipv6: string[];
}

/**
 * A local RTP address made concrete. Asterisk bound to a wildcard sends from whatever source the
 * kernel picks, so a flow can only impersonate it when the offload device has exactly one
 * address of the family; with several, picking one would be a guess.
 */
export type LocalAddressResolution =
  | { readonly kind: 'resolved'; readonly address: string; readonly fromWildcard: boolean }
  | { readonly kind: 'none'; readonly family: 4 | 6; readonly device: string }
  | {
      readonly kind: 'ambiguous';
      readonly family: 4 | 6;
      readonly device: string;
      readonly candidates: readonly string[];
    };

/**
 * Addresses that a packet can carry as its source: global scope, and for IPv6 past duplicate
 * address detection. Deprecated addresses still work and stay listed.
 */
function usable(a: InterfaceAddress): boolean {
  return a.scope === 'global' && !a.tentative && !a.dadFailed;
}

/** Facts about local interfaces, read with `ip -j addr|link show dev <dev>`. */
export class InterfaceAddresses {
  private readonly ip: IpCommand;

  constructor(options: IpCommandOptions = {}) {
    this.ip = new IpCommand(options);
  }

  async addresses(device: string): Promise<DeviceAddresses> {
    const shown = parseAddrShow(await this.ip.json('NET_ADDR_SHOW', ['addr', 'show', 'dev', device]));
    const list = shown.addresses.filter(usable);
    return {
      ipv4: list.filter((a) => a.family === 4).map((a) => a.address),
      ipv6: list.filter((a) => a.family === 6).map((a) => a.address),
    };
  }

  /** The device's own MAC, `null` for a device without one (loopback, tun). */
  async macOf(device: string): Promise<string | null> {
    return parseLinkShow(await this.ip.json('NET_LINK_SHOW', ['link', 'show', 'dev', device])).mac;
  }

  /**
   * `address` itself unless it is `0.0.0.0` or `::`; for those, the one address of that family
   * on `device`, or why there is none to use.
   */
  async resolveLocal(address: string, device: string): Promise<LocalAddressResolution> {
    const { address: canonical, family } = canonicalAddress(address);
    if (canonical !== '0.0.0.0' && canonical !== '::') {
      return { kind: 'resolved', address: canonical, fromWildcard: false };
    }
    return resolveWildcard(await this.addresses(device), family, device);
  }
}

/** The pure half of `resolveLocal`, for a wildcard of `family`. */
export function resolveWildcard(
  addresses: DeviceAddresses,
  family: 4 | 6,
  device: string,
): LocalAddressResolution {
  const candidates = family === 4 ? addresses.ipv4 : addresses.ipv6;
  if (candidates.length === 0) return { kind: 'none', family, device };
  if (candidates.length > 1) return { kind: 'ambiguous', family, device, candidates };
  return { kind: 'resolved', address: candidates[0]!, fromWildcard: true };
}
