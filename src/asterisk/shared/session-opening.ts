/**
 * What both sources do between "Asterisk answers" and the `connected` report: events that
 * arrive meanwhile are held and delivered right after it, and the startup time read now is
 * compared with the last one to tell a restarted Asterisk (nothing learned from the old
 * process is valid) from a reconnection.
 */
export class SessionOpening<T> {
  #held: T[] | null = null;
  #startupTime: string | null = null;

  /** A session answered: hold events until finish(). */
  begin(): void {
    this.#held = [];
  }

  /** Whether a session is between begin() and finish(). */
  get opening(): boolean {
    return this.#held !== null;
  }

  /** Holds `item` while opening; false when it is to be handled now. */
  hold(item: T): boolean {
    if (!this.#held) return false;
    this.#held.push(item);
    return true;
  }

  /** The session was lost: what was held is dropped with it. */
  abandon(): void {
    this.#held = null;
  }

  /**
   * Ends the opening. `startupTime` '' means unknown (never a restart). Returns whether
   * Asterisk restarted since the last known startup, and the events held meanwhile.
   */
  finish(startupTime: string): { restarted: boolean; held: T[] } {
    const restarted = this.#startupTime !== null && startupTime !== '' && startupTime !== this.#startupTime;
    if (startupTime !== '') this.#startupTime = startupTime;
    const held = this.#held ?? [];
    this.#held = null;
    return { restarted, held };
  }

  /** The last known startup time, '' before any. */
  get startupTime(): string {
    return this.#startupTime ?? '';
  }
}
