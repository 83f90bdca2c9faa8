import type { BackendStatus } from '@gradkit/backends';
import type { DataIdentity } from './bench';
import type { RunCheckpoint } from './checkpoint/storage';

/** A number a post reports, that a run's primary metric is compared with. */
export interface Reference {
  /** The value the post reports. */
  value: number;
  /** Where it comes from, e.g. "post 1, wrapper model after 10,000 steps". */
  source: string;
  /** The profile whose setting matches the post's (comparisons in other profiles are indicative only). */
  profile: string;
}

/** One learning curve: a metric against training steps. */
export interface Curve {
  /** Legend entry, e.g. "test accuracy" or "with BN". */
  series: string;
  metric: string;
  points: Array<{ step: number; value: number }>;
}

/** What an experiment's run returns; the worker adds timing and memory. */
export interface RunOutput {
  /** The figure compared with the reference (e.g. final test accuracy). */
  primary: { metric: string; value: number };
  /** Further metrics shown in the JSON and Markdown reports. */
  metrics?: Record<string, number>;
  curves?: Curve[];
  /** Durations of timed training steps, in milliseconds (after warm-up). */
  stepTimesMs: number[];
  /** Training examples per timed step. */
  examplesPerStep: number;
  notes?: string[];
}

/** What an experiment receives besides its configuration and data. */
export interface RunContext {
  backend: BackendStatus;
  seed: number;
  profile: string;
  /** Reports progress to the parent's progress bar. */
  progress(done: number, total: number): void;
  /** Records the engine's live tensor count for the peak-tensors column. */
  sampleMemory(): void;
  /** A line for the log (shown under the progress bar). */
  log(message: string): void;
  /**
   * This run's checkpoint (given by the runner; absent in tests that build a context by hand). Long runs save
   * after each epoch with `saveTraining` and start with `loadTraining`, so that `--resume` continues them.
   */
  checkpoint?: RunCheckpoint;
}

/**
 * An experiment: a model, optimizer and schedule per profile, and the post's figure. A bench registers its
 * experiments in a {@link ExperimentRegistry}; the runner never needs to change to add one.
 */
export interface Experiment<Data = unknown, Config = unknown> {
  name: string;
  /** For reports; a function of the data where the title names its shape (e.g. the input size of an MLP). */
  title: string | ((data: Data) => string);
  /** Whether it runs when `--experiments` is not given. */
  inDefaultSet: boolean;
  /** The configuration for each profile (`quick`, `paper`, `smoke`, …). */
  profiles: Record<string, Config>;
  reference?: Reference;
  run(ctx: RunContext, config: Config, data: Data): Promise<RunOutput>;
}

/** One finished run, as written to `runs/<id>.json` and gathered into the report. */
export interface RunRecord {
  id: string;
  experiment: string;
  title: string;
  /** What the run was trained on (absent in records written before runs were keyed by their data). */
  data?: DataIdentity;
  backend: string;
  device: string;
  profile: string;
  seed: number;
  config: unknown;
  primary: { metric: string; value: number };
  reference?: Reference;
  metrics: Record<string, number>;
  curves: Curve[];
  msPerStepMedian: number | null;
  examplesPerSecond: number | null;
  timedSteps: number;
  wallSeconds: number;
  peakTensors: number;
  peakRssMb: number;
  notes: string[];
  finishedAt: string;
  /** Set on a `--partial` report of an unfinished run: how far it had got, e.g. "after epoch 9 of 20". */
  partial?: string;
}
