import { canonicalAddress } from './ip-address.js';
import type { IpCommand } from './ip-command.js';
import { parseNeighShow, type NeighEntry } from './parse-neigh.js';
import { parseRouteGet, type NeighbourTarget, type RouteInfo } from './parse-route.js';

interface Waiter<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Route and neighbour reads of many addresses in one `ip` process each: lookups asked in the
 * same turn of the event loop share one `ip -batch` of `route get`s and one read of the whole
 * neighbour table. With thousands of calls set up at once a process per lookup was a quarter
 * of the agent's CPU. A lone lookup (and any address a batch did not answer) is read on its
 * own, so its error is the exact one `ip` gives for it.
 */
export class IpReads {
  private routes = new Map<string, Waiter<RouteInfo>[]>();
  private neighbours: { target: NeighbourTarget; waiter: Waiter<NeighEntry | undefined> }[] = [];
  private flushQueued = false;

  constructor(private readonly ip: IpCommand) {}

  /** `ip route get <address>`. */
  route(address: string): Promise<RouteInfo> {
    return new Promise((resolve, reject) => {
      const key = canonicalAddress(address).address;
      const waiting = this.routes.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.routes.set(key, [{ resolve, reject }]);
      this.queueFlush();
    });
  }

  /** The neighbour entry of `target` (any NUD state), `undefined` when the kernel has none. */
  neighbour(target: NeighbourTarget): Promise<NeighEntry | undefined> {
    return new Promise((resolve, reject) => {
      this.neighbours.push({ target, waiter: { resolve, reject } });
      this.queueFlush();
    });
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      const routes = this.routes;
      const neighbours = this.neighbours;
      this.routes = new Map();
      this.neighbours = [];
      if (routes.size > 0) void this.readRoutes(routes);
      if (neighbours.length > 0) void this.readNeighbours(neighbours);
    });
  }

  private async readRoutes(routes: Map<string, Waiter<RouteInfo>[]>): Promise<void> {
    const found = new Map<string, RouteInfo>();
    if (routes.size > 1) {
      const answers = await this.ip
        .batchJson(
          'NET_ROUTE_GET',
          [...routes.keys()].map((a) => `route get ${a}`),
        )
        .catch(() => []);
      for (const json of answers) {
        try {
          const route = parseRouteGet(json);
          found.set(canonicalAddress(route.destination).address, route);
        } catch {
          // Read again on its own below, which names the problem.
        }
      }
    }
    for (const [address, waiters] of routes) {
      const route = found.get(address);
      const read =
        route !== undefined
          ? Promise.resolve(route)
          : this.ip.json('NET_ROUTE_GET', ['route', 'get', address]).then(parseRouteGet);
      read.then(
        (r) => waiters.forEach((w) => w.resolve(r)),
        (err: unknown) => waiters.forEach((w) => w.reject(err)),
      );
    }
  }

  private async readNeighbours(
    asked: { target: NeighbourTarget; waiter: Waiter<NeighEntry | undefined> }[],
  ): Promise<void> {
    let table: NeighEntry[] | null = null;
    if (asked.length > 1) {
      // Without `nud all`, iproute2 hides NOARP entries.
      table = await this.ip
        .json('NET_NEIGH_SHOW', ['neigh', 'show', 'nud', 'all'])
        .then(parseNeighShow)
        .catch(() => null);
    }
    for (const { target, waiter } of asked) {
      const read =
        table !== null
          ? Promise.resolve(table.filter((e) => e.device === target.device))
          : this.ip
              .json('NET_NEIGH_SHOW', [
                'neigh',
                'show',
                'to',
                target.address,
                'dev',
                target.device,
                'nud',
                'all',
              ])
              .then(parseNeighShow);
      read.then(
        (entries) => waiter.resolve(entries.find((e) => e.address === target.address)),
        (err: unknown) => waiter.reject(err),
      );
    }
  }
}
