import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from './customGradient';
import { assertTensor, describeValue } from './internal/describe';
import { denseForwardOp } from './denseForward';
import { defineKernelOp, hasKernel } from './kernelOp';
import { matMulTransposed } from './matMulTransposed';
import { sumRows } from './sumRows';

/** Activations {@link dense} fuses into the product (tfjs's fused-kernel activations with a cheap derivative). */
export type DenseActivation = 'linear' | 'relu' | 'sigmoid';

/**
 * A fully connected layer as one forward kernel and a lean backward: y = act(x·W + b).
 *
 * Forward: one kernel for the product, bias and activation — tfjs's `_FusedMatMul`, or where the backend registers
 * one `GradkitDenseForward` (wasm: a SIMD product twice as fast as XNNPACK's on these sizes) — also while a gradient
 * is recorded (when tf.fused.matMul runs three).
 * Backward, with g = ∂L/∂y ⊙ act′ computed from y (relu: 1[y > 0]; sigmoid: y(1 − y); linear: 1):
 *   ∂L/∂x = g·Wᵀ,  ∂L/∂W = xᵀ·g,  ∂L/∂b = Σ_rows g
 * with the transposed products done the fastest way for the backend (`matMulTransposed`) and Σ_rows by `sumRows`. tfjs's own fused
 * gradient computes the same formulas with transposed-flag products, which the wasm backend runs 10–40× slower.
 *
 * Where the backend registers `GradkitDenseGrad` (webgpu: one WGSL program for g, ∂L/∂x, ∂L/∂W and ∂L/∂b at
 * small sizes) the backward is that one kernel; elsewhere the products and the sum above, the input gradient of a
 * first layer (whose input is data) never computed.
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
    // one kernel (tfjs's _FusedMatMul, or the backend's GradkitDenseForward): tf.fused.matMul unfuses (product, bias
    // add, activation: three kernels) whenever a gradient is being recorded, and this op brings its own gradient
    // as tf.fused.matMul does (its types made to match): the kernels take float32, so integer inputs are cast
    const f32 = (t: tf.Tensor) => (t.dtype === 'float32' ? t : tf.cast(t, 'float32'));
    const [xf, wf] = [f32(xi), f32(wi)]; // what the backward reads too
    const y = denseForwardOp(
      { x: xf, w: wf, b: bi ? f32(bi) : tf.scalar(0) },
      { activation, hasBias: bi != null },
    ) as tf.Tensor2D;
    return {
      value: y,
      save: [xf, wf, y],
      gradient: (dy: tf.Tensor, [sx, sw, sy]: tf.Tensor[]) => {
        const yv = sy as tf.Tensor;
        if (hasKernel(DENSE_GRAD)) {
          const [dx, dw, db] = denseGradOp(
            { dy, x: sx as tf.Tensor, w: sw as tf.Tensor, y: yv },
            { activation, bias: bi != null },
          );
          return [() => dx as tf.Tensor, () => dw as tf.Tensor, ...(bi ? [() => db as tf.Tensor] : [])];
        }
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

/** The name of dense's backward kernel (registered per backend in `kernels/`). */
export const DENSE_GRAD = 'GradkitDenseGrad';

/** Attributes of the dense backward: the activation and whether there is a bias. */
export interface DenseGradAttrs extends tf.NamedAttrMap {
  activation: DenseActivation;
  bias: boolean;
}

/**
 * dense's backward as one op: from dy [batch, out], x [batch, in], w [in, out] and the forward's output y,
 * g = dy ⊙ act′(y) and [∂L/∂x = g·Wᵀ, ∂L/∂W = xᵀ·g, ∂L/∂b = Σ_rows g (when `bias`)].
 */
const denseGradOp = defineKernelOp<DenseGradAttrs, tf.Tensor[]>({
  kernelName: DENSE_GRAD,
  reference: ({ dy, x, w, y }, { activation, bias }) => {
    const g =
      activation === 'relu'
        ? tf.mul(dy as tf.Tensor, tf.step(y as tf.Tensor, 0))
        : activation === 'sigmoid'
          ? tf.mul(dy as tf.Tensor, tf.mul(y as tf.Tensor, tf.sub(1, y as tf.Tensor)))
          : (dy as tf.Tensor);
    return [
      matMulTransposed(g, w as tf.Tensor, false, true),
      matMulTransposed(x as tf.Tensor, g, true, false),
      ...(bias ? [sumRows(g)] : []),
    ];
  },
  gradient: {
    gradFunc: () => {
      throw new Error(`${DENSE_GRAD}: dense's backward has no gradient of its own (no second derivatives)`);
    },
  },
});
