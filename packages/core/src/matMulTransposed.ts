import * as tf from '@tensorflow/tfjs-core';
import { describeValue } from './internal/describe';
import { defineKernelOp } from './kernelOp';
import { registerExplicitTransposes } from './kernels/matMulTransposed';

/**
 * How a transposed matrix product is computed:
 * - `'flags'`: tfjs's `matMul(a, b, transposeA, transposeB)`, the transposes folded into the kernel;
 * - `'explicit'`: `transpose` first, then a plain product. On the wasm backend (XNNPACK) a product with
 *   `transposeB` runs at about 1.2 GFLOP/s and with `transposeA` at 0.4–0.8 GFLOP/s against about 20 for a plain
 *   one (measured on a 2-core Zen 3, tfjs 4.22), so the copy pays for itself many times over.
 * Backprop through a matrix product is made of transposed products (dX = dY·Wᵀ, dW = Xᵀ·dY), so this choice
 * sets the speed of training.
 */
export type TransposeStrategy = 'flags' | 'explicit';

/** The kernel that computes transposed products with explicit transposes (registered per backend in `kernels/`). */
export const MATMUL_TRANSPOSED_KERNEL = 'GradkitMatMulTransposed';

/**
 * Chooses the strategy for a backend (by tfjs name; measured default: `'explicit'` on wasm, `'flags'` elsewhere);
 * returns the previous one. `'explicit'` registers the `GradkitMatMulTransposed` kernel for that backend,
 * `'flags'` removes it, so the op falls back to its reference, `tf.matMul` with the flags.
 */
export function setTransposeStrategy(backend: string, strategy: TransposeStrategy): TransposeStrategy {
  if (strategy !== 'flags' && strategy !== 'explicit') {
    throw new TypeError(`setTransposeStrategy: strategy is ${describeValue(strategy)}, expected 'flags' or 'explicit'`);
  }
  const previous = transposeStrategy(backend);
  if (strategy === 'explicit' && previous === 'flags') {
    // the kernel this backend had (as registered in kernels/register.ts), else the default one
    const stashed = stashedKernels.get(backend);
    if (stashed != null) tf.registerKernel(stashed);
    else registerExplicitTransposes(backend);
  }
  if (strategy === 'flags' && previous === 'explicit') {
    stashedKernels.set(backend, tf.getKernel(MATMUL_TRANSPOSED_KERNEL, backend) as tf.KernelConfig);
    tf.unregisterKernel(MATMUL_TRANSPOSED_KERNEL, backend);
  }
  return previous;
}

const stashedKernels = new Map<string, tf.KernelConfig>();

/** The strategy for a backend (default: the current one): whether it has the explicit-transposes kernel. */
// a query of the kernel registry for a backend (the current one by default), not a choice made by its name
// eslint-disable-next-line no-restricted-syntax
export function transposeStrategy(backend: string = tf.getBackend()): TransposeStrategy {
  return tf.getKernel(MATMUL_TRANSPOSED_KERNEL, backend) != null ? 'explicit' : 'flags';
}

/**
 * `op(a)·op(b)` with op = transpose when the flag is set (on the last two axes), computed the fastest way the
 * current backend has (see {@link TransposeStrategy}). Same numbers as `tf.matMul(a, b, transposeA, transposeB)`.
 * The caller owns the result.
 */
export function matMulTransposed(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  // kernels take float32 (tfjs's matMul upcasts other dtypes, e.g. one-hot int32 inputs, itself)
  if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return tf.matMul(a, b, transposeA, transposeB);
  }
  return matMulTransposedOp({ a, b }, { transposeA, transposeB });
}

/**
 * The gradient of BatchMatMul (tfjs's formulas, kernel for kernel) with its transposed products computed by
 * {@link matMulTransposed}. Registered by @gradkit/core in place of tfjs's.
 */
export const batchMatMulGradConfig: tf.GradConfig = {
  kernelName: 'BatchMatMul',
  inputsToSave: ['a', 'b'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap) => {
    const g = dy as tf.Tensor;
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const { transposeA, transposeB } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    if (!transposeA && !transposeB)
      return { a: () => matMulTransposed(g, b, false, true), b: () => matMulTransposed(a, g, true, false) };
    if (!transposeA && transposeB)
      return { a: () => matMulTransposed(g, b, false, false), b: () => matMulTransposed(g, a, true, false) };
    if (transposeA && !transposeB)
      return { a: () => matMulTransposed(b, g, false, true), b: () => matMulTransposed(a, g, false, false) };
    return { a: () => matMulTransposed(b, g, true, true), b: () => matMulTransposed(g, a, true, true) };
  },
};

/** `op(a)·op(b)`: reference `tf.matMul` with the flags; kernel (where registered) with explicit transposes. */
const matMulTransposedOp = defineKernelOp<{ transposeA: boolean; transposeB: boolean }>({
  kernelName: MATMUL_TRANSPOSED_KERNEL,
  reference: ({ a, b }, { transposeA, transposeB }) =>
    tf.matMul(a as tf.Tensor, b as tf.Tensor, transposeA, transposeB),
  gradient: {
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => batchMatMulGradConfig.gradFunc(dy, saved, attrs),
  },
});
