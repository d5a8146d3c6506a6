import type { BridgeTechnology, RtpLeg } from '../../model/pbx.js';
import {
  detectModule,
  isUnknownActionError,
  readModulePairs,
  type ModuleAmiConnection,
  type ModuleRead,
} from '../module/index.js';
import type { AmiLogger } from './logger.js';

interface Batch {
  readonly uniqueids: Set<string>;
  readonly bridgeIds: Set<string>;
  readonly result: Promise<ModuleRead | null>;
}

/**
 * Reads through res_rtp_offload when it is loaded. Every leg and technology asked in the same
 * tick goes into one `RtpOffloadList` filtered to those channels and bridges. A read already
 * on its way is never joined: it may have been taken before the event that prompted the new
 * question (the same rule as the technology query).
 */
export class ModuleBatcher {
  #state: 'unknown' | 'loaded' | 'absent' = 'unknown';
  /** The last detection found it absent, or a listing failed: a later find is news. */
  #missed = false;
  #detecting: Promise<void> | null = null;
  #pending: Batch | null = null;
  #reads = 0;
  #recheck: ReturnType<typeof setTimeout> | null = null;
  /** What was last logged, so a periodic re-detection says nothing new. */
  #announced: 'loaded' | 'absent' | null = null;
  readonly #appeared: (() => void)[] = [];

  constructor(
    private readonly connection: ModuleAmiConnection,
    private readonly options: {
      readonly now: () => number;
      readonly logger: AmiLogger;
      /** While absent, detection runs again this often. @default 60000 */
      readonly recheckMs?: number;
    },
  ) {}

  /** After every (re)connection: the module may have been loaded or unloaded meanwhile. */
  reset(): void {
    this.#state = 'unknown';
    this.#detecting = null;
    this.#cancelRecheck();
  }

  /** Stops the periodic re-detection (the source is stopping). */
  stop(): void {
    this.#cancelRecheck();
  }

  /**
   * Called when the module is found loaded after it was missing (loaded at run time,
   * reloaded): legs read meanwhile lack what only the module tells, so read them again.
   */
  onAppeared(listener: () => void): void {
    this.#appeared.push(listener);
  }

  /**
   * Asterisk's `Load`, `Unload` and `Reload` events (main/loader.c): a change of this module,
   * or a reload of everything (no module named), is detected again at once.
   */
  moduleEvent(module: string): void {
    const m = module.trim().toLowerCase();
    if (m !== '' && !m.startsWith('res_rtp_offload')) return;
    this.reset();
    void this.#detect();
  }

  get reads(): number {
    return this.#reads;
  }

  get loaded(): boolean {
    return this.#state === 'loaded';
  }

  /** The leg as the module lists it, or null (no module, or the channel is not in a listed pair). */
  async leg(uniqueid: string): Promise<RtpLeg | null> {
    const read = await this.#read({ uniqueid });
    return read?.legs.get(uniqueid) ?? null;
  }

  /** Technologies of the bridges the module lists (two-party bridges only). */
  async bridges(bridgeIds: readonly string[]): Promise<Map<string, BridgeTechnology>> {
    const read = await this.#read({ bridgeIds });
    const out = new Map<string, BridgeTechnology>();
    if (!read) return out;
    for (const id of bridgeIds) {
      const t = read.bridges.get(id);
      if (t) out.set(id, t);
    }
    return out;
  }

  async #read(ask: { uniqueid?: string; bridgeIds?: readonly string[] }): Promise<ModuleRead | null> {
    if (this.#state === 'unknown') await this.#detect();
    if (this.#state !== 'loaded') return null;
    let batch = this.#pending;
    if (!batch) {
      const uniqueids = new Set<string>();
      const bridgeIds = new Set<string>();
      const result = new Promise<ModuleRead | null>((resolve) => {
        setImmediate(() => {
          this.#pending = null;
          this.#reads++;
          readModulePairs(this.connection, {
            technology: 'all',
            uniqueids: [...uniqueids],
            bridgeIds: [...bridgeIds],
            now: this.options.now,
          }).then(
            (read) => {
              if (read.problems.length > 0)
                this.options.logger.warn('res_rtp_offload listing partly unreadable', {
                  problems: read.problems,
                });
              resolve(read);
            },
            (err: unknown) => {
              // This request falls back to Getvar; an unloaded module is looked for again.
              this.#missed = true;
              if (isUnknownActionError(err)) this.#becameAbsent();
              this.options.logger.warn('res_rtp_offload listing failed; reading legs with Getvar', {
                error: (err as Error).message,
              });
              resolve(null);
            },
          );
        });
      });
      batch = { uniqueids, bridgeIds, result };
      this.#pending = batch;
    }
    if (ask.uniqueid) batch.uniqueids.add(ask.uniqueid);
    for (const id of ask.bridgeIds ?? []) batch.bridgeIds.add(id);
    return batch.result;
  }

  #becameAbsent(): void {
    this.#state = 'absent';
    this.#missed = true;
    this.#cancelRecheck();
    this.#recheck = setTimeout(() => {
      this.#recheck = null;
      if (this.#state !== 'absent') return;
      this.#state = 'unknown';
      this.#detecting = null;
      void this.#detect();
    }, this.options.recheckMs ?? 60_000);
    this.#recheck.unref?.();
  }

  #cancelRecheck(): void {
    if (this.#recheck) clearTimeout(this.#recheck);
    this.#recheck = null;
  }

  async #detect(): Promise<void> {
    this.#detecting ??= detectModule(this.connection).then(
      (d) => {
        const news = d === 'loaded' && this.#missed;
        if (d === 'absent') this.#becameAbsent();
        else this.#state = d;
        if (news) {
          this.#missed = false;
          for (const l of this.#appeared) l();
        }
        if (d === this.#announced) return;
        this.#announced = d;
        this.options.logger.info(
          d === 'loaded'
            ? 'res_rtp_offload is loaded: legs are read with RtpOffloadList'
            : 'res_rtp_offload is not loaded: legs are read with Getvar',
        );
      },
      () => {
        // A disconnect or timeout says nothing about the module: ask again next time.
        this.#detecting = null;
      },
    );
    await this.#detecting;
  }
}
