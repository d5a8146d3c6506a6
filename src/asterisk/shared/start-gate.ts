interface Pending<E> {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: E) => void;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly onFail: (err: E) => Promise<void> | void;
}

/**
 * The first connection of a source: `start()` resolves once Asterisk is ready and rejects
 * (after the source has stopped trying) on refused credentials or when nothing worked in
 * time. Later losses are the source's to retry, not the gate's.
 */
export class StartGate<E extends Error> {
  #pending: Pending<E> | null = null;

  /**
   * Calls `begin` and returns the start's promise, or joins a start already under way.
   * After `timeoutMs` the start fails with `timeoutError()`; on any failure `onFail` runs
   * (the source stops trying) before the promise rejects.
   */
  open(
    timeoutMs: number,
    timeoutError: () => E,
    begin: () => void,
    onFail: (err: E) => Promise<void> | void,
  ): Promise<void> {
    if (this.#pending) return this.#pending.promise;
    let resolve!: () => void;
    let reject!: (err: E) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const timer = setTimeout(() => this.fail(timeoutError()), timeoutMs);
    this.#pending = { promise, resolve, reject, timer, onFail };
    begin();
    return promise;
  }

  /** Asterisk is ready. No-op when no start is pending. */
  succeed(): void {
    this.#take()?.resolve();
  }

  /** No-op when no start is pending. */
  fail(err: E): void {
    const pending = this.#take();
    if (pending) void Promise.resolve(pending.onFail(err)).then(() => pending.reject(err));
  }

  #take(): Pending<E> | null {
    const pending = this.#pending;
    if (pending) {
      this.#pending = null;
      clearTimeout(pending.timer);
    }
    return pending;
  }
}
