import dgram from 'node:dgram';
import { isIP } from 'node:net';
import type { NeighbourTarget } from './parse-route.js';

/** The discard service (RFC 863): a datagram there asks nothing of the remote. */
const DISCARD_PORT = 9;

export type SocketFactory = (type: 'udp4' | 'udp6') => dgram.Socket | Promise<dgram.Socket>;

/**
 * Makes the kernel resolve a next hop by sending one byte to the discard port of the remote:
 * the kernel solicits the gateway or the remote itself (ARP or neighbour solicitation) before
 * it can send. The socket must live in the namespace whose tables the resolver reads, hence the
 * factory (the lab hands out sockets created inside its namespaces).
 */
export class DiscardPortSolicitor {
  private readonly sockets = new Map<'udp4' | 'udp6', Promise<dgram.Socket>>();

  constructor(private readonly socketFor: SocketFactory = (type) => dgram.createSocket(type)) {}

  /** For `NextHopResolverOptions.solicit`. */
  readonly solicit = async (address: string, _target: NeighbourTarget): Promise<void> => {
    const type = isIP(address) === 6 ? 'udp6' : 'udp4';
    let socket = this.sockets.get(type);
    if (socket === undefined) {
      socket = Promise.resolve(this.socketFor(type));
      this.sockets.set(type, socket);
    }
    const sock = await socket;
    await new Promise<void>((resolve) => sock.send(Buffer.of(0), DISCARD_PORT, address, () => resolve()));
  };

  close(): void {
    for (const socket of this.sockets.values()) {
      void socket.then((s) => s.close()).catch(() => undefined);
    }
    this.sockets.clear();
  }
}
