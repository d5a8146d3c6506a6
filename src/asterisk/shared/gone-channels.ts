/**
 * Channels whose Hangup (AMI) or ChannelDestroyed (ARI) was seen. Asterisk answers any read
 * of them with `No such channel` (HTTP 404): a read prompted just before the hangup (the
 * BRIDGEPEER re-set that precedes it) is not sent at all. Bounded: ids are never reused by
 * one Asterisk, and the oldest are forgotten first.
 */
export class GoneChannels {
  readonly #ids = new Set<string>();

  constructor(private readonly capacity = 4096) {}

  add(id: string): void {
    this.#ids.delete(id);
    this.#ids.add(id);
    if (this.#ids.size > this.capacity) {
      const oldest = this.#ids.values().next().value;
      if (oldest !== undefined) this.#ids.delete(oldest);
    }
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Throws when the channel is gone: called before each request about it. */
  check(id: string, name: string): void {
    if (this.#ids.has(id)) throw new ChannelGoneError(name);
  }

  /** `read()`, unless the channel is gone by the time it would be sent. */
  guard<T>(id: string, name: string, read: () => Promise<T>): Promise<T> {
    return this.#ids.has(id) ? Promise.reject(new ChannelGoneError(name)) : read();
  }

  clear(): void {
    this.#ids.clear();
  }
}

/** A read of a channel whose hangup was seen; not a fault of Asterisk nor of the agent. */
export class ChannelGoneError extends Error {
  readonly code = 'CHANNEL_GONE' as const;

  constructor(channel: string) {
    super(`${channel} has hung up`);
    this.name = 'ChannelGoneError';
  }
}
