/**
 * The host kernels' arithmetic helpers: the two nonlinearities in float64 and the loops small enough to live at top
 * level — V8 optimizes a small hot function on its own, while the same loop inside a large closure ran several times
 * slower.
 */

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
