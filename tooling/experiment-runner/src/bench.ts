import type { ExtraOption } from './cli';
import type { ExperimentRegistry } from './registry';

/** A bench program: its experiments, its data, and the options it adds to the shared ones. */
export interface BenchDefinition<Data> {
  /** Program name for usage and reports, e.g. "mnist-bench". */
  name: string;
  registry: ExperimentRegistry<Data>;
  /** The file that calls {@link runBenchCli}; workers are started from it. */
  entry: string;
  defaultOut: string;
  extraOptions?: Record<string, ExtraOption>;
  /**
   * Checks the bench's own options in the parent before any run starts (e.g. that the data files exist and
   * are valid), throwing a one-line error.
   */
  validate?(extra: Record<string, string | boolean | undefined>): Promise<void> | void;
  /** Loads the data in a worker. */
  loadData(extra: Record<string, string | boolean | undefined>): Promise<Data>;
}

/** The message a parent sends a worker. */
export interface WorkerJob {
  experiment: string;
  backend: string;
  profile: string;
  seed: number;
  extra: Record<string, string | boolean | undefined>;
  /** Where the run keeps its checkpoint, and whether an existing one is continued (`--resume`). */
  checkpointFile?: string;
  resume?: boolean;
  /** Report where the run stands from its checkpoint, training nothing (`--partial`). */
  partial?: boolean;
}
