import * as tf from '@tensorflow/tfjs-core';

/**
 * Per-channel batch moments over every axis but the last (channels-last: `[N, C]`, `[N, H, W, C]`, `[N, T, C]`).
 *
 * μ = Σᵢ mᵢ·xᵢ / M,  σ² = Σᵢ mᵢ·(xᵢ − μ)² / M,  M = Σᵢ mᵢ  (the biased variance, TF's `moments`)
 *
 * The optional `mask` has `x`'s shape without the channel axis (1 keeps an entry, 0 leaves it out of the moments,
 * e.g. padding). Without a mask every entry counts. `count` is M, per channel broadcast-free (a scalar).
 * The caller owns the returned tensors.
 */
export function batchMoments(
  x: tf.Tensor,
  mask?: tf.Tensor,
): { mean: tf.Tensor1D; variance: tf.Tensor1D; count: tf.Scalar } {
  return tf.tidy(() => {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    if (mask == null) {
      const { mean, variance } = tf.moments(x, axes);
      const count = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
      return { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D, count: tf.scalar(count) };
    }
    const m = tf.expandDims(tf.cast(mask, x.dtype), -1);
    const count = tf.sum(m);
    const safe = tf.maximum(count, 1);
    const mean = tf.div(tf.sum(tf.mul(x, m), axes), safe) as tf.Tensor1D;
    const variance = tf.div(tf.sum(tf.mul(tf.square(tf.sub(x, mean)), m), axes), safe) as tf.Tensor1D;
    return { mean, variance, count: count as tf.Scalar };
  });
}
