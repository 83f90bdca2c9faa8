import type * as tf from '@tensorflow/tfjs-core';
import { heapMemory, isHeapBackend } from './hostArrays';
import { gemmBlocked, simdGemmOn } from './simd/gemm';

/**
 * op(a)·op(b) (+ bias, then relu) with gemm.wat's SIMD product on the WebAssembly memory that holds the tensors
 * (tfjs's wasm backend), or null when the call is not one it takes — another backend, a shared memory, ranks other
 * than 2 or 3, batch sizes that differ, a dtype other than float32 — so that the caller runs its fallback.
 *
 * op(a) = aᵀ costs nothing (the kernel reads A with any strides); op(b) = bᵀ is written out once, [K, N], into
 * scratch memory of the backend (the kernel reads B's rows contiguously). Each output is the float32 dot product in
 * order (see gemm.wat): on [100, 784]·[784, 100] about 38 GFLOP/s on one core here, where tfjs-wasm's XNNPACK runs
 * 18–19 (its transposed-flag products 0.4–1.2).
 */
export function simdMatMul(
  backend: unknown,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias: tf.TensorInfo | null = null,
  relu = false,
): tf.TensorInfo | null {
  if (!isHeapBackend(backend) || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  if (bias != null && bias.dtype !== 'float32') return null;
  const rank = a.shape.length;
  if ((rank !== 2 && rank !== 3) || b.shape.length !== rank) return null;
  const batch = rank === 3 ? (a.shape[0] as number) : 1;
  if (rank === 3 && b.shape[0] !== batch) return null;
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [M, K] = transposeA ? [ac, ar] : [ar, ac];
  const [K2, N] = transposeB ? [bc, br] : [br, bc];
  if (K !== K2 || (bias != null && (bias.shape.length !== 1 || bias.shape[0] !== N))) return null;
  const memory = heapMemory(backend);
  const kernel = memory == null ? null : simdGemmOn(memory);
  if (kernel == null) return null;
  // allocations first (each may grow the heap), then the views and offsets
  const scratch = transposeB ? backend.makeOutput([batch, K, N], 'float32') : null;
  const out = backend.makeOutput(rank === 3 ? [batch, M, N] : [M, N], 'float32');
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  const av = view(a);
  let bv = view(b);
  if (scratch != null) {
    // bᵀ per batch: [N, K] → [K, N]
    const sv = view(scratch);
    for (let p = 0; p < batch; p++) {
      const src = p * N * K;
      for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) sv[src + k * N + n] = bv[src + n * K + k] as number;
    }
    bv = sv;
  }
  const ov = view(out);
  const biasOffset = bias == null ? 0 : view(bias).byteOffset;
  const [ars, aks] = transposeA ? [1, M] : [K, 1];
  for (let p = 0; p < batch; p++) {
    gemmBlocked(
      kernel,
      M,
      N,
      K,
      av.byteOffset + 4 * p * M * K,
      ars,
      aks,
      bv.byteOffset + 4 * p * K * N,
      N,
      ov.byteOffset + 4 * p * M * N,
      N,
      biasOffset,
      relu,
    );
  }
  if (scratch != null) backend.disposeData(scratch.dataId);
  return out;
}
