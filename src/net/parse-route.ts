import { NetError } from './errors.js';
import { isObject, stringField, type JsonObject } from './json-fields.js';

/** One answer of `ip -j route get <addr>`: the route the kernel would use for a packet now. */
export interface RouteInfo {
  /** `unicast` when iproute2 prints no `type` (it omits the default). */
  readonly type: string;
  readonly destination: string;
  readonly device: string | null;
  /** Next-hop router, `null` when the destination is on-link. */
  readonly gateway: string | null;
  /** Source address the kernel would pick. */
  readonly preferredSource: string | null;
}

function bad(message: string): NetError {
  return new NetError('NET_ROUTE_GET', 'bad-output', `ip route get: ${message}`);
}

/** Parses the JSON of `ip -j route get <addr>` (an array holding one route). */
export function parseRouteGet(json: unknown): RouteInfo {
  if (!Array.isArray(json) || json.length === 0) throw bad('expected a non-empty array');
  const first: unknown = json[0];
  if (!isObject(first)) throw bad('expected an object');
  const destination = stringField(first, 'dst');
  if (destination === null) throw bad('route without dst');
  return {
    type: stringField(first, 'type') ?? 'unicast',
    destination,
    device: stringField(first, 'dev'),
    gateway: gatewayOf(first),
    preferredSource: stringField(first, 'prefsrc'),
  };
}

/**
 * `gateway` for a router of the destination's own family; `via: {family, host}` for one of the
 * other family (an IPv4 route through an IPv6 router, RFC 5549), whose MAC is then found in the
 * IPv6 neighbour table.
 */
function gatewayOf(route: JsonObject): string | null {
  const gateway = stringField(route, 'gateway');
  if (gateway !== null) return gateway;
  const via = route['via'];
  return isObject(via) ? stringField(via, 'host') : null;
}

/** The neighbour whose MAC a packet to `route.destination` is sent to. */
export interface NeighbourTarget {
  readonly device: string;
  /** The gateway, or the destination itself when it is on-link. */
  readonly address: string;
  readonly via: string | null;
}

/**
 * Where the next hop of a route is, or a `NetError` (`not-unicast`) when there is none to send
 * an Ethernet frame to: local and broadcast destinations and routes without a device.
 */
export function neighbourTarget(route: RouteInfo): NeighbourTarget {
  if (route.type !== 'unicast' || route.device === null) {
    throw new NetError(
      'NET_ROUTE_GET',
      'not-unicast',
      `route to ${route.destination} is ${route.type}${route.device === null ? ' without a device' : ` via ${route.device}`}: no next hop`,
    );
  }
  return { device: route.device, address: route.gateway ?? route.destination, via: route.gateway };
}
