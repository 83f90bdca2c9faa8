import { describe, expect, test } from '@gradkit/test-harness';
import { HostGemm } from './hostGemm';

const f = Math.fround;

describe('HostGemm (the SIMD product on a memory of its own)', () => {
  test('op(A)·B equals the in-order float32 dot products, plain and with A transposed; K past one block; memory grows; mark/release frees', () => {
    const gemm = HostGemm.create();
    expect(gemm).not.toBeNull();
    const g = gemm as HostGemm;
    const [M, K, N] = [9, 301, 13];
    const a = Float32Array.from({ length: M * K }, (_, i) => f(Math.sin(i) * 0.5));
    const b = Float32Array.from({ length: K * N }, (_, i) => f(Math.cos(i * 1.3)));
    for (const transposeA of [false, true]) {
      const base = g.mark();
      // transposed: A stored [K, M]
      const stored = transposeA
        ? Float32Array.from({ length: M * K }, (_, p) => a[(p % M) * K + Math.floor(p / M)] as number)
        : a;
      const ao = g.put(stored);
      const bo = g.put(b);
      const co = g.alloc(M * N);
      g.product(M, N, K, ao, transposeA, bo, co);
      const got = Array.from(g.read(co, M * N));
      const want: number[] = [];
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = f(0);
          for (let k = 0; k < K; k++) s = f(s + f((a[i * K + k] as number) * (b[k * N + j] as number)));
          want.push(s);
        }
      expect(got).toEqual(want);
      g.release(base);
      expect(g.mark()).toBe(base);
    }
    // 4 MB more than the initial memory: grows, and what was put is still there
    const big = new Float32Array(1 << 20).fill(2);
    const at = g.put(big);
    expect(g.read(at + (1 << 20) - 1, 1)[0]).toBe(2);
  });
});
