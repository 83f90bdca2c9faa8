import * as tf from '@tensorflow/tfjs-core';
import type { RunContext } from './experiment';

/** One way of taking a training step: its loss (built inside the step) and the variables it trains. */
export interface StepContender {
  name: string;
  loss: () => tf.Scalar;
  vars: tf.Variable[];
  /** Its own optimizer (e.g. gradkit's fused Adam for "ours"); default: the benchmark's `makeOptimizer`. */
  optimizer?: () => tf.Optimizer;
}

/**
 * A benchmark's core, not a test: one optimizer step of each contender, interleaved step by step (so machine noise
 * hits all of them alike), `warmup` untimed rounds then `timed` timed ones. Each step is timed from the call to
 * `minimize` until its loss has been read back. Reports progress and samples memory once per round. Returns the
 * timed step durations (ms) per contender, in order; the optimizers (one per contender: its own, else
 * `makeOptimizer`, default Adam 1e-3) are made and freed here.
 */
export async function timeTrainingSteps(
  ctx: Pick<RunContext, 'progress' | 'sampleMemory'>,
  contenders: StepContender[],
  rounds: { warmup: number; timed: number },
  makeOptimizer: () => tf.Optimizer = () => tf.train.adam(1e-3),
): Promise<number[][]> {
  const optimizers = contenders.map((c) => c.optimizer?.() ?? makeOptimizer());
  const times = contenders.map((): number[] => []);
  const total = rounds.warmup + rounds.timed;
  try {
    for (let i = 0; i < total; i++) {
      for (const [k, c] of contenders.entries()) {
        const start = performance.now();
        const loss = (optimizers[k] as tf.Optimizer).minimize(c.loss, true, c.vars) as tf.Scalar;
        await loss.data();
        if (i >= rounds.warmup) (times[k] as number[]).push(performance.now() - start);
        loss.dispose();
      }
      ctx.sampleMemory();
      ctx.progress(i + 1, total);
    }
  } finally {
    optimizers.forEach((o) => o.dispose());
  }
  return times;
}
