import type * as tf from '@tensorflow/tfjs-core';
import { heapMemory, isHeapBackend } from './hostArrays';
import { gemmBlocked, simdGemmOn } from './simd/gemm';
import { HostGemm } from './simd/hostGemm';

/**
 * op(a)·op(b) (+ bias, then relu) with gemm.wat's SIMD product: in place on the WebAssembly memory that holds the
 * tensors (tfjs's wasm backend), or on a backend that hands out its arrays (tfjs's cpu: `readSync`, `write`) with the
 * operands copied into {@link HostGemm}'s memory and the result back (only with `copies`: the registration says which
 * backends keep their arrays in host memory — a GPU backend's readSync would download). Null when the call is not one it takes — a
 * GPU backend, a shared memory, ranks other than 2 or 3, batch sizes that differ, a dtype other than float32 — so
 * that the caller runs its fallback.
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
  copies = false,
): tf.TensorInfo | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
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
  if (!isHeapBackend(backend)) {
    return copies ? copiedMatMul(backend, a, b, { batch, M, N, K, rank, transposeA, transposeB }, bias, relu) : null;
  }
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

interface PlainHostBackend {
  readSync(dataId: object): unknown;
  write(values: Float32Array, shape: number[], dtype: 'float32'): object;
}

function isPlainHostBackend(b: unknown): b is PlainHostBackend {
  const h = b as Partial<PlainHostBackend> | null;
  return h != null && typeof h.readSync === 'function' && typeof h.write === 'function';
}

/** {@link simdMatMul} on a backend that hands out its arrays (cpu): operands copied into HostGemm's memory. */
function copiedMatMul(
  backend: unknown,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  d: { batch: number; M: number; N: number; K: number; rank: number; transposeA: boolean; transposeB: boolean },
  bias: tf.TensorInfo | null,
  relu: boolean,
): tf.TensorInfo | null {
  const gemm = HostGemm.shared();
  if (gemm == null || !isPlainHostBackend(backend)) return null;
  const { batch, M, N, K, rank, transposeA, transposeB } = d;
  const read = (t: tf.TensorInfo) => backend.readSync(t.dataId);
  const av = read(a);
  const bRead = read(b);
  if (!(av instanceof Float32Array) || !(bRead instanceof Float32Array)) return null;
  let bv: Float32Array = bRead;
  if (transposeB) {
    const src = bRead;
    const packed = new Float32Array(src.length);
    for (let p = 0; p < batch; p++)
      for (let n = 0; n < N; n++)
        for (let k = 0; k < K; k++) packed[p * N * K + k * N + n] = src[p * N * K + n * K + k] as number;
    bv = packed;
  }
  const mark = gemm.mark();
  try {
    const ao = gemm.put(av);
    const bo = gemm.put(bv);
    const biasValues = bias == null ? null : read(bias);
    const bi = biasValues instanceof Float32Array ? gemm.put(biasValues) : null;
    const co = gemm.alloc(batch * M * N);
    for (let p = 0; p < batch; p++)
      gemm.product(M, N, K, ao + p * M * K, transposeA, bo + p * K * N, co + p * M * N, bi, relu);
    const shape = rank === 3 ? [batch, M, N] : [M, N];
    return { dataId: backend.write(gemm.read(co, batch * M * N), shape, 'float32'), shape, dtype: 'float32' };
  } finally {
    gemm.release(mark);
  }
}
