import { parseIpAddress } from '../model/address.js';
import { NetError } from './errors.js';
import { hasFlag, isObject, stringArrayField, stringField } from './json-fields.js';

/** One entry of `ip -j neigh show …`. */
export interface NeighEntry {
  readonly address: string;
  /** Absent when the command was filtered by `dev`. */
  readonly device: string | null;
  readonly lladdr: string | null;
  /** NUD states, e.g. `['REACHABLE']`. */
  readonly states: readonly string[];
  readonly router: boolean;
}

/** Parses the JSON of `ip -j neigh show [to <addr>] [dev <dev>] [nud all]`. */
export function parseNeighShow(json: unknown): NeighEntry[] {
  if (!Array.isArray(json)) {
    throw new NetError('NET_NEIGH_SHOW', 'bad-output', 'ip neigh show: expected an array');
  }
  const entries: NeighEntry[] = [];
  for (const item of json as unknown[]) {
    if (!isObject(item)) continue;
    const parsed = parseIpAddress(stringField(item, 'dst') ?? '');
    if (!parsed.ok) continue;
    const address = parsed.address;
    entries.push({
      address,
      device: stringField(item, 'dev'),
      lladdr: stringField(item, 'lladdr'),
      states: stringArrayField(item, 'state'),
      router: hasFlag(item, 'router'),
    });
  }
  return entries;
}
