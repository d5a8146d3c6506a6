/**
 * The part of ari-client 2.2.0 (lib/client.js) this adapter uses. Written here rather than
 * taken from @types/ari-client because those typings make `start()` return void (it returns
 * a bluebird Promise) and describe the generated REST operations, which this adapter does
 * not call (see http.ts for why).
 */
declare module 'ari-client' {
  import type { EventEmitter } from 'node:events';

  /** The `ws` 6 socket the client keeps in `_ws` (replaced on every internal reconnect). */
  export interface AriWebSocket {
    on(event: 'message', listener: (data: unknown) => void): this;
    on(event: 'pong', listener: () => void): this;
    listeners(event: string): ((...args: unknown[]) => void)[];
    removeAllListeners(event: string): this;
    terminate(): void;
    readonly readyState: number;
  }

  export interface Client extends EventEmitter {
    /**
     * Opens `/ari/events?app=…&api_key=user:pass[&subscribeAll=true]` and resolves on the
     * first open; rejects once its own reconnect gives up (WebSocketMaxRetries).
     */
    start(apps: string | string[], subscribeAll?: boolean): Promise<void>;
    /** Closes the current socket; a reconnect timer already armed still fires. */
    stop(): void;
    ping(): void;
    /** Private: the current socket. */
    _ws?: AriWebSocket;
  }

  /** Fetches `/ari/api-docs/resources.json` and builds the client from the Swagger 1.2 docs. */
  export function connect(url: string, user: string, pass: string): Promise<Client>;

  const ari: { connect: typeof connect };
  export default ari;
}
