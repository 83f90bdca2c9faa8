import * as tf from '@tensorflow/tfjs-core';
import { glorotUniform } from '@gradkit/core';
import type { Cell } from '../cell';
import { assertPositiveInteger, projectParts, weight } from './parts';
import type { CellOptions } from './basicRnn';

export interface MixtureGruOptions extends CellOptions {
  /** n, the number of input transforms mixed (the post: 5). */
  transforms?: number;
}

/**
 * R2RT post 3's custom cell, "GRU with a mixture of input transforms" — the worked example of writing a cell:
 *   u, r = σ(x·W_g + h·U_g + b_g) with b_g starting at 1.0 (TF1's GRUCell gates),
 *   λ = softmax(x·W_avg + h·U_avg + b_avg) over n transforms,
 *   c = tanh(Σᵢ λᵢ·(x·Wᵢ) + (r ⊙ h)·U + b),  h′ = u ⊙ h + (1 − u) ⊙ c.
 * Every x product (gates, the n transforms, the mixing logits) is part of `project`, so each step only does the
 * h products.
 */
export function mixtureGruCell(options: MixtureGruOptions): Cell {
  const { inputSize, units, seed = 1, name = 'mixture_gru', transforms: n = 5, makeWeight } = options;
  assertPositiveInteger(inputSize, 'inputSize', 'mixtureGruCell');
  assertPositiveInteger(units, 'units', 'mixtureGruCell');
  assertPositiveInteger(n, 'transforms', 'mixtureGruCell');
  const width = 2 * units + n * units + n;
  const kernel = weight(`${name}/kernel`, () => glorotUniform([inputSize, width], seed), makeWeight);
  const bias = weight(`${name}/bias`, () => tf.concat([tf.ones([2 * units]), tf.zeros([n * units + n])]), makeWeight);
  const ug = [0, 1].map((g) =>
    weight(`${name}/recurrent_${'ur'[g]}`, () => glorotUniform([units, units], seed + 1 + g), makeWeight),
  );
  const uAvg = weight(`${name}/recurrent_avg`, () => glorotUniform([units, n], seed + 3), makeWeight);
  const u = weight(`${name}/recurrent_c`, () => glorotUniform([units, units], seed + 4), makeWeight);
  const bc = weight(`${name}/bias_c`, () => tf.zeros([units]), makeWeight);
  const variables = [kernel, bias, ...ug, uAvg, u, bc];
  const mm = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
  return {
    name,
    inputSize,
    units,
    stateSizes: [units],
    variables,
    project: (x) =>
      tf.tidy(() => {
        const [xu, xr, xw, xa] = projectParts(x, kernel, bias, [units, units, n * units, n]) as tf.Tensor2D[];
        return [xu, xr, xw, xa] as tf.Tensor2D[];
      }),
    step([xu, xr, xw, xa], [h]) {
      const hs = h as tf.Tensor2D;
      const gu = tf.sigmoid(tf.add(xu as tf.Tensor, mm(hs, ug[0] as tf.Tensor)));
      const gr = tf.sigmoid(tf.add(xr as tf.Tensor, mm(hs, ug[1] as tf.Tensor)));
      const lambda = tf.softmax(tf.add(xa as tf.Tensor, mm(hs, uAvg)));
      // Σᵢ λᵢ·(x·Wᵢ): [batch, n, units] weighted by [batch, n, 1]
      const batch = hs.shape[0];
      const mixed = tf.sum(tf.mul(tf.reshape(xw as tf.Tensor, [batch, n, units]), tf.expandDims(lambda, 2)), 1);
      const c = tf.tanh(tf.add(tf.add(mixed, mm(tf.mul(gr, hs), u)), bc));
      const next = tf.add(c, tf.mul(gu, tf.sub(hs, c))) as tf.Tensor2D;
      return { output: next, state: [next] };
    },
    dispose: () => tf.dispose(variables),
  };
}
