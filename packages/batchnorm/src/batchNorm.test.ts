import * as tf from '@tensorflow/tfjs-core';
import {
  checkGradients,
  countGpuPrograms,
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
import {
  batchNorm,
  createPopulationStatistics,
  disposePopulationStatistics,
  resetPopulationStatistics,
  updatePopulationStatistics,
  type BatchNormOptions,
  type BatchNormParams,
} from './index';
import { heapMemory, instantiateOn } from '@gradkit/core';
import { BATCH_NORM_WASM_BASE64 } from './kernels/simd/batchNorm.generated';
import { referenceBatchNorm, referenceMoments } from './reference.test-util';

const C = 3;

describeBackends('batchNorm', (backend) => {
  test('training, [N, C]: forward and gradients (x, γ, β) match the float64 reference and finite differences', async () => {
    await checkGradients({
      f: (x, gamma, beta) => batchNorm(x, { gamma, beta }, null, { training: true }),
      reference: (x, gamma, beta) => referenceBatchNorm(x, C, { gamma, beta }),
      inputs: [randomInput([6, C], 1, -2, 2), randomInput([C], 2, 0.5, 1.5), randomInput([C], 3)],
      forwardTolerance: { rtol: 1e-4, atol: 1e-5 },
    });
  });

  test("activation 'relu', training and inference: y = relu(γ·x̂ + β), gradients (x, γ, β) against finite differences", async () => {
    await checkGradients({
      f: (x, gamma, beta) => batchNorm(x, { gamma, beta }, null, { training: true, activation: 'relu' }),
      reference: (x, gamma, beta) => referenceBatchNorm(x, C, { gamma, beta }).map((v) => Math.max(0, v)),
      // 70 rows: more rows than a workgroup's 64 threads on webgpu
      inputs: [randomInput([70, C], 11, -2, 2), randomInput([C], 12, 0.5, 1.5), randomInput([C], 13)],
      forwardTolerance: { rtol: 1e-4, atol: 1e-5 },
    });
    const stats = createPopulationStatistics(C);
    const x = tf.tensor2d(uniformValues(12, 14, -2, 2), [4, C]);
    const y = batchNorm(x, {}, stats, { training: false, activation: 'relu' });
    const xs = await valuesOf(x);
    expectValuesClose(
      await valuesOf(y),
      xs.map((v) => Math.max(0, v / Math.sqrt(1 + 1e-3))),
      { what: 'inference' },
    );
    tf.dispose([x, y]);
    disposePopulationStatistics(stats);
  });

  test.each([
    [8, true],
    [12, false],
  ])(
    '%i channels (4-channel SIMD blocks on wasm), γ and β %s, relu: forward and gradients match the float64 reference and finite differences',
    async (channels, affine) => {
      await checkGradients({
        f: (x, gamma, beta) =>
          batchNorm(x, affine ? { gamma, beta } : {}, null, { training: true, activation: 'relu' }),
        reference: (x, gamma, beta) =>
          referenceBatchNorm(x, channels, affine ? { gamma, beta } : {}).map((v) => Math.max(0, v)),
        inputs: [
          randomInput([9, channels], 21, -2, 2),
          randomInput([channels], 22, 0.5, 1.5),
          randomInput([channels], 23),
        ],
        ...(affine ? {} : { wrt: [0] }),
        forwardTolerance: { rtol: 1e-4, atol: 1e-5 },
      });
    },
  );

  if (backend.name === 'wasm')
    test("on wasm the training kernels' SIMD passes load on the backend's own memory", () => {
      const memory = heapMemory(tf.backend());
      expect(memory).not.toBeNull();
      expect(instantiateOn(BATCH_NORM_WASM_BASE64, memory as object)).not.toBeNull();
    });

  if (backend.name === 'webgpu' || backend.name === 'webgl')
    test('on webgpu a training step of the layer is three programs (forward, EMA update, backward), on webgl six', async () => {
      const x = tf.randomNormal([100, 16], 0, 1, 'float32', 1);
      const gamma = tf.ones([16]);
      const beta = tf.zeros([16]);
      const dy = tf.randomNormal([100, 16], 0, 1, 'float32', 2);
      const stats = createPopulationStatistics(16);
      const step = () =>
        tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
          batchNorm(xx, { gamma: gg, beta: bb }, stats, { training: true, activation: 'relu' }),
        )([x, gamma, beta], dy);
      tf.dispose(step()); // compiles the shaders, uploads the inputs
      const counter = countGpuPrograms();
      const grads = step();
      expect(counter.stop()).toBe(backend.name === 'webgpu' ? 3 : 6);
      tf.dispose([x, gamma, beta, dy, ...grads]);
      disposePopulationStatistics(stats);
    });

  test('the training kernels are registered for cpu and wasm (host loops), webgpu (WGSL) and webgl (GLSL)', () => {
    for (const name of ['GradkitBatchNormTrain', 'GradkitBatchNormTrainGrad'])
      for (const b of ['cpu', 'wasm', 'webgpu', 'webgl']) expect(tf.getKernel(name, b)).toBeDefined();
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

  test('center: false / scale: false train inside an optimizer, and 200 steps leak nothing', async () => {
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
      const steps = affine === 'gamma' ? 200 : 50;
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

describeBackends('batchNorm: defaults, update modes and bad input', () => {
  const mean = [0.5, -1, 2];
  const variance = [4, 0.25, 1];

  test('inference with γ only, β only, neither, and another ε: y = γ(x − μ)/√(σ² + ε) + β with γ = 1, β = 0 when absent', async () => {
    const stats = createPopulationStatistics(C);
    tf.tidy(() => {
      stats.mean.assign(tf.tensor1d(mean));
      stats.variance.assign(tf.tensor1d(variance));
    });
    const x = randomInput([4, C], 40, -3, 3);
    const gamma = [1.5, 0.5, 2];
    const beta = [0.1, 0.2, -0.3];
    const cases: [BatchNormParams, { gamma?: number[]; beta?: number[] }, number | undefined][] = [
      [{ gamma: tf.tensor1d(gamma) }, { gamma }, undefined],
      [{ beta: tf.tensor1d(beta) }, { beta }, undefined],
      [{}, {}, undefined],
      [{ gamma: null, beta: null }, {}, 0.5],
    ];
    for (const [params, plain, epsilon] of cases) {
      const y = tf.tidy(() =>
        batchNorm(tf.tensor2d(x.values, [4, C]), params, stats, { training: false, ...(epsilon ? { epsilon } : {}) }),
      );
      await expectTensorClose(y, referenceBatchNorm(x.values, C, { ...plain, mean, variance, epsilon }));
      tf.dispose([y, ...Object.values(params).filter((t): t is tf.Tensor => t != null)]);
    }
    disposePopulationStatistics(stats);
  });

  test('training with a mask, γ and β: forward and gradients match the masked float64 reference', async () => {
    const mask = [0, 1, 1, 0, 1];
    const m = tf.tensor1d(mask);
    await checkGradients({
      f: (x, gamma, beta) => batchNorm(x, { gamma, beta }, null, { training: true, mask: m }),
      reference: (x, gamma, beta) => referenceBatchNorm(x, C, { gamma, beta, mask }),
      inputs: [randomInput([5, C], 41, -2, 2), randomInput([C], 42, 0.5, 1.5), randomInput([C], 43)],
      forwardTolerance: { rtol: 1e-4, atol: 1e-5 },
    });
    m.dispose();
  });

  test("a training call without update or decay updates by EMA with decay 0.999; update: 'none' leaves the statistics alone", async () => {
    const b = uniformValues(4 * C, 44, 1, 5);
    const r = referenceMoments(b, C);
    const stats = createPopulationStatistics(C);
    const x = tf.tensor2d(b, [4, C]);
    tf.dispose(batchNorm(x, {}, stats, { training: true }));
    await expectTensorClose(
      stats.mean,
      r.mean.map((m) => 0.001 * m),
      { rtol: 1e-4, atol: 1e-7 },
    );
    await expectTensorClose(
      stats.variance,
      r.variance.map((v) => 0.999 + 0.001 * v),
      { rtol: 1e-6, atol: 1e-7 },
    );
    const [m0, v0] = [await valuesOf(stats.mean), await valuesOf(stats.variance)];
    const y = batchNorm(x, {}, stats, { training: true, update: 'none' });
    // still batch statistics
    await expectTensorClose(y, referenceBatchNorm(b, C, {}), { rtol: 1e-4, atol: 1e-5 });
    expect([await valuesOf(stats.mean), await valuesOf(stats.variance), await valuesOf(stats.count)]).toEqual([
      m0,
      v0,
      [0],
    ]);
    tf.dispose([x, y]);
    disposePopulationStatistics(stats);
  });

  test('updatePopulationStatistics directly: EMA with the default decay 0.999, cumulative counts, reset goes back to 0, 1, 0', async () => {
    const stats = createPopulationStatistics(2);
    const batch = { mean: tf.tensor1d([2, -4]), variance: tf.tensor1d([3, 0.5]), count: tf.scalar(6) };
    updatePopulationStatistics(stats, batch, 'ema');
    await expectTensorClose(stats.mean, [0.002, -0.004], { rtol: 1e-4, atol: 1e-8 });
    await expectTensorClose(stats.variance, [0.999 + 0.003, 0.999 + 0.0005], { rtol: 1e-6, atol: 1e-8 });
    updatePopulationStatistics(stats, batch, 'none');
    await expectTensorClose(stats.mean, [0.002, -0.004], { rtol: 1e-4, atol: 1e-8 });
    resetPopulationStatistics(stats);
    expect([await valuesOf(stats.mean), await valuesOf(stats.variance), await valuesOf(stats.count)]).toEqual([
      [0, 0],
      [1, 1],
      [0],
    ]);
    // cumulative from the reset state: the batch's own moments, then the pooled moments of 6 + 6 entries
    updatePopulationStatistics(stats, batch, 'cumulative');
    await expectTensorClose(stats.mean, [2, -4]);
    await expectTensorClose(stats.variance, [3, 0.5]);
    const second = { mean: tf.tensor1d([4, -4]), variance: tf.tensor1d([1, 1.5]), count: tf.scalar(6) };
    updatePopulationStatistics(stats, second, 'cumulative');
    // pooled: mean (2 + 4)/2 = 3, variance (3 + 1)/2 + ((4 − 2)/2)² = 3; mean −4, variance (0.5 + 1.5)/2 = 1
    await expectTensorClose(stats.mean, [3, -4]);
    await expectTensorClose(stats.variance, [3, 1]);
    await expectTensorClose(stats.count, 12);
    tf.dispose([...Object.values(batch), ...Object.values(second)]);
    disposePopulationStatistics(stats);
  });

  test('createPopulationStatistics takes a positive integer channel count', async () => {
    for (const channels of [0, -1, 2.5, NaN]) {
      expect(() => createPopulationStatistics(channels)).toThrow(
        new RangeError(`createPopulationStatistics: channels = ${channels}, expected a positive integer`),
      );
    }
    const one = createPopulationStatistics(1);
    expect([await valuesOf(one.mean), await valuesOf(one.variance), await valuesOf(one.count)]).toEqual([
      [0],
      [1],
      [0],
    ]);
    expect([one.mean.trainable, one.variance.trainable, one.count.trainable]).toEqual([false, false, false]);
    disposePopulationStatistics(one);
    expect(one.mean.isDisposed && one.variance.isDisposed && one.count.isDisposed).toBe(true);
  });

  test('every bad argument is a one-line error naming it; the boundary values are accepted', async () => {
    const x = tf.zeros([4, C]);
    const stats = createPopulationStatistics(C);
    const run = (options: Partial<BatchNormOptions>, params: BatchNormParams = {}, s = stats) =>
      tf.dispose(batchNorm(x, params, s, { training: true, update: 'none', ...options }));
    expect(() => batchNorm([[1, 2]] as never, {}, null, { training: true })).toThrow(
      new TypeError('batchNorm: x is object, expected a tf.Tensor of shape [N, C] or [N, …, C]'),
    );
    expect(() => batchNorm(x, {}, null, undefined as never)).toThrow(
      'batchNorm: options.training is missing, expected true (batch statistics) or false (population statistics)',
    );
    expect(() => batchNorm(x, {}, null, { training: 'yes' } as never)).toThrow(
      'batchNorm: options.training is yes, expected true (batch statistics) or false (population statistics)',
    );
    const g = tf.ones([C, 1]);
    const b = tf.ones([C + 1]);
    expect(() => run({}, { gamma: g })).toThrow(
      'batchNorm: gamma has shape [3,1], expected [3] (one per channel of x [4,3])',
    );
    expect(() => run({}, { beta: b })).toThrow(
      'batchNorm: beta has shape [4], expected [3] (one per channel of x [4,3])',
    );
    const two = createPopulationStatistics(2);
    expect(() => run({}, {}, two)).toThrow('batchNorm: population statistics have 2 channels, x has 3');
    expect(() => batchNorm(x, {}, null, { training: false })).toThrow(
      'batchNorm: inference (training: false) needs population statistics; pass them, or use training: true with update: "none" for batch statistics',
    );
    for (const epsilon of [0, -1e-3, NaN])
      expect(() => run({ epsilon })).toThrow(new RangeError(`batchNorm: epsilon = ${epsilon}, expected a number > 0`));
    for (const decay of [-0.01, 1.01, NaN])
      expect(() => run({ decay })).toThrow(new RangeError(`batchNorm: decay = ${decay}, expected a number in [0, 1]`));
    expect(() => run({ update: 'median' as never })).toThrow(
      new TypeError(`batchNorm: update = "median", expected 'ema', 'cumulative' or 'none'`),
    );
    expect(() => run({ activation: 'tanh' as never })).toThrow(
      new TypeError(`batchNorm: activation = "tanh", expected 'linear' or 'relu'`),
    );
    // accepted: the smallest ε, decay 0 and 1, every update mode, both activations
    run({ epsilon: 1e-12 });
    for (const activation of ['linear', 'relu'] as const) run({ activation });
    for (const decay of [0, 1]) run({ decay, update: 'ema' });
    run({ update: 'cumulative' });
    tf.dispose([x, g, b]);
    disposePopulationStatistics(stats);
    disposePopulationStatistics(two);
  });
});
