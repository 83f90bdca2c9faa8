import * as tf from '@tensorflow/tfjs-core';
import { glorotUniform } from '@gradkit/core';
import type { Cell, FusedGru } from '../cell';
import type { CellOptions } from './basicRnn';
import { assertPositiveInteger, projectJoined, splitParts, weight } from './parts';

/** GRU weights in Keras's layout (gate order z, r, h), which cuDNN and PyTorch's formulas share. */
export interface KerasGruWeights {
  /** [inputSize, 3·units] */
  kernel: tf.Tensor;
  /** [units, 3·units] */
  recurrentKernel: tf.Tensor;
  /** [3·units] (resetAfter false) or [2, 3·units]: input bias, recurrent bias (resetAfter true). */
  bias: tf.Tensor;
}

export interface GruOptions extends CellOptions {
  /**
   * Where the reset gate acts. `false` (TF1's GRUCell, R2RT post 3): c = tanh(x·W_h + (r ⊙ h)·U_h + b_h).
   * `true` (Keras's default, cuDNN, PyTorch): c = tanh(x·W_h + b_h + r ⊙ (h·U_h + b′_h)). Default true.
   */
  resetAfter?: boolean;
  /** Initial bias of the z and r gates (TF1's GRUCell: 1.0; Keras: 0). Default 0. */
  gateBias?: number;
  /** Start from Keras-layout weights (copied) instead of Glorot-uniform ones. */
  weights?: KerasGruWeights;
}

/**
 * Gated recurrent unit (Cho et al. 2014):
 *   z = σ(x·W_z + h·U_z + b_z),  r = σ(x·W_r + h·U_r + b_r),
 *   c = tanh(x·W_h + (r ⊙ h)·U_h + b_h)                (resetAfter false)
 *   c = tanh(x·W_h + b_h + r ⊙ (h·U_h + b′_h))         (resetAfter true; b′ is the recurrent bias)
 *   h′ = z ⊙ h + (1 − z) ⊙ c
 * With `weights` from a Keras GRU (`reset_after=True`, its default) it computes Keras's numbers.
 */
export function gruCell(options: GruOptions): Cell {
  const { inputSize, units, seed = 1, name = 'gru', resetAfter = true, gateBias = 0, weights, makeWeight } = options;
  assertPositiveInteger(inputSize, 'inputSize', 'gruCell');
  assertPositiveInteger(units, 'units', 'gruCell');
  if (weights != null) {
    const want = {
      kernel: [inputSize, 3 * units],
      recurrentKernel: [units, 3 * units],
      bias: resetAfter ? [2, 3 * units] : [3 * units],
    };
    for (const [k, shape] of Object.entries(want)) {
      const got = weights[k as keyof KerasGruWeights].shape;
      if (!tf.util.arraysEqual(got, shape))
        throw new Error(
          `gruCell: weights.${k} has shape [${got.join(',')}], expected [${shape.join(',')}] (Keras layout, resetAfter ${resetAfter})`,
        );
    }
  }
  const slice = (t: tf.Tensor, gate: number) => tf.slice(t, [0, gate * units], [-1, units]);
  const kernel = weight(
    `${name}/kernel`,
    () => (weights ? weights.kernel.clone() : glorotUniform([inputSize, 3 * units], seed)),
    makeWeight,
  );
  const uz = weight(
    `${name}/recurrent_z`,
    () => (weights ? slice(weights.recurrentKernel, 0) : glorotUniform([units, units], seed + 1)),
    makeWeight,
  );
  const ur = weight(
    `${name}/recurrent_r`,
    () => (weights ? slice(weights.recurrentKernel, 1) : glorotUniform([units, units], seed + 2)),
    makeWeight,
  );
  const uh = weight(
    `${name}/recurrent_h`,
    () => (weights ? slice(weights.recurrentKernel, 2) : glorotUniform([units, units], seed + 3)),
    makeWeight,
  );
  const inputBias = weight(
    `${name}/bias`,
    () => {
      if (weights) return resetAfter ? tf.reshape(tf.slice(weights.bias, [0, 0], [1, -1]), [-1]) : weights.bias.clone();
      return tf.concat([tf.fill([2 * units], gateBias), tf.zeros([units])]);
    },
    makeWeight,
  );
  // resetAfter: the recurrent bias b′ — its z and r parts add to the input transform (once per sequence), its h
  // part stays inside r ⊙ (h·U_h + b′_h).
  const recurrentBiasZR = resetAfter
    ? weight(
        `${name}/recurrent_bias_zr`,
        () => (weights ? tf.reshape(tf.slice(weights.bias, [1, 0], [1, 2 * units]), [-1]) : tf.zeros([2 * units])),
        makeWeight,
      )
    : null;
  const recurrentBiasH = resetAfter
    ? weight(
        `${name}/recurrent_bias_h`,
        () => (weights ? tf.reshape(tf.slice(weights.bias, [1, 2 * units], [1, units]), [-1]) : tf.zeros([units])),
        makeWeight,
      )
    : null;
  const variables = [
    kernel,
    uz,
    ur,
    uh,
    inputBias,
    ...(recurrentBiasZR && recurrentBiasH ? [recurrentBiasZR, recurrentBiasH] : []),
  ];
  const partWidths = [units, units, units];
  const fused: FusedGru = { kind: 'gru', recurrent: [uz, ur, uh], recurrentBiasH };
  // x·W + b for every gate; reset-after adds the recurrent bias's z and r parts here, once per sequence
  const projectAll = (x: tf.Tensor2D): tf.Tensor2D =>
    recurrentBiasZR
      ? tf.tidy(() => projectJoined(x, kernel, tf.add(inputBias, tf.concat([recurrentBiasZR, tf.zeros([units])]))))
      : projectJoined(x, kernel, inputBias);
  return {
    name,
    inputSize,
    units,
    stateSizes: [units],
    variables,
    partWidths,
    project: (x) => tf.tidy(() => splitParts(projectAll(x), partWidths)),
    projectJoined: projectAll,
    step: (parts, [h]) => gruStep(parts, h as tf.Tensor2D, fused),
    // whole sequences run as one kernel where the backend has one for this reset form (rnn() decides)
    fused,
    dispose: () => tf.dispose(variables),
  };
}

const mm = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);

/**
 * One GRU step, the formula every GRU kernel is tested against (parts [x_z, x_r, x_h], biases included):
 *   z = σ(x_z + h·U_z),  r = σ(x_r + h·U_r),  h′ = c + z ⊙ (h − c), with
 *   c = tanh(x_h + r ⊙ (h·U_h + b′_h))   (reset-after), or   c = tanh(x_h + (r ⊙ h)·U_h)   (reset-before: b′_h null)
 */
export function gruStep(
  parts: tf.Tensor2D[],
  h: tf.Tensor2D,
  { recurrent: [uz, ur, uh], recurrentBiasH }: FusedGru,
): { output: tf.Tensor2D; state: tf.Tensor2D[] } {
  const [xz, xr, xh] = parts as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const z = tf.sigmoid(tf.add(xz, mm(h, uz)));
  const r = tf.sigmoid(tf.add(xr, mm(h, ur)));
  const recurrentH = recurrentBiasH ? tf.mul(r, tf.add(mm(h, uh), recurrentBiasH)) : mm(tf.mul(r, h), uh);
  const c = tf.tanh(tf.add(xh, recurrentH));
  const next = tf.add(c, tf.mul(z, tf.sub(h, c))) as tf.Tensor2D;
  return { output: next, state: [next] };
}
