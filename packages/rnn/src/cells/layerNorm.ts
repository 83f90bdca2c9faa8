import * as tf from '@tensorflow/tfjs-core';
import { weight, type WeightFactory } from './parts';

/** Gain α (starts at 1) and shift β (starts at 0) of one layer normalization. */
export interface LayerNormParams {
  alpha: tf.Variable;
  beta: tf.Variable;
}

export function layerNormParams(name: string, size: number, makeWeight?: WeightFactory): LayerNormParams {
  return {
    alpha: weight(`${name}/alpha`, () => tf.ones([size]), makeWeight),
    beta: weight(`${name}/beta`, () => tf.zeros([size]), makeWeight),
  };
}

/**
 * Layer normalization (Ba et al. 2016) per example over the feature axis, as R2RT post 3 writes it:
 * LN(v) = α ⊙ (v − mean(v))/√(var(v) + ε) + β, ε = 1e-5.
 */
export function layerNorm(v: tf.Tensor, p: { alpha: tf.Tensor; beta: tf.Tensor }, epsilon = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(v, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(v, mean), tf.rsqrt(tf.add(variance, epsilon))), p.alpha), p.beta);
  });
}
