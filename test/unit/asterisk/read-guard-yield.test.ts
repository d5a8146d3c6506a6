import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { guardedSocketOptions } from '../../../src/asterisk/ami/read-guard.js';

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

describe('the guarded AMI socket under a burst', () => {
  it('hands over one chunk per turn of the event loop, so other sockets and timers get their turn', async () => {
    // 2 MB of events already waiting in the kernel: libuv alone would read them 32 chunks in a row.
    const event = 'Event: Hangup\r\nChannel: PJSIP/alice-00000001\r\nUniqueid: 1.1\r\nCause: 16\r\n\r\n';
    const burst = event.repeat(Math.ceil((2 * 1024 * 1024) / event.length));
    const server = createServer((s) => s.end(burst));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;

    let tick = 0;
    let ticking = true;
    const turn = (): void => {
      tick++;
      if (ticking) setImmediate(turn);
    };
    setImmediate(turn);
    const chunksPerTick = new Map<number, number>();
    let received = 0;
    const socket: Socket = connect(
      guardedSocketOptions(
        { port, host: '127.0.0.1', actionIdPrefix: 'rtpo-' },
        { dropped: () => undefined, tooLarge: () => undefined },
      ),
    );
    socket.on('data', (text: string) => {
      received += text.length;
      chunksPerTick.set(tick, (chunksPerTick.get(tick) ?? 0) + 1);
    });
    await new Promise<void>((resolve, reject) => {
      socket.on('end', resolve);
      socket.on('error', reject);
    });
    ticking = false;
    socket.destroy();
    expect(received).toBe(burst.length);
    expect(chunksPerTick.size).toBeGreaterThan(10);
    expect(Math.max(...chunksPerTick.values())).toBe(1);
  });
});
