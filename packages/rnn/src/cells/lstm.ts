import * as tf from '@tensorflow/tfjs-core';
import { glorotUniform } from '@gradkit/core';
import type { Cell, FusedLstm } from '../cell';
import type { CellOptions } from './basicRnn';
import { layerNorm } from './layerNorm';
import { assertPositiveInteger, projectJoined, splitParts, weight } from './parts';

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
  const fused: FusedLstm = { kind: 'lstm', recurrent, forgetBias: 0 };
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
    step: (parts, [c, h]) => lstmStep(parts, c as tf.Tensor2D, h as tf.Tensor2D, fused),
    // whole sequences run as one kernel where the backend has one (rnn() decides); the forget bias is in the projection
    fused,
    dispose: () => tf.dispose(variables),
  };
}

/**
 * One LSTM step, the formula every LSTM kernel is tested against (parts [x_i, x_j, x_f, x_o], biases included):
 *   a_g = x_g + h·U_g,  ã_g = a_g or LN_g(a_g),  c′ = c ⊙ σ(ã_f + forgetBias) + σ(ã_i) ⊙ tanh(ã_j),
 *   h′ = tanh(c′) ⊙ σ(ã_o), or tanh(LN_c(c′)) ⊙ σ(ã_o) with layer normalization
 */
export function lstmStep(
  parts: tf.Tensor2D[],
  c: tf.Tensor2D,
  h: tf.Tensor2D,
  { recurrent, forgetBias, layerNorm: ln }: FusedLstm,
): { output: tf.Tensor2D; state: tf.Tensor2D[] } {
  const [i, j, f, o] = parts.map((p, g) => {
    const a = tf.add(p, tf.matMul(h, recurrent[g] as tf.Tensor2D));
    return ln ? layerNorm(a, ln.gates[g] as never, ln.epsilon) : a;
  }) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const forget = tf.sigmoid(forgetBias === 0 ? f : tf.add(f, forgetBias));
  const cNext = tf.add(tf.mul(c, forget), tf.mul(tf.sigmoid(i), tf.tanh(j))) as tf.Tensor2D;
  const hNext = tf.mul(tf.tanh(ln ? layerNorm(cNext, ln.cell, ln.epsilon) : cNext), tf.sigmoid(o)) as tf.Tensor2D;
  return { output: hNext, state: [cNext, hNext] };
}
