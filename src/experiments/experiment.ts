/** What every reproduction receives from `gaps reproduce NAME`. */
export interface ExperimentContext {
  /** Folder the experiment writes its CSV, JSON, plots and report into (created by the caller). */
  readonly outDir: string;
  /** Folder with the public data sets (default ../shared/data). */
  readonly dataDir: string;
  /** Base seed; replications derive their seeds from it. */
  readonly seed: number;
  /** Worker threads for sweeps; results must not depend on it. */
  readonly workers: number;
  /** Progress and human-readable lines go here (stderr in the CLI). */
  readonly log: (line: string) => void;
  /** Smaller, faster variant for tests and smoke runs. */
  readonly quick: boolean;
  /** Larger variant (more segments and grid points) where an experiment offers one. */
  readonly full?: boolean;
  /** A progress reporter for a sweep of `total` jobs (a bar on stderr in the CLI; silent in tests). */
  readonly progress?: (label: string) => (done: number, total: number) => void;
}

export interface Experiment {
  readonly summary: string;
  run(ctx: ExperimentContext): Promise<void>;
}
