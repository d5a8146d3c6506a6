import { EventEmitter } from 'node:events';
import type { Client } from 'ari-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../../src/asterisk/ami/logger.js';
import { AriEventStream, type AriEventStreamOptions } from '../../../../src/asterisk/ari/event-stream.js';

/** Stands in for an ari-client Client: the events it emits are driven by the test. */
class FakeClient extends EventEmitter {
  stopped = 0;
  start(): Promise<void> {
    return new Promise(() => undefined);
  }
  stop(): void {
    this.stopped++;
  }
  ping(): void {}
}

function setup(overrides: Partial<AriEventStreamOptions> = {}) {
  const clients: FakeClient[] = [];
  const calls: string[] = [];
  const stream = new AriEventStream(
    {
      url: 'http://127.0.0.1:8088',
      username: 'u',
      password: 'p',
      app: 'a',
      connectTimeoutMs: 1000,
      pingIntervalMs: 0,
      socketRetryMs: 2000,
      reconnect: { initialDelayMs: 100, maxDelayMs: 100, factor: 2, jitter: 0 },
      logger: silentLogger,
      random: () => 0,
      probe: () => Promise.resolve(),
      connect: () => {
        const c = new FakeClient();
        clients.push(c);
        return Promise.resolve(c as unknown as Client);
      },
      ...overrides,
    },
    {
      open: () => calls.push('open'),
      down: (reason) => calls.push(`down ${reason}`),
      frame: () => undefined,
      fatal: () => calls.push('fatal'),
    },
  );
  return { stream, clients, calls };
}

describe('AriEventStream: ari-client reconnect bounded by socketRetryMs', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts a fresh client when ari-client has not reopened the socket in time', async () => {
    const { stream, clients, calls } = setup();
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    clients[0]?.emit('WebSocketConnected');
    clients[0]?.emit('WebSocketReconnecting', new Error('closed'));
    // ari-client's next retries each emit it again: still one give-up deadline.
    await vi.advanceTimersByTimeAsync(1500);
    clients[0]?.emit('WebSocketReconnecting', new Error('ECONNREFUSED'));
    expect(clients).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(600);
    expect(clients).toHaveLength(2);
    expect(clients[0]?.listenerCount('WebSocketReconnecting')).toBe(0);
    clients[1]?.emit('WebSocketConnected');
    expect(calls).toEqual(['open', 'down websocket closed: Error: closed', 'open']);
    expect(stream.restarts).toBe(1);
    stream.stop();
  });

  it('keeps the client when ari-client reopens the socket before the deadline', async () => {
    const { stream, clients, calls } = setup();
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    clients[0]?.emit('WebSocketConnected');
    clients[0]?.emit('WebSocketReconnecting', new Error('closed'));
    await vi.advanceTimersByTimeAsync(300);
    clients[0]?.emit('WebSocketConnected');
    await vi.advanceTimersByTimeAsync(5000);
    expect(clients).toHaveLength(1);
    expect(calls).toEqual(['open', 'down websocket closed: Error: closed', 'open']);
    // A later drop gets a deadline of its own.
    clients[0]?.emit('WebSocketReconnecting', new Error('again'));
    await vi.advanceTimersByTimeAsync(2100);
    expect(clients).toHaveLength(2);
    stream.stop();
  });

  it('leaves no deadline armed after stop()', async () => {
    const { stream, clients } = setup();
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    clients[0]?.emit('WebSocketConnected');
    clients[0]?.emit('WebSocketReconnecting', new Error('closed'));
    stream.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
