import * as tf from '@tensorflow/tfjs-core';
import { canCountGpuPrograms, countGpuPrograms } from '@gradkit/backends';
import type { StepContender } from './timeTrainingSteps';

/**
 * A benchmark's measure, not a test: the GPU programs (webgpu compute dispatches, webgl draw calls) one training step
 * of each contender dispatches — forward, backward and optimizer update, as `timeTrainingSteps` runs it — counted
 * after `warmup` uncounted steps (slots made, shaders compiled). Returns one count per contender, or nulls on a
 * backend without GPU programs (cpu, wasm). The optimizers are made and freed here.
 */
export async function countStepPrograms(
  contenders: StepContender[],
  warmup = 2,
  makeOptimizer: () => tf.Optimizer = () => tf.train.adam(1e-3),
): Promise<(number | null)[]> {
  if (!canCountGpuPrograms()) return contenders.map(() => null);
  const counts: number[] = [];
  for (const c of contenders) {
    const optimizer = c.optimizer?.() ?? makeOptimizer();
    try {
      await warmUp(c, optimizer, warmup);
      const counter = countGpuPrograms();
      const loss = optimizer.minimize(c.loss, true, c.vars) as tf.Scalar;
      counts.push(counter.stop());
      await loss.data();
      loss.dispose();
    } finally {
      optimizer.dispose();
    }
  }
  return counts;
}

/** `steps` uncounted training steps of a contender (slots made, kernels compiled), each read back. */
export async function warmUp(c: StepContender, optimizer: tf.Optimizer, steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) {
    const loss = optimizer.minimize(c.loss, true, c.vars) as tf.Scalar;
    await loss.data();
    loss.dispose();
  }
}
