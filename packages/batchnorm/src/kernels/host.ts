import type * as tf from '@tensorflow/tfjs-core';
import { heapMemory, hostArrays, instantiateOn, registerKernelsOnce } from '@gradkit/core';
import { EMA_UPDATE } from '../populationStatistics';
import { BATCH_NORM_WASM_BASE64 } from './simd/batchNorm.generated';
import { BN_TRAIN, BN_TRAIN_GRAD, type TrainingAttrs } from '../trainingOp';

/**
 * Batch norm's training step on backends that keep tensors in host memory (cpu, wasm): the forward and the backward
 * of trainingOp.ts as one loop pass each over [rows, C] (row by row, a float64 accumulator per channel), where the
 * reference runs about 15 tfjs kernels forward and tfjs differentiates them backward (its broadcast gradients tile
 * [1, C] up to [rows, C]: 0.5 ms each on wasm for 100 × 100). Unmasked calls only (the op's `kernelHandles`). On a
 * WebAssembly heap (tfjs's wasm) with C a multiple of 4 the passes run as SIMD in place (simd/batchNorm.wat, float32
 * sums in row order); elsewhere as JavaScript loops with float64 sums.
 *   forward:  μ = Σx/M,  σ² = Σ(x − μ)²/M,  x̂ = (x − μ)/√(σ² + ε),  y = act(γ·x̂ + β)
 *   backward: d = ∂y ⊙ act′,  g = d ⊙ γ,  ∂x = (g − Σg/M − x̂·Σ(g·x̂)/M)/√(σ² + ε),  ∂γ = Σ d·x̂,  ∂β = Σ d
 */

interface SimdBatchNorm {
  forward(
    R: number,
    C: number,
    x: number,
    gamma: number,
    beta: number,
    y: number,
    mom: number,
    eps: number,
    relu: number,
  ): void;
  backward(
    R: number,
    C: number,
    dy: number,
    x: number,
    mom: number,
    gamma: number,
    y: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    eps: number,
    relu: number,
  ): void;
}

/** The SIMD kernels on the memory holding `arrays` (all views of it), or null (then the JavaScript loops run). */
function simdOn(backend: unknown, C: number, arrays: Float32Array[]): SimdBatchNorm | null {
  if (C % 4 !== 0) return null;
  const memory = heapMemory(backend);
  if (memory == null || arrays.some((a) => a.buffer !== (memory as { buffer: unknown }).buffer)) return null;
  return instantiateOn<SimdBatchNorm>(BATCH_NORM_WASM_BASE64, memory);
}

/** Per channel: the mean, the biased variance and 1/√(σ² + ε) of x [R, C], in float64. */
function moments(x: Float32Array, R: number, C: number, epsilon: number) {
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  const inv = new Float64Array(C);
  for (let r = 0; r < R; r++)
    for (let c = 0, o = r * C; c < C; c++) mean[c] = (mean[c] as number) + (x[o + c] as number);
  for (let c = 0; c < C; c++) mean[c] = (mean[c] as number) / R;
  for (let r = 0; r < R; r++)
    for (let c = 0, o = r * C; c < C; c++) {
      const d = (x[o + c] as number) - (mean[c] as number);
      variance[c] = (variance[c] as number) + d * d;
    }
  for (let c = 0; c < C; c++) {
    variance[c] = (variance[c] as number) / R;
    inv[c] = 1 / Math.sqrt((variance[c] as number) + epsilon);
  }
  return { mean, variance, inv };
}

const forward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
  const { epsilon, activation, hasGamma, hasBeta } = attrs as unknown as TrainingAttrs;
  const [R, C] = (x as tf.TensorInfo).shape as [number, number];
  const arrays = hostArrays(backend, [x, gamma, beta] as tf.TensorInfo[], [[R, C], [2, C], []]);
  const [xs, gs, bs] = arrays.inputs as [Float32Array, Float32Array, Float32Array];
  const [y, mom, count] = arrays.outputs as [Float32Array, Float32Array, Float32Array];
  count[0] = R;
  const simd = simdOn(backend, C, [...arrays.inputs, ...arrays.outputs]);
  if (simd != null) {
    const at = (a: Float32Array, present = true) => (present ? a.byteOffset : 0);
    simd.forward(
      R,
      C,
      at(xs),
      at(gs, hasGamma),
      at(bs, hasBeta),
      at(y),
      at(mom),
      epsilon,
      activation === 'relu' ? 1 : 0,
    );
    return arrays.finish();
  }
  const { mean, variance, inv } = moments(xs, R, C, epsilon);
  const relu = activation === 'relu';
  for (let r = 0; r < R; r++)
    for (let c = 0, o = r * C; c < C; c++) {
      let v = ((xs[o + c] as number) - (mean[c] as number)) * (inv[c] as number);
      if (hasGamma) v *= gs[c] as number;
      if (hasBeta) v += bs[c] as number;
      y[o + c] = relu && v < 0 ? 0 : v;
    }
  mom.set(mean, 0);
  mom.set(variance, C);
  return arrays.finish();
};

