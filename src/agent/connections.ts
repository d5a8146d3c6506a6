import type { Logger } from '../log.js';
import type { PbxSource } from '../model/pbx.js';
import { DEFAULT_BACKOFF } from '../time/backoff.js';
import type { Clock } from '../time/clock.js';
import { DependencyState, retryForever, type DependencyReport, type RetryHandle } from './dependencies.js';

/** The part of the OpenFlow connection start-up needs. */
export interface SwitchConnection {
  on(event: 'status', listener: (to: string) => void): unknown;
  connect(): Promise<void>;
}

export interface ConnectionHooks {
  /** The switch went up or down (the engine's audits wait while it is down). */
  switchUp(up: boolean): void;
  /** Every (re)connection to the switch: learn the ports, resync the flows. */
  switchReady(): void;
  /** Whether the agent is stopping (failures then are expected, not news). */
  stopping(): boolean;
}

/**
 * Each dependency on its own: the switch and Asterisk connect independently, each retried
 * for ever, and neither waits for the other; what each is and since when is kept for
 * `status`.
 */
export class DependencyConnections {
  readonly switch = new DependencyState();
  readonly asterisk = new DependencyState();
  private pbxStarter: RetryHandle | null = null;

  constructor(
    private readonly conn: SwitchConnection,
    private readonly source: PbxSource,
    private readonly hooks: ConnectionHooks,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  start(): void {
    this.connectSwitch();
    this.connectAsterisk();
  }

  /** Stops retrying Asterisk's start (the connections themselves are closed by their owners). */
  stop(): void {
    this.pbxStarter?.cancel();
  }

  /** Resolves once both the switch and Asterisk have been up (at least once). */
  connected(): Promise<void> {
    return Promise.all([this.switch.firstUp, this.asterisk.firstUp]).then(() => undefined);
  }

  report(): { switch: DependencyReport; asterisk: DependencyReport } {
    return { switch: this.switch.report(), asterisk: this.asterisk.report() };
  }

  /** The OpenFlow connection retries by itself; every (re)connection resyncs the flows. */
  private connectSwitch(): void {
    this.hooks.switchUp(false);
    this.conn.on('status', (to) => {
      const up = to === 'ready';
      this.hooks.switchUp(up);
      if (up) {
        this.switch.set('up');
        this.hooks.switchReady();
      } else if (this.switch.status === 'up') {
        this.switch.set('down', `connection ${to}`);
      }
    });
    void this.conn.connect().catch((err: Error) => {
      if (!this.hooks.stopping()) this.log.error('switch connection gave up', { error: err.message });
    });
  }

  /**
   * A source's start gives up after a while (timeout, refused login) and stops; it is
   * started again with backoff, for ever, so an Asterisk that comes late is still found.
   */
  private connectAsterisk(): void {
    this.source.onEvent((e) => {
      if (e.kind === 'connected') this.asterisk.set('up');
      else if (e.kind === 'disconnected') this.asterisk.set('down', e.reason);
    });
    this.pbxStarter = retryForever(
      () => this.source.start(),
      (err, retryInMs) => {
        if (this.hooks.stopping()) return;
        this.asterisk.set('down', err.message);
        this.log.error('Asterisk not reachable yet; retrying', { error: err.message, retryInMs });
      },
      { ...DEFAULT_BACKOFF, initialDelayMs: 1000, maxDelayMs: 30_000 },
      this.clock,
    );
  }
}
