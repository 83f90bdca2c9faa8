import * as tf from '@tensorflow/tfjs-core';
import { withSurrogateGradient } from '@gradkit/core';
import { toStream, type Randomness } from './noise';

/**
 * How a one-hot neuron's sample is differentiated:
 * - `'straight-through'` (R2RT post 6): forward a sample from softmax(z/τ) (or the argmax); backward as if the
 *   output were ŷ = softmax(z/τ): the identity onto ŷ, then the softmax Jacobian.
 * - `'gumbel-softmax'` (Jang et al. 2017, straight-through / "hard"): y = softmax((z + G)/τ) with Gumbel noise G;
 *   forward onehot(argmax y), backward through y.
 * - `'gumbel-softmax-relaxed'`: forward and backward y itself (the Concrete relaxation; not one-hot).
 */
export type OneHotEstimator = 'straight-through' | 'gumbel-softmax' | 'gumbel-softmax-relaxed';

export interface OneHotNeuronOptions {
  /** d, the categories per neuron; the last axis of z is k·d for k neurons. */
  categories: number;
  /** τ (default 1); see SlopeAnnealing.temperatureFor. */
  temperature?: number;
  /** Sample (default) or take the argmax. */
  stochastic?: boolean;
  estimator?: OneHotEstimator;
  randomness?: Randomness;
}

/**
 * A layer of k one-hot neurons of d categories each (R2RT post 6). `z` is [batch, k·d] (e.g. W·x + b); each
 * group of d logits is one neuron. Sampling uses the Gumbel-max trick, argmax(z/τ + G) ~ Categorical(softmax(z/τ)),
 * which every backend runs (no multinomial kernel needed), seeded by `randomness`. Returns [batch, k·d] with one 1
 * per group. The caller owns the result.
 */
export function oneHotNeuron(z: tf.Tensor, options: OneHotNeuronOptions): tf.Tensor {
  const d = options.categories;
  const tau = options.temperature ?? 1;
  const estimator = options.estimator ?? 'straight-through';
  if (!Number.isInteger(d) || d < 2) throw new RangeError(`oneHotNeuron: categories = ${d}, expected an integer ≥ 2`);
  if (z.rank !== 2 || (z.shape[1] as number) % d !== 0) {
    throw new Error(
      `oneHotNeuron: z has shape [${z.shape.join(',')}], expected [batch, k·${d}] (a multiple of categories = ${d})`,
    );
  }
  if (!(Number.isFinite(tau) && tau > 0))
    throw new RangeError(`oneHotNeuron: temperature = ${tau}, expected a finite number > 0`);
  if (!['straight-through', 'gumbel-softmax', 'gumbel-softmax-relaxed'].includes(estimator)) {
    throw new TypeError(
      `oneHotNeuron: estimator = ${JSON.stringify(estimator)}, expected 'straight-through', 'gumbel-softmax' or 'gumbel-softmax-relaxed'`,
    );
  }
  const stochastic = options.stochastic ?? true;
  const [batch, width] = z.shape as [number, number];
  const gumbel = stochastic ? gumbelNoise(toStream(options.randomness), [batch * (width / d), d]) : null;
  const out = tf.tidy(() => {
    const logits = tf.div(tf.reshape(z, [-1, d]), tau);
    const perturbed = gumbel ? tf.add(logits, tf.div(gumbel, estimator === 'straight-through' ? 1 : tau)) : logits;
    // straight-through: noise added to z/τ samples from softmax(z/τ); Gumbel-softmax: y = softmax((z + G)/τ)
    const soft = tf.softmax(estimator === 'straight-through' ? logits : perturbed);
    const result =
      estimator === 'gumbel-softmax-relaxed'
        ? soft
        : withSurrogateGradient(tf.cast(tf.oneHot(tf.argMax(perturbed, 1), d), 'float32'), soft);
    return tf.reshape(result, [batch, width]);
  });
  gumbel?.dispose();
  return out;
}

/** G = −log(−log U), U ~ U(0, 1) kept away from 0 and 1. */
function gumbelNoise(stream: ReturnType<typeof toStream>, shape: number[]): tf.Tensor {
  return tf.tidy(() => {
    const u = tf.add(tf.mul(stream.uniform(shape), 1 - 2e-7), 1e-7);
    return tf.neg(tf.log(tf.neg(tf.log(u))));
  });
}
