import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the HTTP endpoint serves: the agent's metrics, rendered at each scrape. */
export interface MetricsSource {
  render(): Promise<string>;
  readonly contentType: string;
}

/**
 * `GET /metrics` for Prometheus. Nothing else is served: the control socket stays the only
 * way to change anything, so this port can be opened to a scraper without opening control.
 */
export class MetricsServer {
  readonly #server: Server;

  constructor(source: MetricsSource) {
    this.#server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('only /metrics is served here\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('GET only\n');
        return;
      }
      source.render().then(
        (text) =>
          res.writeHead(200, { 'content-type': source.contentType }).end(req.method === 'HEAD' ? '' : text),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
      );
    });
    // A scraper holding a connection open must not keep the agent from stopping.
    this.#server.keepAliveTimeout = 5000;
  }

  /** Listens on `host:port` (port 0: any free one) and returns the bound address. */
  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }
}
