import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** A tcpdump of UDP media on one interface of a namespace, stopped by its own pid. */
export class Capture {
  private constructor(
    private readonly child: ChildProcess,
    readonly file: string,
    private readonly exited: Promise<void>,
  ) {}

  static async start(ns: string, iface: string, file: string): Promise<Capture> {
    const child = spawn(
      'ip',
      ['netns', 'exec', ns, 'tcpdump', '-i', iface, '-U', '-s', '512', '-w', file, 'udp and not port 5060'],
      {
        stdio: ['ignore', 'ignore', 'ignore'],
      },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // tcpdump needs a moment to open the interface before the first packet counts.
    await sleep(700);
    return new Capture(child, file, exited);
  }

  async stop(): Promise<void> {
    if (child(this.child)) this.child.kill('SIGINT');
    await Promise.race([this.exited, sleep(3000)]);
    if (child(this.child)) this.child.kill('SIGKILL');
  }
}

const child = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null;
