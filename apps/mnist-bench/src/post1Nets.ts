import * as tf from '@tensorflow/tfjs-core';
import {
  batchNorm,
  createPopulationStatistics,
  disposePopulationStatistics,
  type PopulationStatistics,
} from '@gradkit/batchnorm';

/** One layer of post 1's nets: its weights, and in the BN net's hidden layers γ, β and population statistics instead of a bias. */
export interface Post1Layer {
  w: tf.Variable;
  b?: tf.Variable;
  gamma?: tf.Variable;
  beta?: tf.Variable;
  stats?: PopulationStatistics;
}

/** Batch statistics while training (with how the population statistics update), or the population statistics. */
export type Post1Mode = { training: true; update: 'ema' | 'cumulative' | 'none' } | { training: false };

/**
 * Post 1's net for `sizes` (784-100-100-10 in the post) from the given initial weights (the post draws N(0, 1) once
 * and gives both nets the same): sigmoid hidden layers with a bias, or — `withBn` — batch norm (γ, β, population
 * statistics named `<statsName><i>`) in place of the bias; a linear output layer with a bias.
 */
export function post1Net(sizes: number[], initial: Float32Array[], withBn: boolean, statsName?: string): Post1Layer[] {
  const variable = (make: () => tf.Tensor) => tf.tidy(() => tf.variable(make()));
  return sizes.slice(1).map((out, i) => {
    const w = variable(() => tf.tensor2d(initial[i] as Float32Array, [sizes[i] as number, out]));
    return withBn && i < sizes.length - 2
      ? {
          w,
          gamma: variable(() => tf.ones([out])),
          beta: variable(() => tf.zeros([out])),
          stats: createPopulationStatistics(out, statsName == null ? undefined : `${statsName}${i}`),
        }
      : { w, b: variable(() => tf.zeros([out])) };
  });
}

/**
 * The logits of a post 1 net: h ← sigmoid(h·W + b), or sigmoid(BN(h·W)) with γ and β, for each hidden layer, then
 * h·W + b. `upTo`: stop at that hidden layer's sigmoid input (what the post's third figure plots for layer 2).
 */
export function post1Forward(
  layers: Post1Layer[],
  x: tf.Tensor2D,
  mode: Post1Mode,
  decay: number,
  upTo?: number,
): tf.Tensor2D {
  let h: tf.Tensor2D = x;
  for (const [i, l] of layers.entries()) {
    const z = tf.matMul(h, l.w);
    if (i === layers.length - 1) return tf.add(z, l.b as tf.Tensor) as tf.Tensor2D;
    const input = (
      l.stats
        ? batchNorm(z, { gamma: l.gamma, beta: l.beta }, l.stats, { ...mode, decay })
        : tf.add(z, l.b as tf.Tensor)
    ) as tf.Tensor2D;
    if (i === upTo) return input;
    h = tf.sigmoid(input) as tf.Tensor2D;
  }
  return h;
}

/** The trainable variables of a post 1 net (weights, biases, γ, β). */
export function post1Variables(layers: Post1Layer[]): tf.Variable[] {
  return layers.flatMap((l) => [l.w, l.b, l.gamma, l.beta].filter((v): v is tf.Variable => v != null));
}

/** Frees a post 1 net: its variables and population statistics. */
export function disposePost1Net(layers: Post1Layer[]): void {
  tf.dispose(post1Variables(layers));
  layers.forEach((l) => l.stats && disposePopulationStatistics(l.stats));
}
