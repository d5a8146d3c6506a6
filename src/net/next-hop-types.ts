/** The next-hop resolver's public shapes, shared by its parts. */

import type { UsableNeighState } from './neigh-state.js';
import type { NeighbourTarget } from './parse-route.js';

/**
 * `stale-kept`: the kernel no longer has an entry (or has a FAILED one) but this MAC was known.
 * Once the switch forwards a call's media, the host stops talking to the remote and the kernel
 * lets the entry age out; that says nothing about the remote having moved. So a known MAC is
 * only ever replaced by a different MAC the kernel learns, or dropped by `forget()`.
 */
export type NextHopState = UsableNeighState | 'stale-kept';

/** Where to send an Ethernet frame for a remote address. */
export interface NextHop {
  readonly mac: string;
  readonly device: string;
  /** The gateway, `null` when the remote is on-link. */
  readonly via: string | null;
  readonly state: NextHopState;
}

/**
 * Asks the kernel to resolve a neighbour it has no entry for. `ip neigh` cannot make the kernel
 * solicit, but any packet toward the address does (see `DiscardPortSolicitor`).
 */
export type Solicitor = (address: string, target: NeighbourTarget) => void | Promise<void>;

/** What one look at the neighbour table (a read or a monitor line) says about a neighbour. */
export type Observation = { mac: string; state: UsableNeighState } | null;
