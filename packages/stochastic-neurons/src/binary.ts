import * as tf from '@tensorflow/tfjs-core';
import { straightThrough } from '@gradkit/core';
import { toStream, type Randomness } from './noise';

/**
 * The straight-through estimators of a binary neuron (R2RT post 5):
 * - `'pass-through'`: ∂out/∂a = 1 — the sigmoid and the sampling/rounding are both treated as the identity.
 * - `'sigmoid-adjusted'`: ∂out/∂a = m·σ′(m·a) — only the sampling/rounding is the identity.
 */
export type StraightThroughEstimator = 'pass-through' | 'sigmoid-adjusted';

export interface BinaryNeuronOptions {
  estimator: StraightThroughEstimator;
  /** The slope m in p = σ(m·a) (default 1); see {@link SlopeAnnealing}. */
  slope?: number;
  /** Sample b = 1[U < p] (default) or round p (deterministic). */
  stochastic?: boolean;
  /** A seed or a SeedStream for the noise U (default: unseeded). */
  randomness?: Randomness;
}

/**
 * A binary neuron with a straight-through estimator.
 *
 * Forward: p = σ(m·a); stochastic: b = 1[U < p] with U ~ U[0, 1) (the post's ceil(p − U)); deterministic:
 * b = round(p) (= 1[a > 0]). Backward: ∂L/∂a = ∂L/∂b · g with g = 1 (`'pass-through'`) or
 * g = m·σ′(m·a) = m·p·(1 − p) (`'sigmoid-adjusted'`). The noise gets no gradient. The caller owns the result.
 *
 * @example
 * const bits = binaryNeuron(tf.matMul(x, w), { estimator: 'sigmoid-adjusted', randomness: stream });
 */
export function binaryNeuron(a: tf.Tensor, options: BinaryNeuronOptions): tf.Tensor {
  const slope = validateSlope(options.slope ?? 1, 'binaryNeuron');
  if (options.estimator !== 'pass-through' && options.estimator !== 'sigmoid-adjusted') {
    throw new TypeError(
      `binaryNeuron: estimator = ${JSON.stringify(options.estimator)}, expected 'pass-through' or 'sigmoid-adjusted' (REINFORCE: reinforceBinaryNeuron)`,
    );
  }
  const stochastic = options.stochastic ?? true;
  const noise = stochastic ? toStream(options.randomness).uniform(a.shape) : null;
  const sample = (x: tf.Tensor) => {
    const p = tf.sigmoid(tf.mul(x, slope));
    return noise ? tf.cast(tf.less(noise, p), 'float32') : tf.round(p);
  };
  const out =
    options.estimator === 'pass-through'
      ? straightThrough(sample)(a)
      : straightThrough(sample, { surrogate: (x) => tf.sigmoid(tf.mul(x, slope)) })(a);
  noise?.dispose();
  return out;
}

export function validateSlope(slope: number, where: string): number {
  if (!(Number.isFinite(slope) && slope > 0))
    throw new RangeError(`${where}: slope = ${slope}, expected a finite number > 0`);
  return slope;
}
