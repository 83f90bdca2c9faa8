import * as tf from '@tensorflow/tfjs-core';
import { FloatPool } from './floatPool';

/**
 * What the whole-sequence nodes that run their gate arithmetic on the host (gruSequenceHost, lstmSequenceHost)
 * share: where they apply, the two nonlinearities in float64, and the loops small enough to live at top level —
 * V8 optimizes a small hot function on its own, while the same loop inside a large gradient closure ran several
 * times slower.
 */

/** Backends whose tensors live in host memory, where reading a tensor each step costs a copy, not a device sync. */
export const HOST_MEMORY_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'wasm']);

/** Whether the active backend keeps tensors in host memory (cpu, wasm), where the host sequence nodes apply. */
export function isHostMemoryBackend(): boolean {
  return HOST_MEMORY_BACKENDS.has(tf.getBackend());
}

/** The [T·batch, ·] arrays the host nodes keep between a call's forward and its backward (given back by the backward). */
export const sequencePool = new FloatPool(16);

/** values [rows, cols] · right, through the backend, read back to the host (the one product of a host step). */
export function hostProduct(values: Float32Array, rows: number, cols: number, right: tf.Tensor): Float32Array {
  const left = tf.tensor2d(values, [rows, cols]);
  const product = tf.matMul(left, right as tf.Tensor2D);
  const out = product.dataSync() as Float32Array;
  tf.dispose([left, product]);
  return out;
}

/**
 * Σ over rows of statesᵀ·gates: the recurrent-weight gradient [units, width] from the states entering each step
 * [rows, units] and the gate gradients [rows, width] (the states transposed by one kernel, then a plain product:
 * wasm's transposed-operand products are slow). The caller owns the result.
 */
export function recurrentWeightGradient(
  states: Float32Array,
  gates: Float32Array,
  rows: number,
  units: number,
  width: number,
): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(tf.transpose(tf.tensor2d(states, [rows, units])), tf.tensor2d(gates, [rows, width])));
}

/** σ(v) = 1/(1 + e^(−v)). */
export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** tanh(v) = 2/(1 + e^(−2v)) − 1, through one exp (V8's Math.tanh costs about 1.5 exps); absolute error under 1e-15. */
export const tanh = (v: number): number => 2 / (1 + Math.exp(-2 * v)) - 1;

/** out[k] = a[k] + b[k] for k < n. */
export function addInto(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
  for (let k = 0; k < n; k++) out[k] = (a[k] as number) + (b[k] as number);
}

/** out[j] += Σ_i m[i·width + from + j] for j < out.length: column sums of a block of a row-major matrix. */
export function addColumnSums(out: Float64Array, m: Float32Array, rows: number, width: number, from: number): void {
  const count = out.length;
  for (let i = 0; i < rows; i++) {
    const o = i * width + from;
    for (let j = 0; j < count; j++) out[j] = (out[j] as number) + (m[o + j] as number);
  }
}
