import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expect, expectNoLeaks, test } from '@gradkit/test-harness';
import { wouldSplitK } from './webgpuDeterministicMatMul';

const info = (shape: number[]) => ({ dataId: {}, shape, dtype: 'float32' }) as unknown as tf.TensorInfo;
const call = (a: number[], b: number[], transposeA = false, transposeB = false, threshold = 8) =>
  ({
    inputs: { a: info(a), b: info(b) },
    attrs: { transposeA, transposeB },
    backend: { thresholdToIncreaseWorkgroups: threshold },
  }) as unknown as Parameters<tf.KernelFunc>[0];

test("wouldSplitK restates tfjs-webgpu 4.22's rule: one batch, K ≥ 2000, more than 128 outputs in few 32×32 tiles", () => {
  expect(wouldSplitK(call([64, 2560], [2560, 96]))).toBe(true); // 2·3 = 6 tiles ≤ 8
  expect(wouldSplitK(call([2560, 64], [2560, 96], true))).toBe(true); // xᵀ·∂y, K = 2560
  expect(wouldSplitK(call([64, 1999], [1999, 96]))).toBe(false); // K < 2000
  expect(wouldSplitK(call([128, 2560], [2560, 384]))).toBe(false); // 48 tiles
  expect(wouldSplitK(call([8, 2560], [2560, 16]))).toBe(false); // 128 outputs: the reduce program
  expect(wouldSplitK(call([2, 64, 2560], [2, 2560, 96]))).toBe(false); // two batches
  expect(wouldSplitK(call([4, 2560], [384, 2560], false, true))).toBe(true); // ≤ 8 rows: up to 16 tiles (12)
  expect(wouldSplitK(call([16, 2560], [2560, 384]))).toBe(false); // 16 rows: 12 tiles are too many
  expect(wouldSplitK(call([64, 2560], [2560, 96], false, false, 4))).toBe(false); // the backend's threshold
});

/** ∑_k a[i,k]·b[k,j] in float64. */
function product(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const v = a[i * k + p] as number;
      for (let j = 0; j < n; j++) out[i * n + j] = (out[i * n + j] as number) + v * (b[p * n + j] as number);
    }
  return out;
}

describeBackends('matrix products that tfjs-webgpu would split along K', (backend) => {
  const [M, K, N] = [64, 2560, 96];

  test('give the same bits every time (10 runs, plain and fused with a bias), equal to a float64 product to 1e-4', async () => {
    const a = tf.randomUniform([M, K], -1, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomUniform([K, N], -1, 1, 'float32', 2) as tf.Tensor2D;
    const bias = tf.randomUniform([N], -1, 1, 'float32', 3);
    const want = product((await a.data()) as Float32Array, (await b.data()) as Float32Array, M, K, N);
    const biasValues = await bias.data();
    for (const fused of [false, true]) {
      const runs = new Set<string>();
      for (let r = 0; r < 10; r++) {
        const c = fused ? tf.fused.matMul({ a, b, bias }) : tf.matMul(a, b);
        const got = await c.data();
        c.dispose();
        runs.add(Array.from(new Uint32Array(got.buffer, got.byteOffset, got.length)).join(','));
        if (r === 0) {
          for (let i = 0; i < got.length; i++) {
            const w = (want[i] as number) + (fused ? (biasValues[i % N] as number) : 0);
            if (Math.abs((got[i] as number) - w) > 1e-4 * Math.max(1, Math.abs(w)))
              throw new Error(`${backend.name}, fused ${fused}: element ${i} is ${got[i]}, expected ${w}`);
          }
        }
      }
      expect(runs.size).toBe(1);
    }
    tf.dispose([a, b, bias]);
  });

  test('leave the program-type flag as they found it, and leak nothing', async () => {
    const a = tf.randomUniform([M, K], -1, 1, 'float32', 4) as tf.Tensor2D;
    const b = tf.randomUniform([K, N], -1, 1, 'float32', 5) as tf.Tensor2D;
    const flag = backend.name === 'webgpu' ? tf.env().getNumber('WEBGPU_MATMUL_PROGRAM_TYPE') : null;
    await expectNoLeaks(async () => {
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
    });
    if (flag != null) expect(tf.env().getNumber('WEBGPU_MATMUL_PROGRAM_TYPE')).toBe(flag);
    tf.dispose([a, b]);
  });
});