const backward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, x, moments: mom, gamma, y } = inputs as Record<string, tf.TensorInfo>;
  const { epsilon, activation, hasGamma } = attrs as unknown as TrainingAttrs;
  const [R, C] = (x as tf.TensorInfo).shape as [number, number];
  const arrays = hostArrays(backend, [dy, x, mom, gamma, y] as tf.TensorInfo[], [[R, C], [C], [C]]);
  const [dys, xs, ms, gs, ys] = arrays.inputs as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  const [dx, dgamma, dbeta] = arrays.outputs as [Float32Array, Float32Array, Float32Array];
  const relu = activation === 'relu';
  const simd = simdOn(backend, C, [...arrays.inputs, ...arrays.outputs]);
  if (simd != null) {
    simd.backward(
      R,
      C,
      dys.byteOffset,
      xs.byteOffset,
      ms.byteOffset,
      hasGamma ? gs.byteOffset : 0,
      ys.byteOffset,
      dx.byteOffset,
      dgamma.byteOffset,
      dbeta.byteOffset,
      epsilon,
      relu ? 1 : 0,
    );
    return arrays.finish();
  }
  const inv = new Float64Array(C);
  for (let c = 0; c < C; c++) inv[c] = 1 / Math.sqrt((ms[C + c] as number) + epsilon);
  const sumD = new Float64Array(C);
  const sumDX = new Float64Array(C);
  for (let r = 0; r < R; r++)
    for (let c = 0, o = r * C; c < C; c++) {
      const d = relu && !((ys[o + c] as number) > 0) ? 0 : (dys[o + c] as number);
      const xhat = ((xs[o + c] as number) - (ms[c] as number)) * (inv[c] as number);
      sumD[c] = (sumD[c] as number) + d;
      sumDX[c] = (sumDX[c] as number) + d * xhat;
    }
  // Σg = γ·Σd and Σ(g·x̂) = γ·Σ(d·x̂): γ is per channel
  for (let r = 0; r < R; r++)
    for (let c = 0, o = r * C; c < C; c++) {
      const gam = hasGamma ? (gs[c] as number) : 1;
      const d = relu && !((ys[o + c] as number) > 0) ? 0 : (dys[o + c] as number);
      const xhat = ((xs[o + c] as number) - (ms[c] as number)) * (inv[c] as number);
      dx[o + c] = gam * (d - (sumD[c] as number) / R - (xhat * (sumDX[c] as number)) / R) * (inv[c] as number);
    }
  dgamma.set(sumDX);
  dbeta.set(sumD);
  return arrays.finish();
};

const f = Math.fround;

/** The population statistics' EMA (populationStatistics.ts) as one loop, each operation rounded to float32. */
const ema: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { mean, variance, moments: mom } = inputs as Record<string, tf.TensorInfo>;
  const C = (mean as tf.TensorInfo).shape[0] as number;
  const arrays = hostArrays(backend, [mean, variance, mom] as tf.TensorInfo[], [[C], [C]]);
  const [ms, vs, bs] = arrays.inputs as [Float32Array, Float32Array, Float32Array];
  const [mOut, vOut] = arrays.outputs as [Float32Array, Float32Array];
  const { decay } = attrs as { decay: number };
  const [d, od] = [f(decay), f(1 - decay)];
  for (let c = 0; c < C; c++) {
    mOut[c] = f(f((ms[c] as number) * d) + f((bs[c] as number) * od));
    vOut[c] = f(f((vs[c] as number) * d) + f((bs[C + c] as number) * od));
  }
  return arrays.finish();
};

/** Registers the batch norm training kernels (forward, backward, EMA) for a host-memory backend. */
export function registerHostBatchNorm(backendName: string): void {
  registerKernelsOnce(backendName, [
    [BN_TRAIN, forward],
    [BN_TRAIN_GRAD, backward],
    [EMA_UPDATE, ema],
  ]);
}
