import * as tf from '@tensorflow/tfjs-core';
import { glorotUniform } from '@gradkit/core';
import { assertPositiveInteger, projectJoined, splitParts, weight, type Cell } from '../cell';
import type { CellOptions } from './basicRnn';
import { isHostMemoryBackend } from './hostLoops';
import { lstmSequenceHost } from './lstmSequenceHost';

export interface LstmOptions extends CellOptions {
  /** Added to the forget gate's pre-activation (TF's BasicLSTMCell and R2RT post 3: 1.0). Default 1. */
  forgetBias?: number;
}

/**
 * Long short-term memory (TF's BasicLSTMCell, as R2RT post 3 uses it), state (c, h):
 *   [i, j, f, o] = x·W + h·U + b
 *   c′ = c ⊙ σ(f + forgetBias) + σ(i) ⊙ tanh(j),  h′ = tanh(c′) ⊙ σ(o)
 */
export function lstmCell(options: LstmOptions): Cell {
  const { inputSize, units, seed = 1, name = 'lstm', forgetBias = 1, makeWeight } = options;
  assertPositiveInteger(inputSize, 'inputSize', 'lstmCell');
  assertPositiveInteger(units, 'units', 'lstmCell');
  const kernel = weight(`${name}/kernel`, () => glorotUniform([inputSize, 4 * units], seed), makeWeight);
  const recurrent = [0, 1, 2, 3].map((g) =>
    weight(`${name}/recurrent_${'ijfo'[g]}`, () => glorotUniform([units, units], seed + 1 + g), makeWeight),
  ) as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const bias = weight(`${name}/bias`, () => tf.zeros([4 * units]), makeWeight);
  const variables = [kernel, ...recurrent, bias];
  const partWidths = [units, units, units, units];
  // [i, j, f, o] = x·W + b, with the forget bias added to f
  const projectAll = (x: tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(() =>
      projectJoined(
        x,
        kernel,
        tf.add(bias, tf.concat([tf.zeros([2 * units]), tf.fill([units], forgetBias), tf.zeros([units])])),
      ),
    );
  return {
    name,
    inputSize,
    units,
    stateSizes: [units, units],
    variables,
    partWidths,
    project: (x) => tf.tidy(() => splitParts(projectAll(x), partWidths)),
    projectJoined: projectAll,
    step(parts, [c, h]) {
      const [i, j, f, o] = parts.map((p, g) => tf.add(p, tf.matMul(h as tf.Tensor2D, recurrent[g] as tf.Tensor2D))) as [
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
      ];
      const cNext = tf.add(tf.mul(c as tf.Tensor, tf.sigmoid(f)), tf.mul(tf.sigmoid(i), tf.tanh(j))) as tf.Tensor2D;
      const hNext = tf.mul(tf.tanh(cNext), tf.sigmoid(o)) as tf.Tensor2D;
      return { output: hNext, state: [cNext, hNext] };
    },
    // On cpu and wasm whole sequences run through one hand-differentiated node (lstmSequenceHost.ts); elsewhere
    // rnn() runs `step`.
    sequenceBatchMajor: (joined, [c0, h0], masks) =>
      lstmSequenceHost(joined, c0 as tf.Tensor2D, h0 as tf.Tensor2D, recurrent, masks),
    sequenceBatchMajorAvailable: isHostMemoryBackend,
    dispose: () => tf.dispose(variables),
  };
}
