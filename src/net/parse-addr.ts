import { NetError } from './errors.js';
import { hasFlag, isObject, stringField, type JsonObject } from './json-fields.js';

export interface InterfaceAddress {
  readonly family: 4 | 6;
  readonly address: string;
  readonly prefixLength: number;
  /** `global`, `link`, `host`, … */
  readonly scope: string;
  /** IPv6 duplicate address detection still running or failed: the address is not yet usable. */
  readonly tentative: boolean;
  readonly dadFailed: boolean;
  readonly deprecated: boolean;
}

export interface LinkInfo {
  readonly name: string;
  /** `ether`, `loopback`, `none` (tun), … */
  readonly linkType: string;
  /** The device's own MAC; `null` unless it is an Ethernet device. */
  readonly mac: string | null;
}

export interface AddrShow extends LinkInfo {
  readonly addresses: readonly InterfaceAddress[];
}

function firstObject(json: unknown, code: 'NET_ADDR_SHOW' | 'NET_LINK_SHOW'): JsonObject {
  const first: unknown = Array.isArray(json) ? json[0] : undefined;
  if (!isObject(first)) throw new NetError(code, 'bad-output', 'expected an array holding one device');
  return first;
}

function linkOf(dev: JsonObject): LinkInfo {
  const linkType = stringField(dev, 'link_type') ?? 'none';
  const address = stringField(dev, 'address');
  return {
    name: stringField(dev, 'ifname') ?? '',
    linkType,
    mac: linkType === 'ether' && address !== null ? address.toLowerCase() : null,
  };
}

/** Parses the JSON of `ip -j link show dev <dev>`. */
export function parseLinkShow(json: unknown): LinkInfo {
  return linkOf(firstObject(json, 'NET_LINK_SHOW'));
}

/** Parses the JSON of `ip -j addr show dev <dev>`. */
export function parseAddrShow(json: unknown): AddrShow {
  const dev = firstObject(json, 'NET_ADDR_SHOW');
  const info = dev['addr_info'];
  const addresses: InterfaceAddress[] = [];
  for (const item of Array.isArray(info) ? (info as unknown[]) : []) {
    if (!isObject(item)) continue;
    const family = stringField(item, 'family');
    const address = stringField(item, 'local');
    if ((family !== 'inet' && family !== 'inet6') || address === null) continue;
    const prefix = item['prefixlen'];
    addresses.push({
      family: family === 'inet' ? 4 : 6,
      address,
      prefixLength: typeof prefix === 'number' ? prefix : family === 'inet' ? 32 : 128,
      scope: stringField(item, 'scope') ?? 'global',
      tentative: hasFlag(item, 'tentative'),
      dadFailed: hasFlag(item, 'dadfailed'),
      deprecated: hasFlag(item, 'deprecated'),
    });
  }
  return { ...linkOf(dev), addresses };
}
