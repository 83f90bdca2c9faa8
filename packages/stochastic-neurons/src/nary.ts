import * as tf from '@tensorflow/tfjs-core';
import { straightThrough } from '@gradkit/core';
import { toStream, type Randomness } from './noise';

/**
 * R2RT post 6's ternary activation, f(x) = 1.5·tanh(x) + 0.5·tanh(−3x): range (−1, 1), f(0) = 0, f′(0) = 0,
 * f(±∞) = ±1, flat near −1, 0 and 1 ("soft stairs").
 */
export function ternaryActivation(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(tf.tanh(x), 1.5), tf.mul(tf.tanh(tf.mul(x, -3)), 0.5)));
}

export interface NaryNeuronOptions {
  /** The activation whose range the integer levels cover (default {@link ternaryActivation}). */
  activation?: (x: tf.Tensor) => tf.Tensor;
  /** Choose between the two neighbouring levels at random (default) or round. */
  stochastic?: boolean;
  randomness?: Randomness;
}

/**
 * An n-ary neuron (R2RT post 6): v = f(a), then an integer level — stochastic: ⌊v⌋ + 1[U < v − ⌊v⌋], so only the
 * two neighbouring levels are possible and E[out] = v (the post's ceil(v − U)); deterministic: round(v).
 * Backward (straight-through): ∂L/∂a = ∂L/∂out · f′(a). With the default f the levels are −1, 0, 1 (ternary);
 * f = σ gives the binary neuron; any f with a bounded range gives more levels. The caller owns the result.
 */
export function naryNeuron(a: tf.Tensor, options: NaryNeuronOptions = {}): tf.Tensor {
  const f = options.activation ?? ternaryActivation;
  const stochastic = options.stochastic ?? true;
  const noise = stochastic ? toStream(options.randomness).uniform(a.shape) : null;
  const levels = (x: tf.Tensor) =>
    tf.tidy(() => {
      const v = f(x);
      if (noise == null) return tf.round(v);
      const low = tf.floor(v);
      return tf.add(low, tf.cast(tf.less(noise, tf.sub(v, low)), 'float32'));
    });
  const out = straightThrough(levels, { surrogate: f })(a);
  noise?.dispose();
  return out;
}

/** {@link naryNeuron} with the ternary activation: outputs −1, 0, 1. */
export function ternaryNeuron(a: tf.Tensor, options: Omit<NaryNeuronOptions, 'activation'> = {}): tf.Tensor {
  return naryNeuron(a, { ...options, activation: ternaryActivation });
}
