import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expect, expectValuesClose, test } from '@gradkit/test-harness';
import { dense } from '../dense';
import { matMulTransposed } from '../matMulTransposed';
import { sumRows } from '../sumRows';
import { heapMemory } from './hostArrays';
import { simdGemmOn } from './simd/gemm';

const f = Math.fround;

/** op(a)·op(b) as float32 dot products summed in order k = 0, 1, … (one rounding per multiply and per add). */
function float32Product(
  a: Float32Array,
  b: Float32Array,
  [M, K, N]: number[],
  transposeA: boolean,
  transposeB: boolean,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < M!; i++)
    for (let j = 0; j < N!; j++) {
      let s = f(0);
      for (let k = 0; k < K!; k++) {
        const av = a[transposeA ? k * M! + i : i * K! + k] as number;
        const bv = b[transposeB ? j * K! + k : k * N! + j] as number;
        s = f(s + f(av * bv));
      }
      out.push(s);
    }
  return out;
}

describeBackends('matrix products on a WebAssembly heap (gemm.wat)', (backend) => {
  // every block shape: 4×8, 4×4, 4×1 and the rows past the last multiple of 4; K past one block of 128
  const shapes = [
    [5, 9, 13],
    [4, 3, 8],
    [1, 1, 1],
    [17, 23, 31],
    [100, 100, 10],
    [6, 300, 10], // K in blocks of 128: 128 + 128 + 44, sums continued in order
  ];
  // the SIMD product runs on wasm (in place) and cpu (operands copied in); a plain product (no transpose) is
  // tfjs's own BatchMatMul, which sums in order on wasm (XNNPACK at these sizes) but in blocks on cpu
  const exact = backend.name === 'wasm' || backend.name === 'cpu';
  const exactPlain = backend.name === 'wasm';
  test.each(shapes)(
    '[%i, %i]·[.., %i], all four transposes: the float32 dot product in order (bit for bit on wasm and cpu)',
    async (M, K, N) => {
      for (const transposeA of [false, true])
        for (const transposeB of [false, true]) {
          const a = tf.randomUniform(transposeA ? [K, M] : [M, K], -1, 1, 'float32', M + K);
          const b = tf.randomUniform(transposeB ? [N, K] : [K, N], -1, 1, 'float32', K + N);
          const want = float32Product(
            (await a.data()) as Float32Array,
            (await b.data()) as Float32Array,
            [M, K, N],
            transposeA,
            transposeB,
          );
          const c = matMulTransposed(a, b, transposeA, transposeB);
          const got = Array.from(await c.data());
          if (transposeA || transposeB ? exact : exactPlain) expect(got).toEqual(want);
          else
            expectValuesClose(got, want, {
              atol: 2e-5,
              rtol: 1e-5,
              what: `transposeA ${transposeA}, transposeB ${transposeB}`,
            });
          tf.dispose([a, b, c]);
        }
    },
  );

  test('dense forward: bias and relu applied to the in-order dot product (bit for bit on wasm and cpu)', async () => {
    const [M, K, N] = [7, 11, 13];
    const x = tf.randomUniform([M, K], -1, 1, 'float32', 1);
    const w = tf.randomUniform([K, N], -1, 1, 'float32', 2);
    const bias = tf.randomUniform([N], -1, 1, 'float32', 3);
    const xs = (await x.data()) as Float32Array;
    const ws = (await w.data()) as Float32Array;
    const bs = (await bias.data()) as Float32Array;
    const product = float32Product(xs, ws, [M, K, N], false, false);
    for (const activation of ['linear', 'relu'] as const) {
      const want = product.map((v, i) => {
        const s = f(v + (bs[i % N] as number));
        return activation === 'relu' ? Math.max(s, 0) : s;
      });
      const y = dense(x, w, bias, activation);
      const got = Array.from(await y.data());
      if (exact) expect(got).toEqual(want);
      else expectValuesClose(got, want, { what: activation });
      y.dispose();
    }
    tf.dispose([x, w, bias]);
  });

  test('sumRows: each column summed over the rows in order (bit for bit on wasm), 4-column blocks and 3 more', async () => {
    const x = tf.randomUniform([37, 11], -1, 1, 'float32', 9);
    const xs = (await x.data()) as Float32Array;
    const want = Array.from({ length: 11 }, (_, j) => {
      let s = f(0);
      for (let i = 0; i < 37; i++) s = f(s + (xs[i * 11 + j] as number));
      return s;
    });
    const s = sumRows(x);
    const got = Array.from(await s.data());
    if (backend.name === 'wasm') expect(got).toEqual(want);
    else expectValuesClose(got, want, { atol: 2e-5, rtol: 1e-5, what: 'column sums' });
    tf.dispose([x, s]);
  });

  if (backend.name === 'wasm')
    test("on wasm the products run gemm.wat on the backend's own memory", () => {
      const memory = heapMemory(tf.backend());
      expect(memory).not.toBeNull();
      expect(simdGemmOn(memory as object)).not.toBeNull();
    });
});
