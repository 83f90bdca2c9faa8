import { GEMM_WASM_BASE64 } from './gemm.generated';
import { instantiateOn } from './instantiate';

/**
 * gemm.wat's product on the memory of the backend that holds the tensors: C[i, j] = act(Σ_k A[i, k]·B[k, j] + bias[j])
 * for i < M, j < N, each output the float32 dot product in order k = 0, 1, …. Byte offsets: A element (i, k) at
 * a + 4·(i·ars + k·aks), B row k at b + 4·k·ldb (contiguous in j), C row i at c + 4·i·ldc; bias 0 for none; relu 0/1;
 * acc 1 to continue the sums already in C (K split into blocks; same order of additions).
 */
export interface SimdGemm {
  gemm(
    M: number,
    N: number,
    K: number,
    a: number,
    ars: number,
    aks: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    bias: number,
    relu: number,
    acc: number,
  ): void;
  /** s[j] = Σ_i X[i, j] for X [R, C] at byte offset x, rows added in order; s at byte offset s. */
  colsum(R: number, C: number, x: number, s: number): void;
}

/**
 * C = act(op(A)·B + bias) through `kernel` in blocks of 128 along K (so that the rows of B a block reads stay in cache:
 * [128, 1600]ᵀ·[1600, 384] runs at 34 GFLOP/s instead of 22), the bias and activation applied with the last block.
 * Offsets in bytes, as {@link SimdGemm.gemm}; the result is the same as one call's.
 */
export function gemmBlocked(
  kernel: SimdGemm,
  M: number,
  N: number,
  K: number,
  a: number,
  ars: number,
  aks: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
  bias: number,
  relu: boolean,
): void {
  const KC = 128;
  if (K <= KC) {
    kernel.gemm(M, N, K, a, ars, aks, b, ldb, c, ldc, bias, relu ? 1 : 0, 0);
    return;
  }
  for (let k0 = 0; k0 < K; k0 += KC) {
    const last = k0 + KC >= K;
    kernel.gemm(
      M,
      N,
      Math.min(KC, K - k0),
      a + 4 * k0 * aks,
      ars,
      aks,
      b + 4 * k0 * ldb,
      ldb,
      c,
      ldc,
      last ? bias : 0,
      last && relu ? 1 : 0,
      k0 > 0 ? 1 : 0,
    );
  }
}

/** The product kernel instantiated on `memory`, or null where unavailable (see {@link instantiateOn}). */
export function simdGemmOn(memory: object): SimdGemm | null {
  return instantiateOn<SimdGemm>(GEMM_WASM_BASE64, memory);
}
