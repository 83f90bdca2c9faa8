import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from './customGradient';
import { assertTensor, describeValue } from './internal/describe';

/**
 * Identity forward, gradient multiplied by `scale` backward (a gradient-reversal layer when `scale = −1`; a
 * per-module learning-rate multiplier otherwise).
 *
 * Forward: `y = x`. Backward: `∂L/∂x = scale · ∂L/∂y`.
 *
 * `scale` is a finite number or a tensor that broadcasts to `x`'s shape; a tensor scale is a constant (it gets
 * no gradient; the tape keeps it until the gradient is computed). The caller owns the returned tensor.
 *
 * @example
 * const features = scaleGradient(encoder(x), -1); // domain-adversarial training
 */
export function scaleGradient<T extends tf.Tensor>(x: T, scale: number | tf.Tensor): T {
  assertTensor(x, 'x', 'scaleGradient');
  if (scale == null)
    throw new TypeError(`scaleGradient: scale is ${describeValue(scale)}, expected a number or tensor`);
  if (typeof scale === 'number') {
    if (!Number.isFinite(scale)) throw new RangeError(`scaleGradient: scale = ${scale}, expected a finite number`);
  } else {
    assertTensor(scale, 'scale', 'scaleGradient');
    let shape: number[] | undefined;
    try {
      shape = tf.broadcast_util.assertAndGetBroadcastShape(x.shape, scale.shape);
    } catch {
      shape = undefined;
    }
    if (shape == null || !tf.util.arraysEqual(shape, x.shape)) {
      throw new Error(
        `scaleGradient: scale has shape [${scale.shape.join(',')}], which does not broadcast to x's shape [${x.shape.join(',')}]`,
      );
    }
  }
  return customGradient((input: tf.Tensor) => ({
    value: input,
    // a tensor scale is saved: it may have been created inside the function being differentiated
    save: typeof scale === 'number' ? [] : [scale],
    gradient: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.mul(dy, typeof scale === 'number' ? scale : (saved[0] as tf.Tensor)),
  }))(x) as T;
}
