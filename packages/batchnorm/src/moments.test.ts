import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expect, expectTensorClose, test, uniformValues } from '@gradkit/test-harness';
import { batchMoments } from './moments';

/**
 * The moments in plain numbers, per channel over every other axis: μ = Σ m·x / M, σ² = Σ m·(x − μ)² / M, M = Σ m
 * (the biased variance). `x` is row-major with channels last; `mask` has one entry per row (null: all count).
 */
function plainMoments(x: number[], channels: number, mask: number[] | null) {
  const rows = x.length / channels;
  const mean: number[] = [];
  const variance: number[] = [];
  const weight = (r: number) => (mask == null ? 1 : (mask[r] as number));
  let count = 0;
  for (let r = 0; r < rows; r++) count += weight(r);
  for (let c = 0; c < channels; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += weight(r) * (x[r * channels + c] as number);
    const mu = s / count;
    let v = 0;
    for (let r = 0; r < rows; r++) v += weight(r) * ((x[r * channels + c] as number) - mu) ** 2;
    mean.push(mu);
    variance.push(v / count);
  }
  return { mean, variance, count };
}

describeBackends('batchMoments', () => {
  const [n, t, c] = [4, 5, 3];
  // shifted so that the mean is far from 0: an unbiased (÷ (M − 1)) or uncentred variance is off by far more than
  // the float32 tolerance
  const values = uniformValues(n * t * c, 3, 2, 6);

  test('[N, T, C] without a mask: every entry counts, biased variance, count = N·T', async () => {
    const x = tf.tensor3d(values, [n, t, c]);
    const { mean, variance, count } = batchMoments(x);
    const want = plainMoments(values, c, null);
    await expectTensorClose(mean, want.mean);
    await expectTensorClose(variance, want.variance);
    expect((await count.data())[0]).toBe(n * t);
    tf.dispose([x, mean, variance, count]);
  });

  test('with a padding mask: masked entries leave the moments, count = the kept entries', async () => {
    const x = tf.tensor3d(values, [n, t, c]);
    // example k keeps its first k + 2 steps (2, 3, 4, 5 of 5)
    const maskValues = Array.from({ length: n * t }, (_, i) => (i % t < Math.floor(i / t) + 2 ? 1 : 0));
    const mask = tf.tensor2d(maskValues, [n, t]);
    const { mean, variance, count } = batchMoments(x, mask);
    const want = plainMoments(values, c, maskValues);
    await expectTensorClose(mean, want.mean);
    await expectTensorClose(variance, want.variance);
    expect((await count.data())[0]).toBe(want.count);
    // and not the unmasked moments
    const all = plainMoments(values, c, null);
    expect(Math.abs(((await mean.data())[0] as number) - (all.mean[0] as number))).toBeGreaterThan(1e-3);
    tf.dispose([x, mask, mean, variance, count]);
  });
});
