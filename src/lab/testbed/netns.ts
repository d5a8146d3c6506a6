import { spawn, type ChildProcess } from 'node:child_process';
import type dgram from 'node:dgram';
import type net from 'node:net';
import { run, tryRun, type RunResult } from './run.js';

/** Runs a program inside a network namespace. */
export function nsRun(ns: string, cmd: string, args: readonly string[]): Promise<RunResult> {
  return run('ip', ['netns', 'exec', ns, cmd, ...args]);
}

export async function listNamespaces(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

export async function createNamespace(ns: string): Promise<void> {
  await run('ip', ['netns', 'add', ns]);
  await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
}

export async function deleteNamespace(ns: string): Promise<boolean> {
  return tryRun('ip', ['netns', 'del', ns]);
}

/**
 * Child script run inside a namespace: binds sockets there and hands their file
 * descriptors to the parent over the IPC channel (Node passes dgram and net handles with
 * `process.send`). A socket stays in the namespace it was created in, so the parent can
 * use sockets of several namespaces from one process. The child closes its own copy once
 * the handle is sent, or both copies would compete for datagrams.
 */
const SOCKET_HOST_SCRIPT = `
import dgram from 'node:dgram';
import net from 'node:net';
process.on('message', (m) => {
  const fail = (err) => process.send({ id: m.id, error: String(err && err.message || err) });
  if (m.op === 'udp') {
    const s = dgram.createSocket({ type: m.type, ipv6Only: m.type === 'udp6' });
    s.once('error', fail);
    s.bind(m.port, m.address, () => {
      s.removeListener('error', fail);
      process.send({ id: m.id, port: s.address().port }, s, () => s.close());
    });
  } else if (m.op === 'tcp') {
    const srv = net.createServer();
    srv.once('error', fail);
    srv.listen(m.port, m.address, () => {
      srv.removeListener('error', fail);
      process.send({ id: m.id, port: srv.address().port }, srv, () => srv.close());
    });
  }
});
process.on('disconnect', () => process.exit(0));
`;

interface HostReply {
  id: number;
  port?: number;
  error?: string;
}

/** One long-lived helper process inside a namespace that creates sockets for the parent. */
export class NamespaceSocketHost {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: HostReply, handle: unknown) => void>();

  private constructor(
    readonly ns: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (msg: HostReply, handle: unknown) => {
      const done = this.waiting.get(msg.id);
      this.waiting.delete(msg.id);
      done?.(msg, handle);
    });
    child.on('exit', () => {
      for (const done of this.waiting.values())
        done({ id: 0, error: `socket host in ${ns} exited` }, undefined);
      this.waiting.clear();
    });
  }

  static start(ns: string): NamespaceSocketHost {
    const child = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', SOCKET_HOST_SCRIPT],
      {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      },
    );
    return new NamespaceSocketHost(ns, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** A UDP socket bound inside the namespace (port 0 = any free port). */
  udpSocket(type: 'udp4' | 'udp6', address: string, port = 0): Promise<dgram.Socket> {
    return this.request({ op: 'udp', type, address, port }) as Promise<dgram.Socket>;
  }

  /** A listening TCP server inside the namespace. */
  tcpServer(address: string, port = 0): Promise<net.Server> {
    return this.request({ op: 'tcp', address, port }) as Promise<net.Server>;
  }

  private request(body: Record<string, unknown>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply, handle) => {
        if (reply.error !== undefined || handle === undefined) {
          reject(
            new Error(
              `cannot open ${String(body.op)} socket ${String(body.address)}:${String(body.port)} in ${this.ns}: ${reply.error ?? 'no handle'}`,
            ),
          );
        } else resolve(handle);
      });
      this.child.send({ id, ...body });
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
    if (this.child.exitCode === null) this.child.kill();
  }
}
