import * as tf from '@tensorflow/tfjs-core';
import { uniqueVariableName } from '@gradkit/core';
import type { WeightFactory } from '@gradkit/rnn';

/**
 * The posts' TensorFlow (≤ 1.0) initial weights, where `tf.get_variable`'s default initializer was
 * UniformUnitScaling: uniform ±√(3/fan_in), fan_in being the product of all dimensions but the last.
 * - a cell's weights: `_linear` draws one joint [input + units, k·units] matrix, so input and recurrent weights
 *   alike are ±√(3/(input + units)) (`tf1Weights(input + units, seed)` as a cell's `makeWeight`; biases as the cell has them);
 * - an embedding table [vocabulary, size]: ±√(3/vocabulary) ({@link tf1Limit}(vocabulary));
 * - a softmax matrix [units, classes]: ±√(3/units).
 */
export function tf1Limit(fanIn: number): number {
  return Math.sqrt(3 / fanIn);
}

export function tf1Weights(fanIn: number, seed: number): WeightFactory {
  let k = 0;
  return (name, init) =>
    tf.tidy(() => {
      const initial = init();
      const limit = tf1Limit(fanIn);
      const value = /\/(kernel|recurrent_kernel|recurrent_[a-z])$/.test(name)
        ? tf.randomUniform(initial.shape, -limit, limit, 'float32', seed + 1000 + k++)
        : initial;
      return tf.variable(value, true, uniqueVariableName(`${name}_tf1`));
    });
}
