import type * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from 'mnist-bench/browser';

/** The page's data, loaded on first use and kept (a run that needs no text reads none). */
export interface PageData {
  mnist(): Promise<Dataset>;
  text(): Promise<string>;
}

/** A choice an experiment offers beside the common controls (e.g. the estimator of a binary neuron). */
export interface Choice {
  id: string;
  label: string;
  options: Array<{ value: string; label: string }>;
  initial: string;
}

/** What an experiment gets to build its networks. */
export interface TrainerContext {
  data: PageData;
  seed: number;
  /** Training steps of this run. */
  steps: number;
  /** The value of each of the experiment's {@link Choice}s. */
  choices: Record<string, string>;
  /** An element the experiment may draw into (generated text, digits and their predictions); emptied per run. */
  view: HTMLElement;
}

/** The last evaluation's metrics, keys "metric | series" (as mnist-bench's runTraining records them). */
export type Metrics = Record<string, number>;

/**
 * One run's networks, stepped by the page (mnist-bench's `runTraining`): every step trains each network of the
 * experiment once on the same batch; `evaluate` runs before the first step, every `evalEvery` steps and after the
 * last. The trainer owns its tensors: `dispose` frees every one of them, whether the run finished or not.
 */
export interface Trainer {
  /** The settings of this run, as the results record them. */
  config: Record<string, unknown>;
  examplesPerStep: number;
  evalEvery: number;
  /** One step; returns a loss the page reads (and disposes) to time the step. */
  step(index: number): tf.Scalar | Promise<tf.Scalar>;
  evaluate(): Promise<Metrics>;
  /** After the last step: the figure of the run, further metrics and notes; may draw into the view. */
  finish(final: Metrics): Promise<{ primary: { metric: string; value: number }; metrics: Metrics; notes: string[] }>;
  dispose(): void;
}

/** An experiment of the page: one of the posts' models, a quick length, and how to build a run. */
export interface PlaygroundExperiment {
  name: string;
  title: string;
  /** Which post it comes from. */
  post: string;
  /** What it shows, for the reader (plain text). */
  about: string;
  /** Training steps of a quick run (tens of seconds on webgl and wasm in a software-rendered browser). */
  quickSteps: number;
  /** The data it trains on (loaded before the run starts, so a run's time is training time). */
  data: 'mnist' | 'text';
  /** The x axis of its learning curves. */
  xTitle?: string;
  choices?: Choice[];
  create(ctx: TrainerContext): Promise<Trainer>;
}

/** About ten evaluations over a run (at least every step of a very short one). */
export function evaluationsEvery(steps: number, evaluations = 10): number {
  return Math.max(1, Math.round(steps / evaluations));
}

/** A bench experiment's profile (its settings for that length); a missing one is a one-line error. */
export function benchProfile<Config>(e: { name: string; profiles: Record<string, Config> }, name = 'quick'): Config {
  const profile = e.profiles[name];
  if (profile == null)
    throw new Error(
      `${e.name} has no profile ${JSON.stringify(name)}: expected one of ${Object.keys(e.profiles).join(', ')}`,
    );
  return profile;
}
