/** One benchmark section: measures, prints human lines, and returns flat JSON figures. */
export interface BenchContext {
  /** `--quick`: the whole run must finish in under a minute. */
  readonly quick: boolean;
  /** Human-readable output (suppressed to stderr when `--json`). */
  log(line: string): void;
}

export interface BenchSection {
  readonly name: string;
  /** Returns figures keyed `<section>.<figure>`, e.g. `openflow.client_flows_per_s`. */
  run(ctx: BenchContext): Promise<Record<string, number | string | boolean | null>>;
}
