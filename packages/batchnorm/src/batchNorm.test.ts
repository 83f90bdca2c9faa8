import * as tf from '@tensorflow/tfjs-core';
import {
  checkGradients,
  describeBackends,
  expect,
  expectNoLeaks,
  expectTensorClose,
  expectValuesClose,
  normalValues,
  randomInput,
  test,
  uniformValues,
  valuesOf,
  variableOf,
} from '@gradkit/test-harness';
import { batchNorm, createPopulationStatistics, disposePopulationStatistics } from './index';
import { referenceBatchNorm, referenceMoments } from './reference.test-util';

const C = 3;

describeBackends('batchNorm', () => {
  test('training, [N, C]: forward and gradients (x, γ, β) match the float64 reference and finite differences', async () => {
    await checkGradients({
      f: (x, gamma, beta) => batchNorm(x, { gamma, beta }, null, { training: true }),
      reference: (x, gamma, beta) => referenceBatchNorm(x, C, { gamma, beta }),
      inputs: [randomInput([6, C], 1, -2, 2), randomInput([C], 2, 0.5, 1.5), randomInput([C], 3)],
      forwardTolerance: { rtol: 1e-4, atol: 1e-5 },
    });
  });

  test('training, [N, H, W, C]: per-channel moments over N, H, W', async () => {
    await checkGradients({
      f: (x, gamma) => batchNorm(x, { gamma }, null, { training: true, epsilon: 1e-2 }),
      reference: (x, gamma) => referenceBatchNorm(x, C, { gamma, epsilon: 1e-2 }),
      inputs: [randomInput([2, 2, 3, C], 4, -1, 3), randomInput([C], 5, 0.5, 2)],
      forwardTolerance: { rtol: 1e-4, atol: 1e-5 },
    });
  });

  test('scale: false and center: false (no γ, no β) differentiate too', async () => {
    await checkGradients({
      f: (x) => batchNorm(x, {}, null, { training: true }),
      reference: (x) => referenceBatchNorm(x, C, {}),
      inputs: [randomInput([5, C], 6, -2, 2)],
      forwardTolerance: { rtol: 1e-4, atol: 1e-5 },
    });
  });

  test('masked moments ignore masked rows; the gradient is that of the masked formula', async () => {
    const mask = [1, 0, 1, 1, 0, 1];
    const m = tf.tensor1d(mask);
    const input = randomInput([6, C], 7, -2, 2);
    await checkGradients({
      f: (x, beta) => batchNorm(x, { beta }, null, { training: true, mask: m }),
      reference: (x, beta) => referenceBatchNorm(x, C, { beta, mask }),
      inputs: [input, randomInput([C], 8)],
      forwardTolerance: { rtol: 1e-4, atol: 1e-5 },
    });
    // changing a masked row changes nothing in the kept rows
    const changed = input.values.map((v, i) => (Math.floor(i / C) === 1 ? v + 100 : v));
    const [a, b] = [input.values, changed].map((vals) =>
      tf.tidy(() => batchNorm(tf.tensor2d(vals, [6, C]), {}, null, { training: true, mask: m })),
    );
    const [va, vb] = [await valuesOf(a as tf.Tensor), await valuesOf(b as tf.Tensor)];
    expectValuesClose(
      vb.filter((_, i) => mask[Math.floor(i / C)] === 1),
      va.filter((_, i) => mask[Math.floor(i / C)] === 1),
    );
    tf.dispose([m, a as tf.Tensor, b as tf.Tensor]);
  });

  test('inference uses the population statistics: y = γ(x − μ)/√(σ² + ε) + β', async () => {
    const stats = createPopulationStatistics(C);
    tf.tidy(() => {
      stats.mean.assign(tf.tensor1d([0.5, -1, 2]));
      stats.variance.assign(tf.tensor1d([4, 0.25, 1]));
    });
    const x = randomInput([4, C], 9, -3, 3);
    const gamma = [1.5, 0.5, 2];
    const beta = [0.1, 0.2, -0.3];
    const y = tf.tidy(() =>
      batchNorm(tf.tensor2d(x.values, [4, C]), { gamma: tf.tensor1d(gamma), beta: tf.tensor1d(beta) }, stats, {
        training: false,
      }),
    );
    await expectTensorClose(
      y,
      referenceBatchNorm(x.values, C, { gamma, beta, mean: [0.5, -1, 2], variance: [4, 0.25, 1] }),
    );
    // inference leaves the statistics alone
    await expectTensorClose(stats.mean, [0.5, -1, 2]);
    tf.dispose(y);
    disposePopulationStatistics(stats);
  });

  test('any number of population statistics coexist, under the same or the default name (tfjs variable names are global)', async () => {
    const all = [
      createPopulationStatistics(C),
      createPopulationStatistics(C),
      createPopulationStatistics(2, 'layer'),
      createPopulationStatistics(2, 'layer'),
    ];
    const names = all.flatMap((s) => [s.mean.name, s.variance.name, s.count.name]);
    expect(new Set(names).size).toBe(names.length);
    expect(all[0]?.mean.name).toMatch(/^batch_norm_\d+\/population_mean$/);
    expect(all[3]?.variance.name).toMatch(/^layer_\d+\/population_variance$/);
    await expectTensorClose(all[1]?.variance as tf.Tensor, [1, 1, 1]);
    all.forEach(disposePopulationStatistics);
  });

  test('EMA update: pop ← pop·decay + batch·(1 − decay) after each training call', async () => {
    const stats = createPopulationStatistics(C);
    const batches = [uniformValues(4 * C, 10, -2, 2), uniformValues(4 * C, 11, 0, 3)];
    let mean = [0, 0, 0];
    let variance = [1, 1, 1];
    for (const b of batches) {
      tf.dispose(tf.tidy(() => batchNorm(tf.tensor2d(b, [4, C]), {}, stats, { training: true, decay: 0.9 })));
      const r = referenceMoments(b, C);
      mean = mean.map((p, c) => 0.9 * p + 0.1 * (r.mean[c] as number));
      variance = variance.map((p, c) => 0.9 * p + 0.1 * (r.variance[c] as number));
    }
    await expectTensorClose(stats.mean, mean);
    await expectTensorClose(stats.variance, variance);
    disposePopulationStatistics(stats);
  });

  test('cumulative update: exactly the mean and variance of every entry seen (batches of different sizes)', async () => {
    const stats = createPopulationStatistics(C);
    const batches = [normalValues(5 * C, 12, 1, 2), normalValues(3 * C, 13, -1, 0.5), normalValues(8 * C, 14, 0, 1)];
    for (const b of batches)
      tf.dispose(
        tf.tidy(() =>
          batchNorm(tf.tensor2d(b, [b.length / C, C]), {}, stats, { training: true, update: 'cumulative' }),
        ),
      );
    const all = referenceMoments(batches.flat(), C);
    await expectTensorClose(stats.mean, all.mean, { rtol: 1e-5, atol: 1e-5 });
    await expectTensorClose(stats.variance, all.variance, { rtol: 1e-5, atol: 1e-5 });
    await expectTensorClose(stats.count, 16);
    disposePopulationStatistics(stats);
  });

  test('center: false / scale: false train inside an optimizer, and 1,000 steps leak nothing', async () => {
    // a BN-MLP step: y = softmax(W2·σ(BN(W1·x))); only γ (no β), then only β (no γ)
    const x = tf.tensor2d(uniformValues(8 * 4, 15, -1, 1), [8, 4]);
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3));
    for (const affine of ['gamma', 'beta'] as const) {
      const w1 = variableOf(uniformValues(4 * 5, 16, -1, 1), [4, 5]);
      const w2 = variableOf(uniformValues(5 * 3, 17, -1, 1), [5, 3]);
      const p = affine === 'gamma' ? variableOf([1, 1, 1, 1, 1]) : variableOf([0, 0, 0, 0, 0]);
      const stats = createPopulationStatistics(5);
      const sgd = tf.train.sgd(0.5);
      const loss = () =>
        tf.losses.softmaxCrossEntropy(
          labels,
          tf.matMul(tf.sigmoid(batchNorm(tf.matMul(x, w1), { [affine]: p }, stats, { training: true })), w2),
        ) as tf.Scalar;
      const before = tf.tidy(loss);
      const first = (await before.data())[0] as number;
      before.dispose();
      const steps = affine === 'gamma' ? 1000 : 50;
      await expectNoLeaks(async () => {
        for (let i = 0; i < steps; i++) {
          const l = sgd.minimize(loss, true) as tf.Scalar;
          if (i % 100 === 0) await l.data();
          l.dispose();
        }
      }, `${steps} training steps`);
      const after = tf.tidy(loss);
      expect((await after.data())[0]).toBeLessThan(first);
      const moved = await valuesOf(p);
      expect(moved.some((v) => v !== (affine === 'gamma' ? 1 : 0))).toBe(true);
      tf.dispose([after, w1, w2, p]);
      disposePopulationStatistics(stats);
      sgd.dispose();
    }
    tf.dispose([x, labels]);
  });

  test('bad input is a one-line error naming the value', () => {
    const x = tf.zeros([4, 3]);
    const g = tf.ones([4]);
    expect(() => batchNorm(x, { gamma: g }, null, { training: true })).toThrow(
      'batchNorm: gamma has shape [4], expected [3] (one per channel of x [4,3])',
    );
    expect(() => batchNorm(x, {}, null, { training: false })).toThrow(
      /^batchNorm: inference \(training: false\) needs population statistics/,
    );
    expect(() => batchNorm(x, {}, null, {} as never)).toThrow(
      'batchNorm: options.training is undefined, expected true (batch statistics) or false (population statistics)',
    );
    const v = tf.zeros([3]);
    expect(() => batchNorm(v, {}, null, { training: true })).toThrow(
      'batchNorm: x has shape [3], expected rank ≥ 2 with channels last ([N, C] or [N, H, W, C])',
    );
    const m = tf.ones([3]);
    expect(() => batchNorm(x, {}, null, { training: true, mask: m })).toThrow(
      "batchNorm: mask has shape [3], expected [4] (x's shape without the channel axis)",
    );
    tf.dispose([x, g, m, v]);
  });
});
