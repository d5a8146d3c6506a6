/**
 * Where the switch is and how to reach it. OVS listens on `punix:<rundir>/<bridge>.mgmt` for
 * every bridge, and on `ptcp:` for configured remotes; we speak to either. This file and
 * `session.ts` are the only ones that touch sockets.
 */

import net from 'node:net';
import { OpenFlowArgumentError } from './errors.js';

/** The part of a stream socket the connection uses; `net.Socket` satisfies it. */
export interface TransportSocket {
  write(data: Uint8Array): boolean;
  destroy(): void;
  on(event: 'connect' | 'drain' | 'close', listener: () => void): this;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
}

export type TransportTarget =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

/** Parses `unix:/path` or `tcp:host:port` (`tcp:[v6addr]:port` for IPv6), as ovs-ofctl names them. */
export function parseTarget(target: string): TransportTarget {
  if (target.startsWith('unix:') && target.length > 5) return { kind: 'unix', path: target.slice(5) };
  const tcp = /^tcp:(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(target);
  if (tcp) {
    const port = Number(tcp[3]);
    if (port >= 1 && port <= 65535) return { kind: 'tcp', host: tcp[1] ?? tcp[2]!, port };
  }
  throw new OpenFlowArgumentError(
    `OpenFlow target ${JSON.stringify(target)} is not unix:PATH or tcp:HOST:PORT`,
  );
}

/** Opens a socket to the target; it emits 'connect' once established. */
export function connectTransport(target: string): TransportSocket {
  const t = parseTarget(target);
  if (t.kind === 'unix') return net.createConnection({ path: t.path });
  const socket = net.createConnection({ host: t.host, port: t.port });
  // Flow mods and barriers are latency-bound small writes once the batch is out.
  socket.setNoDelay(true);
  return socket;
}
