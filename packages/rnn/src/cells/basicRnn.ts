import * as tf from '@tensorflow/tfjs-core';
import { glorotUniform } from '@gradkit/core';
import type { Cell } from '../cell';
import { assertPositiveInteger, projectParts, weight, type WeightFactory } from './parts';

export interface CellOptions {
  inputSize: number;
  units: number;
  /** Seed of the Glorot-uniform weights (default 1). */
  seed?: number;
  name?: string;
  /** Where the weights come from (default: tf.variable); the RNN layer passes tf.layers' addWeight. */
  makeWeight?: WeightFactory;
}

/**
 * The basic RNN cell of R2RT post 2: s_t = tanh(W·[x_t; s_{t−1}] + b), written as tanh(x_t·W_x + b + s_{t−1}·W_s).
 * Output = state. W Glorot-uniform, b = 0.
 */
export function basicRnnCell(options: CellOptions): Cell {
  const { inputSize, units, seed = 1, name = 'basic_rnn', makeWeight } = options;
  assertPositiveInteger(inputSize, 'inputSize', 'basicRnnCell');
  assertPositiveInteger(units, 'units', 'basicRnnCell');
  const kernel = weight(`${name}/kernel`, () => glorotUniform([inputSize, units], seed), makeWeight);
  const recurrent = weight(`${name}/recurrent_kernel`, () => glorotUniform([units, units], seed + 1), makeWeight);
  const bias = weight(`${name}/bias`, () => tf.zeros([units]), makeWeight);
  const variables = [kernel, recurrent, bias];
  return {
    name,
    inputSize,
    units,
    stateSizes: [units],
    variables,
    project: (x) => projectParts(x, kernel, bias, [units]),
    step([xs], [s]) {
      const next = tf.tanh(
        tf.add(xs as tf.Tensor2D, tf.matMul(s as tf.Tensor2D, recurrent as tf.Tensor2D)),
      ) as tf.Tensor2D;
      return { output: next, state: [next] };
    },
    dispose: () => tf.dispose(variables),
  };
}
