import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from './customGradient';
import { assertTensor, describeValue, shapeText } from './internal/describe';

/**
 * Injects an externally supplied gradient (a synthetic gradient, a REINFORCE signal) as if it came from a loss.
 *
 * Forward: a scalar `0`. Backward: `∂L/∂yᵢ = gᵢ · ∂L/∂(result)` — so in `loss + injectGradient(h, g)` the tensor
 * `h` receives exactly `g` on top of whatever the loss sends it, and everything upstream of `h` receives `Jᵀ·g`.
 *
 * `g` must have `y`'s shape; it is a constant (no gradient flows into it) and is kept alive by the tape until the
 * gradient has been computed, so the caller may dispose it right away. The caller owns the returned scalar.
 *
 * @example
 * // Update a module from its synthetic gradient without waiting for the true one:
 * optimizer.minimize(() => injectGradient(module.apply(x), synthesizer.predict(h)));
 */
export function injectGradient(y: tf.Tensor | tf.Tensor[], g: tf.Tensor | tf.Tensor[]): tf.Scalar {
  const ys = Array.isArray(y) ? y : [y];
  const gs = Array.isArray(g) ? g : [g];
  if (Array.isArray(y) !== Array.isArray(g) || ys.length !== gs.length) {
    throw new Error(
      `injectGradient: got ${describeValue(y)} outputs and ${describeValue(g)} gradients; expected one gradient per output`,
    );
  }
  if (ys.length === 0) throw new Error('injectGradient: y = [], expected at least one tensor');
  ys.forEach((t, i) => assertTensor(t, Array.isArray(y) ? `y[${i}]` : 'y', 'injectGradient'));
  gs.forEach((t, i) => assertTensor(t, Array.isArray(g) ? `g[${i}]` : 'g', 'injectGradient'));
  ys.forEach((t, i) => {
    const gi = gs[i] as tf.Tensor;
    if (!tf.util.arraysEqual(t.shape, gi.shape)) {
      const at = Array.isArray(y) ? `[${i}]` : '';
      throw new Error(
        `injectGradient: g${at} has shape ${shapeText(gi.shape)}, expected y${at}'s shape ${shapeText(t.shape)}`,
      );
    }
  });
  return customGradient((..._inputs: tf.Tensor[]) => ({
    value: tf.scalar(0),
    save: gs,
    gradient: (dy: tf.Tensor, saved: tf.Tensor[]) => saved.map((gi) => tf.mul(gi, dy)),
  }))(...ys) as tf.Scalar;
}

/**
 * The vector–Jacobian product of a function of variables with an upstream gradient: `Jᵀ·g` for every trainable
 * variable `f` reads, without a scalar loss. The variables' gradients are what `optimizer.applyGradients`
 * takes.
 *
 * Returns `value` (what `f` returned) and `grads` (variable name → gradient); the caller owns and must dispose
 * both. Throws if no variable influences `f`'s output.
 *
 * @example
 * const { value: h, grads } = vjp(() => layer.apply(x) as tf.Tensor, syntheticGradient);
 * optimizer.applyGradients(grads);
 * tf.dispose([h, grads]);
 */
export function vjp<T extends tf.Tensor | tf.Tensor[]>(
  f: () => T,
  g: T extends tf.Tensor[] ? tf.Tensor[] : tf.Tensor,
  varList?: tf.Variable[],
): { value: T; grads: tf.NamedTensorMap } {
  if (typeof f !== 'function') throw new TypeError(`vjp: f is ${describeValue(f)}, expected a function`);
  let value: T | undefined;
  try {
    const { value: zero, grads } = tf.variableGrads(() => {
      value = f();
      const injected = injectGradient(value, g as tf.Tensor | tf.Tensor[]);
      (Array.isArray(value) ? value : [value]).forEach((o) => tf.keep(o));
      return injected;
    }, varList);
    zero.dispose();
    return { value: value as T, grads };
  } catch (error) {
    if (value != null) tf.dispose(value);
    throw error;
  }
}
