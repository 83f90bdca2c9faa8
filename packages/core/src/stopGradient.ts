import * as tf from '@tensorflow/tfjs-core';
import { assertTensor } from './internal/describe';
import { offTape } from './internal/engine';

/**
 * Identity in the forward pass, no gradient in the backward pass (TensorFlow's `tf.stop_gradient`, PyTorch's
 * `detach`, JAX's `lax.stop_gradient`).
 *
 * Forward: `y = x`. Backward: `∂y/∂x = 0`: nothing upstream of `x` receives a gradient through `y`.
 *
 * The result is disconnected from the tape rather than given a zero gradient, so the backward pass does no work
 * for it and never differentiates the ops that produced `x`. The caller owns the returned tensor.
 *
 * @example
 * // A REINFORCE-style surrogate whose baseline must not be trained through the policy loss
 * const advantage = tf.sub(reward, stopGradient(baseline));
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  assertTensor(x, 'x', 'stopGradient');
  return offTape(() => tf.clone(x));
}
