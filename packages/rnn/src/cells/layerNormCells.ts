import * as tf from '@tensorflow/tfjs-core';
import { glorotUniform } from '@gradkit/core';
import type { Cell, FusedLstm } from '../cell';
import type { CellOptions } from './basicRnn';
import { layerNorm, layerNormParams, type LayerNormParams } from './layerNorm';
import { lstmStep, type LstmOptions } from './lstm';
import { assertPositiveInteger, projectJoined, projectParts, weight } from './parts';

/**
 * The layer-normalized LSTM of R2RT post 3: the joint linear map has no bias (LN's shift plays that role); each
 * gate pre-activation is normalized separately; the stored cell state is not normalized:
 *   [i, j, f, o] = LN_g(x·W_g + h·U_g) for g ∈ {i, j, f, o}
 *   c′ = c ⊙ σ(f + forgetBias) + σ(i) ⊙ tanh(j),  h′ = tanh(LN_c(c′)) ⊙ σ(o)
 */
export function layerNormLstmCell(options: LstmOptions): Cell {
  const { inputSize, units, seed = 1, name = 'ln_lstm', forgetBias = 1, makeWeight } = options;
  assertPositiveInteger(inputSize, 'inputSize', 'layerNormLstmCell');
  assertPositiveInteger(units, 'units', 'layerNormLstmCell');
  const kernel = weight(`${name}/kernel`, () => glorotUniform([inputSize, 4 * units], seed), makeWeight);
  const recurrent = [0, 1, 2, 3].map((g) =>
    weight(`${name}/recurrent_${'ijfo'[g]}`, () => glorotUniform([units, units], seed + 1 + g), makeWeight),
  ) as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const norms = ['i', 'j', 'f', 'o', 'c'].map((g) => layerNormParams(`${name}/ln_${g}`, units, makeWeight)) as [
    LayerNormParams,
    LayerNormParams,
    LayerNormParams,
    LayerNormParams,
    LayerNormParams,
  ];
  const variables = [kernel, ...recurrent, ...norms.flatMap((n) => [n.alpha, n.beta])];
  const fused: FusedLstm = {
    kind: 'lstm',
    recurrent,
    forgetBias,
    layerNorm: { gates: [norms[0], norms[1], norms[2], norms[3]], cell: norms[4], epsilon: 1e-5 },
  };
  return {
    name,
    inputSize,
    units,
    stateSizes: [units, units],
    variables,
    partWidths: [units, units, units, units],
    project: (x) => projectParts(x, kernel, null, [units, units, units, units]),
    projectJoined: (x) => projectJoined(x, kernel, null),
    step: (parts, [c, h]) => lstmStep(parts, c as tf.Tensor2D, h as tf.Tensor2D, fused),
    // whole sequences run as one kernel where the backend has one (rnn() decides)
    fused,
    dispose: () => tf.dispose(variables),
  };
}

/**
 * A layer-normalized GRU (the post suggests one; this is ours): the gate pre-activations and the candidate's
 * recurrent term are normalized separately, no biases in the linear maps:
 *   z = σ(LN_z(x·W_z + h·U_z)),  r = σ(LN_r(x·W_r + h·U_r)),
 *   c = tanh(LN_x(x·W_h) + r ⊙ LN_h(h·U_h)),  h′ = z ⊙ h + (1 − z) ⊙ c
 */
export function layerNormGruCell(options: CellOptions): Cell {
  const { inputSize, units, seed = 1, name = 'ln_gru', makeWeight } = options;
  assertPositiveInteger(inputSize, 'inputSize', 'layerNormGruCell');
  assertPositiveInteger(units, 'units', 'layerNormGruCell');
  const kernel = weight(`${name}/kernel`, () => glorotUniform([inputSize, 3 * units], seed), makeWeight);
  const recurrent = [0, 1, 2].map((g) =>
    weight(`${name}/recurrent_${'zrh'[g]}`, () => glorotUniform([units, units], seed + 1 + g), makeWeight),
  );
  const norms = ['z', 'r', 'x', 'h'].map((g) => layerNormParams(`${name}/ln_${g}`, units, makeWeight));
  const variables = [kernel, ...recurrent, ...norms.flatMap((n) => [n.alpha, n.beta])];
  const mm = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
  return {
    name,
    inputSize,
    units,
    stateSizes: [units],
    variables,
    project: (x) =>
      tf.tidy(() => {
        const [xz, xr, xh] = projectParts(x, kernel, null, [units, units, units]) as [
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
        ];
        // LN_x normalizes each row of x·W_h: done for every time step at once
        return [xz, xr, layerNorm(xh, norms[2] as never) as tf.Tensor2D];
      }),
    step([xz, xr, xhNormed], [h]) {
      const hs = h as tf.Tensor2D;
      const z = tf.sigmoid(layerNorm(tf.add(xz as tf.Tensor, mm(hs, recurrent[0] as tf.Tensor)), norms[0] as never));
      const r = tf.sigmoid(layerNorm(tf.add(xr as tf.Tensor, mm(hs, recurrent[1] as tf.Tensor)), norms[1] as never));
      const c = tf.tanh(
        tf.add(xhNormed as tf.Tensor, tf.mul(r, layerNorm(mm(hs, recurrent[2] as tf.Tensor), norms[3] as never))),
      );
      const next = tf.add(c, tf.mul(z, tf.sub(hs, c))) as tf.Tensor2D;
      return { output: next, state: [next] };
    },
    dispose: () => tf.dispose(variables),
  };
}
