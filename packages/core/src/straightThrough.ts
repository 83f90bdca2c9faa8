import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from './customGradient';
import { assertTensor, describeValue } from './internal/describe';
import { withSurrogateGradient } from './withSurrogateGradient';

/**
 * The pseudo-gradient a straight-through estimator uses in place of the true (zero or undefined) derivative of a
 * non-differentiable forward `q`:
 * - `'identity'`: ∂q/∂x := 1 (Bengio et al. 2013; Hinton's straight-through estimator).
 * - `{ clip: c }`: ∂q/∂x := 1 where |x| ≤ c, else 0 (the saturating STE of Hubara et al. 2016; Larq's `ste_sign`).
 * - `{ surrogate: s }`: ∂q/∂x := s′(x), the derivative of a smooth surrogate `s` (e.g. the sigmoid for a
 *   sigmoid-adjusted binary neuron; `s` is differentiated by tfjs, so any differentiable expression works).
 */
export type StraightThroughGradient = 'identity' | { clip: number } | { surrogate: (x: tf.Tensor) => tf.Tensor };

/**
 * Wraps a non-differentiable elementwise forward (round, sign, a sample…) into a function whose backward pass is
 * a documented pseudo-gradient.
 *
 * Forward: `y = forward(x)`, exactly; the ops inside `forward` are never differentiated.
 * Backward: `∂L/∂x = ∂L/∂y · g(x)` with `g` from {@link StraightThroughGradient} (default `'identity'`).
 *
 * `forward` must return a tensor of `x`'s shape. The caller owns the returned tensor.
 *
 * @example
 * const binarize = straightThrough((x) => tf.sign(x), { clip: 1 });
 * const bits = binarize(preActivation); // ±1 forward, gradient 1[|x| ≤ 1] backward
 */
export function straightThrough(
  forward: (x: tf.Tensor) => tf.Tensor,
  gradient: StraightThroughGradient = 'identity',
): (x: tf.Tensor) => tf.Tensor {
  if (typeof forward !== 'function')
    throw new TypeError(`straightThrough: forward is ${describeValue(forward)}, expected a function`);
  const kind = validate(gradient);

  const checked = (x: tf.Tensor): tf.Tensor => {
    const y = forward(x);
    assertTensor(y, 'forward(x)', 'straightThrough');
    if (!tf.util.arraysEqual(y.shape, x.shape)) {
      throw new Error(
        `straightThrough: forward(x) has shape [${y.shape.join(',')}], expected x's shape [${x.shape.join(',')}]`,
      );
    }
    return y;
  };

  if (kind === 'surrogate') {
    const surrogate = (gradient as { surrogate: (x: tf.Tensor) => tf.Tensor }).surrogate;
    return (x) => {
      assertTensor(x, 'x', 'straightThrough');
      return tf.tidy(() => withSurrogateGradient(checked(x), surrogate(x)));
    };
  }
  const clip = kind === 'clip' ? (gradient as { clip: number }).clip : Infinity;
  const op = customGradient((x: tf.Tensor) => ({
    value: checked(x),
    save: kind === 'clip' ? [x] : [],
    gradient: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      kind === 'clip' ? tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(saved[0] as tf.Tensor), clip), dy.dtype)) : dy,
  }));
  return (x) => {
    assertTensor(x, 'x', 'straightThrough');
    return op(x);
  };
}

function validate(gradient: unknown): 'identity' | 'clip' | 'surrogate' {
  if (gradient === 'identity') return 'identity';
  if (gradient != null && typeof gradient === 'object') {
    if ('clip' in gradient) {
      const c = (gradient as { clip: unknown }).clip;
      if (typeof c !== 'number' || !(c > 0))
        throw new RangeError(`straightThrough: clip = ${describeValue(c)}, expected a number > 0`);
      return 'clip';
    }
    if ('surrogate' in gradient) {
      const s = (gradient as { surrogate: unknown }).surrogate;
      if (typeof s !== 'function')
        throw new TypeError(`straightThrough: surrogate is ${describeValue(s)}, expected a function of x`);
      return 'surrogate';
    }
  }
  throw new TypeError(
    `straightThrough: gradient is ${describeValue(gradient)}, expected 'identity', { clip: number } or { surrogate: (x) => tensor }`,
  );
}
