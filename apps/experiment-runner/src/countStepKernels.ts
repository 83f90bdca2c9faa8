import * as tf from '@tensorflow/tfjs-core';
import { warmUp } from './countStepPrograms';
import type { StepContender } from './timeTrainingSteps';

/**
 * A benchmark's measure, not a test: the tfjs kernels one training step of each contender runs through the engine
 * (forward, backward and optimizer update, as `timeTrainingSteps` runs it), counted by `tf.profile` after `warmup`
 * uncounted steps, on any backend. A kernel that does its work in one host loop counts once; kernels a kernel runs
 * on its backend directly (not through the engine) are not counted. The optimizers are made and freed here.
 */
export async function countStepKernels(
  contenders: StepContender[],
  warmup = 1,
  makeOptimizer: () => tf.Optimizer = () => tf.train.adam(1e-3),
): Promise<number[]> {
  const counts: number[] = [];
  for (const c of contenders) {
    const optimizer = c.optimizer?.() ?? makeOptimizer();
    try {
      await warmUp(c, optimizer, warmup);
      const info = await tf.profile(() => {
        const loss = optimizer.minimize(c.loss, true, c.vars) as tf.Scalar;
        loss.dispose();
      });
      counts.push(info.kernels.length);
    } finally {
      optimizer.dispose();
    }
  }
  return counts;
}
