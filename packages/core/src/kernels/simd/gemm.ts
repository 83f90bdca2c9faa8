import { GEMM_WASM_BASE64 } from './gemm.generated';
import { instantiateOn } from './instantiate';

/**
 * gemm.wat's product on the memory of the backend that holds the tensors: C[i, j] = act(Σ_k A[i, k]·B[k, j] + bias[j])
 * for i < M, j < N, each output the float32 dot product in order k = 0, 1, …. Byte offsets: A element (i, k) at
 * a + 4·(i·ars + k·aks), B row k at b + 4·k·ldb (contiguous in j), C row i at c + 4·i·ldc; bias 0 for none; relu 0/1.
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
  ): void;
  /** s[j] = Σ_i X[i, j] for X [R, C] at byte offset x, rows added in order; s at byte offset s. */
  colsum(R: number, C: number, x: number, s: number): void;
}

/** The product kernel instantiated on `memory`, or null where unavailable (see {@link instantiateOn}). */
export function simdGemmOn(memory: object): SimdGemm | null {
  return instantiateOn<SimdGemm>(GEMM_WASM_BASE64, memory);
}
