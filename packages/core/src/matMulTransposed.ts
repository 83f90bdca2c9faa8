import * as tf from '@tensorflow/tfjs-core';
import { describeValue } from './internal/describe';

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

interface StrategyState {
  byBackend: Record<string, TransposeStrategy>;
}

// On globalThis so that every copy of @gradkit/core shares it.
const KEY = Symbol.for('@gradkit/core.transposeStrategy');

function state(): StrategyState {
  const g = globalThis as unknown as Record<symbol, StrategyState | undefined>;
  // Measured defaults: explicit transposes on wasm only (cpu and webgpu gain nothing: see the benchmark in
  // apps/mnist-bench, experiment `matmul-gradient`).
  return (g[KEY] ??= { byBackend: { wasm: 'explicit' } });
}

/** Chooses the strategy for a backend (by tfjs name); returns the previous one. */
export function setTransposeStrategy(backend: string, strategy: TransposeStrategy): TransposeStrategy {
  if (strategy !== 'flags' && strategy !== 'explicit') {
    throw new TypeError(`setTransposeStrategy: strategy is ${describeValue(strategy)}, expected 'flags' or 'explicit'`);
  }
  const previous = transposeStrategy(backend);
  state().byBackend[backend] = strategy;
  return previous;
}

/** The strategy for a backend (default: the current one). */
export function transposeStrategy(backend: string = tf.getBackend()): TransposeStrategy {
  return state().byBackend[backend] ?? 'flags';
}

function transposeLast2(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  const n = perm.length;
  [perm[n - 2], perm[n - 1]] = [perm[n - 1] as number, perm[n - 2] as number];
  return tf.transpose(x, perm);
}

/**
 * `op(a)·op(b)` with op = transpose when the flag is set (on the last two axes), computed the fastest way the
 * current backend has (see {@link TransposeStrategy}). Same numbers as `tf.matMul(a, b, transposeA, transposeB)`.
 * The caller owns the result.
 */
export function matMulTransposed(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  if ((!transposeA && !transposeB) || transposeStrategy() === 'flags') return tf.matMul(a, b, transposeA, transposeB);
  return tf.tidy(() => tf.matMul(transposeA ? transposeLast2(a) : a, transposeB ? transposeLast2(b) : b));
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
