import http from 'node:http';

/** A failed call to the control API, with the agent's own error code. */
export class ControlClientError extends Error {
  constructor(
    readonly code: string,
    readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'ControlClientError';
  }
}

/** Client of the agent's control socket; the CLI's only way to the agent. */
export class ControlClient {
  constructor(
    private readonly socketPath: string,
    private readonly timeoutMs = 10_000,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  async text(path: string): Promise<string> {
    return this.request<string>('GET', path, undefined, true);
  }

  private request<T>(method: string, path: string, body?: unknown, raw = false): Promise<T> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = http.request(
        {
          socketPath: this.socketPath,
          method,
          path,
          timeout: this.timeoutMs,
          headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) {
              try {
                const e = (JSON.parse(text) as { error: { code: string; message: string } }).error;
                reject(new ControlClientError(e.code, res.statusCode ?? null, e.message));
              } catch {
                reject(new ControlClientError('BAD_RESPONSE', res.statusCode ?? null, text.slice(0, 200)));
              }
              return;
            }
            try {
              resolve((raw ? text : JSON.parse(text)) as T);
            } catch {
              reject(new ControlClientError('BAD_RESPONSE', 200, 'the agent answered with invalid JSON'));
            }
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(
          new ControlClientError('TIMEOUT', null, `no answer from the agent within ${this.timeoutMs} ms`),
        ),
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof ControlClientError) return reject(err);
        const why =
          err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? 'is the agent running?' : err.message;
        reject(
          new ControlClientError('UNREACHABLE', null, `cannot reach the agent at ${this.socketPath}: ${why}`),
        );
      });
      if (payload) req.end(payload);
      else req.end();
    });
  }
}
