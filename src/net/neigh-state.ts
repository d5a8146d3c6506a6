/**
 * Kernel neighbour (NUD) states as iproute2 names them, and which of them give a MAC that may
 * be written into a flow. INCOMPLETE and FAILED have no confirmed link-layer address; NONE is a
 * placeholder entry. Everything else carries the address the kernel itself would use.
 */
export const USABLE_NEIGH_STATES = ['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT', 'NOARP'] as const;
export type UsableNeighState = (typeof USABLE_NEIGH_STATES)[number];

const UNUSABLE = new Set(['INCOMPLETE', 'FAILED', 'NONE']);
const KNOWN = new Set<string>([...USABLE_NEIGH_STATES, ...UNUSABLE]);

export function isNeighState(token: string): boolean {
  return KNOWN.has(token);
}

const ETHERNET_MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/**
 * The usable state and MAC of an entry, or `null`. Only a 6-octet, non-zero link-layer address
 * counts: on a non-Ethernet device (tunnels print other forms) there is no MAC to write.
 */
export function usableNeighbour(
  lladdr: string | null,
  states: readonly string[],
): { mac: string; state: UsableNeighState } | null {
  if (lladdr === null) return null;
  const mac = lladdr.toLowerCase();
  if (!ETHERNET_MAC.test(mac) || mac === '00:00:00:00:00:00') return null;
  if (states.some((s) => UNUSABLE.has(s))) return null;
  const state = USABLE_NEIGH_STATES.find((s) => states.includes(s));
  return state === undefined ? null : { mac, state };
}
