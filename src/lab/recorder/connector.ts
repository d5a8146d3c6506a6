import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/**
 * Opens a TCP connection to a server. The recorder takes one of these instead of calling
 * `net.connect` itself, because the real Asterisk listens on the loopback of a network
 * namespace that this process is not in, while the simulated PBX listens on ours.
 */
export type Connector = (host: string, port: number) => Promise<net.Socket>;

/** Plain `net.connect` in this process's own namespace. */
export const directConnector: Connector = (host, port) =>
  new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    sock.once('error', reject);
    sock.once('connect', () => {
      sock.removeListener('error', reject);
      resolve(sock);
    });
  });

/**
 * Child script run inside a namespace: connects there and hands the connected socket to
 * the parent over IPC. It pauses the socket before the connection completes, so bytes the
 * server sends at once (AMI's banner) stay in the kernel buffer for the parent to read.
 */
const CONNECT_SCRIPT = `
import net from 'node:net';
process.on('message', (m) => {
  const sock = net.connect({ host: m.host, port: m.port });
  sock.pause();
  sock.once('error', (err) => process.send({ id: m.id, error: String(err.message) }));
  sock.once('connect', () => process.send({ id: m.id }, sock));
});
process.on('disconnect', () => process.exit(0));
`;

interface ConnectReply {
  id: number;
  error?: string;
}

/** A helper process inside a namespace that makes outgoing TCP connections for us. */
export class NamespaceConnector {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: ConnectReply, handle: net.Socket | undefined) => void>();

  private constructor(
    readonly ns: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (msg: ConnectReply, handle: net.Socket | undefined) => {
      const done = this.waiting.get(msg.id);
      this.waiting.delete(msg.id);
      done?.(msg, handle);
    });
    child.on('exit', () => {
      for (const done of this.waiting.values())
        done({ id: 0, error: `connector in ${ns} exited` }, undefined);
      this.waiting.clear();
    });
  }

  static start(ns: string): NamespaceConnector {
    const child = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', CONNECT_SCRIPT],
      {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      },
    );
    return new NamespaceConnector(ns, child);
  }

  readonly connect: Connector = (host, port) => {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply, handle) => {
        if (reply.error !== undefined || handle === undefined) {
          reject(new Error(`cannot connect to ${host}:${port} in ${this.ns}: ${reply.error ?? 'no handle'}`));
        } else {
          // Not resumed here: bytes wait in the stream buffer until the caller listens.
          resolve(handle);
        }
      });
      this.child.send({ id, host, port });
    });
  };

  stop(): void {
    if (this.child.connected) this.child.disconnect();
    if (this.child.exitCode === null) this.child.kill();
  }
}
