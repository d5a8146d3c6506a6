import { parseIpAddress } from '../model/address.js';
import { isNeighState } from './neigh-state.js';

/** One line of `ip monitor neigh` (or `ip -ts monitor neigh`). */
export interface NeighMonitorEvent {
  /**
   * `update`: an entry was created or changed; `deleted`: removed (`Deleted …`); `miss`: an
   * application-level resolution request (`miss …`), which says nothing about a MAC.
   */
  readonly kind: 'update' | 'deleted' | 'miss';
  readonly address: string;
  readonly device: string | null;
  readonly lladdr: string | null;
  readonly states: readonly string[];
  readonly router: boolean;
}

// Keywords that iproute2's print_neigh() follows with a value.
const WITH_VALUE = new Set(['dev', 'lladdr', 'ref', 'used', 'probes', 'protocol', 'vlan', 'nhid']);

/**
 * Parses one line; `null` for lines that are not a neighbour entry (`Timestamp:` lines of
 * `ip -t`, blank lines, other families). The format is iproute2's text one, because
 * `ip -j monitor` is not JSON on every version:
 * `[<ts>] [Deleted |miss ]<addr> [dev <dev>] [lladdr <mac>] [router] [proxy] … <STATE>…`.
 */
export function parseMonitorLine(line: string): NeighMonitorEvent | null {
  let rest = line.trim();
  // `-ts` prefixes `[2026-01-01T10:00:00.000000]`; `ip monitor all` prefixes `[NEIGH]`.
  while (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0) return null;
    rest = rest.slice(end + 1).trimStart();
  }
  const tokens = rest.split(/\s+/).filter(Boolean);
  let kind: NeighMonitorEvent['kind'] = 'update';
  if (tokens[0] === 'Deleted') {
    kind = 'deleted';
    tokens.shift();
  } else if (tokens[0] === 'miss') {
    kind = 'miss';
    tokens.shift();
  }
  // Canonical text (model/address.ts), so monitor lines key the cache as lookups do.
  const parsed = parseIpAddress(tokens.shift() ?? '');
  if (!parsed.ok) return null;
  const address = parsed.address;

  let device: string | null = null;
  let lladdr: string | null = null;
  let router = false;
  const states: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (WITH_VALUE.has(token)) {
      const value = tokens[++i] ?? null;
      if (token === 'dev') device = value;
      else if (token === 'lladdr') lladdr = value === null ? null : value.toLowerCase();
    } else if (token === 'router') {
      router = true;
    } else if (isNeighState(token)) {
      states.push(token);
    }
  }
  return { kind, address, device, lladdr, states, router };
}
