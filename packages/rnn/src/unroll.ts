import * as tf from '@tensorflow/tfjs-core';
import { stackSteps, timeSteps } from './timeSteps';

/** One step of a recurrence: this step's parts of the joined projection and the state → output and next state. */
export type StepFn = (parts: tf.Tensor2D[], state: tf.Tensor2D[]) => { output: tf.Tensor2D; state: tf.Tensor2D[] };

/**
 * Unrolls a step over a time-major joined projection [T, batch, Σk] (the parts of widths kᵢ side by side): each
 * step takes its [batch, Σk] block, splits it into parts and steps. With `masks` [T, batch, 1] (bool, true = valid)
 * a row past its length outputs 0 and keeps its state: m ⊙ output, where(m, state′, state). Returns the outputs
 * [T, batch, units] and the final state. This is the reference every whole-sequence kernel is tested against.
 */
export function unroll(
  step: StepFn,
  joined: tf.Tensor3D,
  widths: number[],
  state0: tf.Tensor2D[],
  masks: tf.Tensor | null,
): { outputs: tf.Tensor3D; final: tf.Tensor2D[] } {
  const time = joined.shape[0];
  const steps = timeSteps(joined) as tf.Tensor2D[];
  const stepMasks = masks == null ? null : timeSteps(masks);
  const outputs: tf.Tensor2D[] = [];
  let state = state0;
  for (let t = 0; t < time; t++) {
    const block = steps[t] as tf.Tensor2D;
    const parts = widths.length === 1 ? [block] : (tf.split(block, widths, 1) as tf.Tensor2D[]);
    const { output, state: next } = step(parts, state);
    if (stepMasks == null) {
      outputs.push(output);
      state = next;
    } else {
      const m = stepMasks[t] as tf.Tensor; // [batch, 1] bool
      outputs.push(tf.mul(output, tf.cast(m, 'float32')) as tf.Tensor2D);
      state = next.map((s, i) => tf.where(tf.broadcastTo(m, s.shape), s, state[i] as tf.Tensor2D) as tf.Tensor2D);
    }
  }
  return { outputs: stackSteps(outputs) as tf.Tensor3D, final: state };
}

/** {@link unroll} over a batch-major joined projection [batch, T, Σk] and masks [batch, T, 1]; outputs [batch, T, units]. */
export function unrollBatchMajor(
  step: StepFn,
  joined: tf.Tensor3D,
  widths: number[],
  state0: tf.Tensor2D[],
  masks: tf.Tensor | null,
): { outputs: tf.Tensor3D; final: tf.Tensor2D[] } {
  const swap = <T extends tf.Tensor>(t: T) => tf.transpose(t, [1, 0, 2]) as T;
  // the masks are swapped as float32 values made by `where`: tfjs-backend-webgpu 4.22 transposes a rank-3 bool tensor
  // that lives on the GPU to all false (its general transpose program), and its casts from bool to int32 or float32
  // keep the bool buffer, which the transpose then reads the same way (unroll.test.ts pins it)
  const swapMasks = (m: tf.Tensor) => tf.greater(swap(tf.where(m, tf.ones(m.shape), tf.zeros(m.shape))), 0.5);
  const { outputs, final } = unroll(step, swap(joined), widths, state0, masks && swapMasks(masks));
  return { outputs: swap(outputs), final };
}
