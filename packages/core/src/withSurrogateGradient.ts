import * as tf from '@tensorflow/tfjs-core';
import { assertTensor, shapeText } from './internal/describe';
import { customGradient } from './customGradient';

/**
 * The value of one expression with the gradient of another (TensorFlow Probability's
 * `custom_gradient(fx, gx, x)`, the `s + stop_gradient(v − s)` trick — but exact).
 *
 * Forward: `y = value`, bit for bit (the `s + sg(v − s)` trick is off by a rounding error).
 * Backward: `∂L/∂surrogate = ∂L/∂y`; nothing flows into the ops that produced `value`.
 *
 * `value` and `surrogate` must have the same shape. The caller owns the returned tensor.
 *
 * @example
 * // sign(x) forward, the gradient of tanh(x) backward
 * const y = withSurrogateGradient(tf.sign(x), tf.tanh(x));
 */
export function withSurrogateGradient<T extends tf.Tensor>(value: T, surrogate: tf.Tensor): T {
  assertTensor(value, 'value', 'withSurrogateGradient');
  assertTensor(surrogate, 'surrogate', 'withSurrogateGradient');
  if (!tf.util.arraysEqual(value.shape, surrogate.shape)) {
    throw new Error(
      `withSurrogateGradient: value has shape ${shapeText(value.shape)} but surrogate has shape ${shapeText(surrogate.shape)}; expected equal shapes`,
    );
  }
  // `value` is captured, not an input, so the ops that produced it are never on the gradient path.
  return customGradient((_s: tf.Tensor) => ({ value: tf.clone(value), gradient: (dy: tf.Tensor) => dy }))(
    surrogate,
  ) as T;
}
