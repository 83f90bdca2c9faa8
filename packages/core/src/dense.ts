import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from './customGradient';
import { assertTensor, describeValue } from './internal/describe';
import { matMulTransposed } from './matMulTransposed';
import { sumRows } from './sumRows';

/** Activations {@link dense} fuses into the product (tfjs's fused-kernel activations with a cheap derivative). */
export type DenseActivation = 'linear' | 'relu' | 'sigmoid';

/**
 * A fully connected layer as one forward kernel and a lean backward: y = act(x·W + b).
 *
 * Forward: tfjs's fused matMul + bias + activation kernel (`_FusedMatMul`) — one kernel instead of three.
 * Backward, with g = ∂L/∂y ⊙ act′ computed from y (relu: 1[y > 0]; sigmoid: y(1 − y); linear: 1):
 *   ∂L/∂x = g·Wᵀ,  ∂L/∂W = xᵀ·g,  ∂L/∂b = Σ_rows g
 * with the transposed products done the fastest way for the backend (`matMulTransposed`) and Σ_rows by `sumRows`. tfjs's own fused
 * gradient computes the same formulas with transposed-flag products, which the wasm backend runs 10–40× slower.
 *
 * `x` is [batch, in], `w` [in, out], `b` [out] or null. The caller owns the result.
 */
export function dense(
  x: tf.Tensor,
  w: tf.Tensor,
  b: tf.Tensor | null = null,
  activation: DenseActivation = 'linear',
): tf.Tensor2D {
  assertTensor(x, 'x', 'dense');
  assertTensor(w, 'w', 'dense');
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[0]) {
    throw new Error(
      `dense: x has shape [${x.shape.join(',')}] and w [${w.shape.join(',')}]; expected [batch, in] and [in, out]`,
    );
  }
  if (b != null && (b.rank !== 1 || b.shape[0] !== w.shape[1]))
    throw new Error(`dense: b has shape [${b.shape.join(',')}], expected [${w.shape[1]}]`);
  if (activation !== 'linear' && activation !== 'relu' && activation !== 'sigmoid') {
    throw new TypeError(`dense: activation is ${describeValue(activation)}, expected 'linear', 'relu' or 'sigmoid'`);
  }
  const inputs = b == null ? [x, w] : [x, w, b];
  const op = customGradient((...args: tf.Tensor[]) => {
    const [xi, wi, bi] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor | undefined];
    const y = tf.fused.matMul({ a: xi, b: wi, ...(bi ? { bias: bi } : {}), activation });
    return {
      value: y,
      save: [xi, wi, y],
      gradient: (dy: tf.Tensor, [sx, sw, sy]: tf.Tensor[]) => {
        const yv = sy as tf.Tensor;
        const g =
          activation === 'relu'
            ? tf.mul(dy, tf.step(yv, 0))
            : activation === 'sigmoid'
              ? tf.mul(dy, tf.mul(yv, tf.sub(1, yv)))
              : dy;
        // lazily: the input gradient of a first layer (whose input is data) is never computed
        const grads: Array<() => tf.Tensor> = [
          () => matMulTransposed(g, sw as tf.Tensor, false, true),
          () => matMulTransposed(sx as tf.Tensor, g, true, false),
        ];
        if (bi) grads.push(() => sumRows(g));
        return grads;
      },
    };
  });
  return op(...inputs) as tf.Tensor2D;
}
