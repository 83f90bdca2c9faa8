import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  describeBackends,
  expect,
  expectNoLeaks,
  expectTensorClose,
  expectValuesClose,
  normalValues,
  test,
  valuesOf,
} from '@gradkit/test-harness';
import {
  BatchNorm,
  batchNorm,
  createPopulationStatistics,
  disposePopulationStatistics,
  estimatePopulationStatistics,
  type BatchNormArgs,
  type StatisticsModel,
} from './index';
import { referenceBatchNorm, referenceMoments } from './reference.test-util';

/** A model with one BN layer first, so its input is the data itself. */
function bnModel(layer: tfl.layers.Layer, inputShape: number[]): tfl.Sequential {
  return tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape }), layer] });
}

describeBackends('BatchNorm layer', () => {
  test.each([
    ['[N, C]', [8, 5]],
    ['[N, H, W, C]', [4, 3, 3, 2]],
  ])(
    'matches tfjs-layers BatchNormalization %s in training and inference, moving statistics included',
    async (_name, shape) => {
      const channels = shape.at(-1) as number;
      const ours = bnModel(new BatchNorm({ decay: 0.9 }), shape.slice(1));
      const theirs = bnModel(tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 }), shape.slice(1));
      // same γ, β
      tf.tidy(() => {
        const gamma = tf.tensor1d(normalValues(channels, 1, 1, 0.2));
        const beta = tf.tensor1d(normalValues(channels, 2));
        ours.layers.at(-1)?.setWeights([gamma, beta, tf.zeros([channels]), tf.ones([channels]), tf.scalar(0)]);
        theirs.layers.at(-1)?.setWeights([gamma, beta, tf.zeros([channels]), tf.ones([channels])]);
      });
      for (let step = 0; step < 3; step++) {
        const x = tf.tensor(
          normalValues(
            shape.reduce((a, b) => a * b),
            10 + step,
            step,
            2,
          ),
          shape,
        );
        const [a, b] = [ours, theirs].map((m) => tf.tidy(() => m.apply(x, { training: true }) as tf.Tensor));
        await expectTensorClose(a as tf.Tensor, b as tf.Tensor, { rtol: 1e-4, atol: 1e-5, what: 'training output' });
        tf.dispose([x, a as tf.Tensor, b as tf.Tensor]);
      }
      const [ourW, theirW] = [ours.layers.at(-1)?.getWeights() ?? [], theirs.layers.at(-1)?.getWeights() ?? []];
      await expectTensorClose(ourW[2] as tf.Tensor, theirW[2] as tf.Tensor, {
        rtol: 1e-5,
        atol: 1e-6,
        what: 'moving mean',
      });
      await expectTensorClose(ourW[3] as tf.Tensor, theirW[3] as tf.Tensor, {
        rtol: 1e-5,
        atol: 1e-6,
        what: 'moving variance',
      });
      const x = tf.tensor(
        normalValues(
          shape.reduce((a, b) => a * b),
          20,
          1,
          2,
        ),
        shape,
      );
      const [a, b] = [ours, theirs].map((m) => tf.tidy(() => m.predict(x) as tf.Tensor));
      await expectTensorClose(a as tf.Tensor, b as tf.Tensor, { rtol: 1e-4, atol: 1e-5, what: 'inference output' });
      tf.dispose([x, a as tf.Tensor, b as tf.Tensor]);
      ours.dispose();
      theirs.dispose();
    },
  );

  test('saves and loads with the model: same config, same weights, same predictions', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 4, useBias: false, inputShape: [3] }),
        new BatchNorm({ statistics: 'cumulative', scale: false, epsilon: 1e-2 }),
      ],
    });
    const x = tf.tensor2d(normalValues(6 * 3, 3), [6, 3]);
    tf.dispose(tf.tidy(() => model.apply(x, { training: true }) as tf.Tensor));
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(
        async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }),
      ),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    const layer = loaded.layers[1] as BatchNorm;
    expect(layer).toBeInstanceOf(BatchNorm);
    expect(layer.getConfig()).toMatchObject({
      statistics: 'cumulative',
      scale: false,
      center: true,
      epsilon: 1e-2,
      decay: 0.999,
    });
    const [a, b] = [model, loaded].map((m) => tf.tidy(() => m.predict(x) as tf.Tensor));
    // identical weights; webgpu may round a product differently by an ulp between two runs
    await expectTensorClose(b as tf.Tensor, a as tf.Tensor, { rtol: 1e-6, atol: 1e-7 });
    tf.dispose([x, a as tf.Tensor, b as tf.Tensor]);
    model.dispose();
    loaded.dispose();
  });

  test('scale: false and center: false train with model.fit (tfjs-layers crashes: tfjs #2868)', async () => {
    for (const args of [{ scale: false }, { center: false }]) {
      const model = tfl.sequential({
        layers: [
          tfl.layers.dense({ units: 6, useBias: false, inputShape: [4] }),
          new BatchNorm(args),
          tfl.layers.activation({ activation: 'sigmoid' }),
          tfl.layers.dense({ units: 2, activation: 'softmax' }),
        ],
      });
      const optimizer = tf.train.sgd(0.5);
      model.compile({ optimizer, loss: 'categoricalCrossentropy' });
      const x = tf.tensor2d(normalValues(16 * 4, 4), [16, 4]);
      const y = tf.tidy(() => tf.oneHot(tf.cast(tf.greater(tf.sum(x, 1), 0), 'int32'), 2));
      const history = await model.fit(x, y, { epochs: 15, batchSize: 16, verbose: 0 });
      const loss = history.history.loss as number[];
      expect(loss.at(-1)).toBeLessThan(loss[0] as number);
      tf.dispose([x, y]);
      model.dispose();
      optimizer.dispose();
    }
  });

  test('batch statistics at inference (apply with training: true) leak nothing (tfjs-layers leaks: tfjs #7983)', async () => {
    const model = bnModel(new BatchNorm(), [3]);
    const x = tf.tensor2d(normalValues(4 * 3, 5), [4, 3]);
    await expectNoLeaks(() => tf.dispose(model.apply(x, { training: true }) as tf.Tensor), 'apply in training mode');
    tf.dispose(x);
    model.dispose();
  });

  test('estimatePopulationStatistics recomputes exact averages over the data and restores the update mode', async () => {
    const layer = new BatchNorm({ decay: 0.5 });
    const model = bnModel(layer, [3]);
    const batches = [normalValues(5 * 3, 6, 2, 3), normalValues(7 * 3, 7, -1, 1)];
    // training with a fast EMA leaves statistics far from the data's
    for (const b of batches)
      tf.dispose(tf.tidy(() => model.apply(tf.tensor2d(b, [b.length / 3, 3]), { training: true }) as tf.Tensor));
    const tensors = batches.map((b) => tf.tensor2d(b, [b.length / 3, 3]));
    expect(await estimatePopulationStatistics(model, tensors)).toBe(2);
    const all = referenceMoments(batches.flat(), 3);
    const stats = layer.populationStatistics();
    expectValuesClose(await valuesOf(stats.mean), all.mean, { rtol: 1e-5, atol: 1e-5 });
    expectValuesClose(await valuesOf(stats.variance), all.variance, { rtol: 1e-5, atol: 1e-5 });
    expect(layer.statistics).toBe('ema');
    tf.dispose(tensors);
    model.dispose();
  });

  test('drop-in from tf.layers.batchNormalization: same options accepted, and a trained one converts with the same outputs in training and inference', async () => {
    const x = tf.tensor2d(normalValues(16 * 4, 31, 2, 3), [16, 4]);
    const keras = tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-2, gammaInitializer: 'randomNormal' });
    keras.build([null, 4]);
    // non-trivial weights: γ random, β and the moving statistics set by hand
    tf.tidy(() =>
      keras.setWeights([
        keras.getWeights()[0] as tf.Tensor,
        tf.tensor1d([0.5, -1, 2, 0]),
        tf.tensor1d([0.1, 0.2, -0.3, 1]),
        tf.tensor1d([1.5, 0.5, 2, 1]),
      ]),
    );
    const ours = BatchNorm.fromBatchNormalization(keras);
    expect([ours.epsilon, ours.decay]).toEqual([1e-2, 0.9]);
    for (const training of [false, true]) {
      // tfjs-layers' layer keeps tensors of a training call (tfjs #7983): inside tidy, so the check sees only ours
      const [a, b] = tf.tidy(() => [
        keras.apply(x, { training }) as tf.Tensor,
        ours.apply(x, { training }) as tf.Tensor,
      ]);
      expectValuesClose(await valuesOf(b as tf.Tensor), await valuesOf(a as tf.Tensor), {
        rtol: 1e-5,
        atol: 1e-5,
        what: `training ${training}`,
      });
      tf.dispose([a as tf.Tensor, b as tf.Tensor]);
    }
    // tfjs-layers' options by their names: initializers, a regularizer (its loss appears), a constraint
    const model = tfl.sequential({
      layers: [
        new BatchNorm({
          inputShape: [4],
          gammaInitializer: tfl.initializers.constant({ value: 2 }),
          betaInitializer: 'ones',
          gammaRegularizer: tfl.regularizers.l2({ l2: 0.5 }),
          betaConstraint: tfl.constraints.nonNeg(),
          momentum: 0.95,
        }),
      ],
    });
    const layer = model.layers[0] as BatchNorm;
    expect(await valuesOf(layer.getWeights()[0] as tf.Tensor)).toEqual([2, 2, 2, 2]);
    expect(await valuesOf(layer.getWeights()[1] as tf.Tensor)).toEqual([1, 1, 1, 1]);
    expect(layer.decay).toBe(0.95);
    const penalties = layer.losses.map((l) => (typeof l === 'function' ? (l as () => tf.Scalar)() : l));
    // 0.5 · Σγ² = 0.5 · 4 · 2² = 8
    expect(await Promise.all(penalties.map((p) => valuesOf(p as tf.Tensor)))).toEqual([[8]]);
    const config = layer.getConfig();
    expect(config.gammaRegularizer).toMatchObject({ className: 'L1L2' });
    expect(config.betaConstraint).toMatchObject({ className: 'NonNeg' });
    // the configuration (tfjs-layers' serialized forms) makes the same layer again
    const again = new BatchNorm(config as never);
    again.build([null, 4]);
    expect(await valuesOf(again.getWeights()[0] as tf.Tensor)).toEqual([2, 2, 2, 2]);
    expect(again.getConfig().gammaRegularizer).toMatchObject({ className: 'L1L2', config: { l2: 0.5 } });
    expect(() => new BatchNorm({ decay: 0.9, momentum: 0.99 })).toThrow(
      "BatchNorm: decay = 0.9 and momentum = 0.99; momentum is tfjs-layers' name for decay: give one",
    );
    expect(() => new BatchNorm({ axis: 1 })).toThrow(
      'BatchNorm: axis = 1, expected -1 (channels last; the only layout supported)',
    );
    expect(() => BatchNorm.fromBatchNormalization(tfl.layers.dense({ units: 2 }))).toThrow(
      'BatchNorm.fromBatchNormalization: a Dense layer, expected a tfjs-layers BatchNormalization',
    );
    tf.dispose([x, ...(penalties as tf.Tensor[])]);
    // layers applied only to concrete tensors have no reference count for dispose(): free their weights directly
    for (const l of [keras, ours, again]) l.weights.forEach((w) => w.dispose());
    model.dispose();
  });

  test('bad layer options are one-line errors', () => {
    expect(() => new BatchNorm({ decay: 2 })).toThrow('BatchNorm: decay = 2, expected a number in [0, 1]');
    expect(() => new BatchNorm({ statistics: 'median' as never })).toThrow(
      `BatchNorm: statistics = "median", expected 'ema' or 'cumulative'`,
    );
    expect(() => bnModel(new BatchNorm(), [])).toThrow();
  });
});

describeBackends('BatchNorm layer: weights, defaults, masks and conversions', () => {
  test('weights: γ and β trainable, the population mean, variance and count not; scale/center false drop γ/β', async () => {
    const shapes: [BatchNormArgs, string[]][] = [
      [{}, ['gamma', 'beta', 'population_mean', 'population_variance', 'population_count']],
      [{ scale: false }, ['beta', 'population_mean', 'population_variance', 'population_count']],
      [{ center: false }, ['gamma', 'population_mean', 'population_variance', 'population_count']],
      [{ scale: false, center: false }, ['population_mean', 'population_variance', 'population_count']],
    ];
    for (const [args, names] of shapes) {
      const layer = new BatchNorm(args);
      layer.build([null, 3]);
      expect(layer.weights.map((w) => w.name.split('/').at(-1)?.replace(/_\d+$/, ''))).toEqual(names);
      expect(layer.trainableWeights.map((w) => w.name.split('/').at(-1)?.replace(/_\d+$/, ''))).toEqual(
        names.filter((n) => !n.startsWith('population')),
      );
      expect(layer.weights.map((w) => w.shape)).toEqual(names.map((n) => (n === 'population_count' ? [] : [3])));
      expect(layer.weights.every((w) => w.dtype === 'float32')).toBe(true);
      // γ starts at 1, β at 0, the mean at 0, the variance at 1, the count at 0
      const start = { gamma: [1, 1, 1], beta: [0, 0, 0], population_mean: [0, 0, 0], population_variance: [1, 1, 1] };
      const values = await Promise.all(layer.getWeights().map((w) => valuesOf(w)));
      expect(values).toEqual(names.map((n) => start[n as keyof typeof start] ?? [0]));
      expect(layer.built).toBe(true);
      layer.weights.forEach((w) => w.dispose());
    }
  });

  test('defaults: ε 1e-3, decay 0.999, EMA statistics, γ and β; calls without training are inference', async () => {
    const layer = new BatchNorm();
    expect([layer.epsilon, layer.decay, layer.statistics, layer.center, layer.scale]).toEqual([
      1e-3,
      0.999,
      'ema',
      true,
      true,
    ]);
    expect(layer.supportsMasking).toBe(true);
    const model = bnModel(layer, [3]);
    const values = normalValues(4 * 3, 50, 1, 2);
    const x = tf.tensor2d(values, [4, 3]);
    // fresh statistics (μ 0, σ² 1): inference is x/√(1 + ε)
    const y = model.apply(x) as tf.Tensor;
    await expectTensorClose(
      y,
      values.map((v) => v / Math.sqrt(1 + 1e-3)),
    );
    // a training call: batch statistics, and one EMA step with decay 0.999
    const t = model.apply(x, { training: true }) as tf.Tensor;
    const r = referenceMoments(values, 3);
    await expectTensorClose(t, referenceBatchNorm(values, 3, {}), { rtol: 1e-4, atol: 1e-5 });
    await expectTensorClose(
      layer.populationStatistics().mean,
      r.mean.map((m) => 0.001 * m),
      { rtol: 1e-4, atol: 1e-7 },
    );
    tf.dispose([x, y, t]);
    model.dispose();
  });

  test('options: ε, decay (or its tfjs-layers name momentum, or both when equal), axis -1; out of range values are rejected', async () => {
    expect(new BatchNorm({ epsilon: 1e-5 }).epsilon).toBe(1e-5);
    expect(new BatchNorm({ momentum: 0.5 }).decay).toBe(0.5);
    expect(new BatchNorm({ decay: 0.9, momentum: 0.9 }).decay).toBe(0.9);
    expect(new BatchNorm({ decay: 0 }).decay).toBe(0);
    expect(new BatchNorm({ decay: 1 }).decay).toBe(1);
    expect(new BatchNorm({ axis: -1 }).decay).toBe(0.999);
    expect(new BatchNorm({ statistics: 'cumulative' }).statistics).toBe('cumulative');
    for (const epsilon of [0, -1, NaN])
      expect(() => new BatchNorm({ epsilon })).toThrow(
        new RangeError(`BatchNorm: epsilon = ${epsilon}, expected a number > 0`),
      );
    for (const decay of [-0.5, 1.5, NaN])
      expect(() => new BatchNorm({ decay })).toThrow(
        new RangeError(`BatchNorm: decay = ${decay}, expected a number in [0, 1]`),
      );
    expect(() => new BatchNorm({ momentum: 2 })).toThrow('BatchNorm: decay = 2, expected a number in [0, 1]');
    expect(() => new BatchNorm({ decay: 0.5, momentum: 0 })).toThrow(
      "BatchNorm: decay = 0.5 and momentum = 0; momentum is tfjs-layers' name for decay: give one",
    );
    expect(() => new BatchNorm({ axis: 0 })).toThrow(
      new RangeError('BatchNorm: axis = 0, expected -1 (channels last; the only layout supported)'),
    );
    expect(() => new BatchNorm().build([5])).toThrow(
      'BatchNorm: input shape [5], expected rank ≥ 2 with a known channel dimension last',
    );
    expect(() => new BatchNorm().build([null, 4, null])).toThrow(
      'BatchNorm: input shape [,4,], expected rank ≥ 2 with a known channel dimension last',
    );
  });

  test('a mask from a Masking layer leaves the masked steps out of the batch statistics, and passes on', async () => {
    const [n, t, c] = [3, 4, 2];
    const values = normalValues(n * t * c, 51, 2, 1.5);
    // steps to mask are all zeros: example k keeps its first k + 2 steps
    const keep = Array.from({ length: n * t }, (_, i) => (i % t < Math.floor(i / t) + 2 ? 1 : 0));
    const data = values.map((v, i) => ((keep[Math.floor(i / c)] as number) === 1 ? v : 0));
    const layer = new BatchNorm({ center: false, scale: false });
    const model = tfl.sequential({ layers: [tfl.layers.masking({ maskValue: 0, inputShape: [t, c] }), layer] });
    const x = tf.tensor3d(data, [n, t, c]);
    const y = model.apply(x, { training: true }) as tf.Tensor;
    const want = referenceBatchNorm(data, c, { mask: keep });
    const got = await valuesOf(y);
    expectValuesClose(
      got.filter((_, i) => keep[Math.floor(i / c)] === 1),
      want.filter((_, i) => keep[Math.floor(i / c)] === 1),
      { rtol: 1e-4, atol: 1e-5 },
    );
    const m = tf.ones([n, t]);
    expect(layer.computeMask(x, m)).toBe(m);
    tf.dispose([x, y, m]);
    model.dispose();
  });

  test('with several inputs the first is normalized; build takes its shape', async () => {
    const layer = new BatchNorm({ center: false, scale: false });
    const values = normalValues(5 * 2, 52, -1, 3);
    const x = tf.tensor2d(values, [5, 2]);
    const other = tf.zeros([5, 7]);
    const y = layer.apply([x, other], { training: true }) as tf.Tensor;
    expect(layer.weights.map((w) => w.shape)).toEqual([[2], [2], []]);
    await expectTensorClose(y, referenceBatchNorm(values, 2, {}), { rtol: 1e-4, atol: 1e-5 });
    tf.dispose([x, other, y]);
    layer.weights.forEach((w) => w.dispose());
  });

  test('fromBatchNormalization: center/scale carried over, base options passed, last-axis layouts only, built layers only', async () => {
    const keras = tfl.layers.batchNormalization({ center: false, momentum: 0.8, epsilon: 1e-4 });
    keras.build([null, 3]);
    const ours = BatchNorm.fromBatchNormalization(keras, { name: 'converted_bn' });
    expect([ours.name, ours.center, ours.scale, ours.decay, ours.epsilon]).toEqual([
      'converted_bn',
      false,
      true,
      0.8,
      1e-4,
    ]);
    expect(ours.getWeights().map((w) => w.shape)).toEqual([[3], [3], [3], []]);
    // axis 1 of a rank-2 input is its last axis
    const last = tfl.layers.batchNormalization({ axis: 1 });
    last.build([null, 3]);
    const fromLast = BatchNorm.fromBatchNormalization(last);
    expect(fromLast.getWeights().map((w) => w.shape)).toEqual([[3], [3], [3], [3], []]);
    const middle = tfl.layers.batchNormalization({ axis: 1 });
    middle.build([null, 3, 4]);
    expect(() => BatchNorm.fromBatchNormalization(middle)).toThrow(
      new RangeError('BatchNorm.fromBatchNormalization: axis = 1, expected the last axis (channels last)'),
    );
    expect(() => BatchNorm.fromBatchNormalization(tfl.layers.batchNormalization({}))).toThrow(
      'BatchNorm.fromBatchNormalization: the layer is not built yet; expected one with weights (apply it or load its model first)',
    );
    for (const l of [keras, ours, last, fromLast, middle]) l.weights.forEach((w) => w.dispose());
  });

  test('estimatePopulationStatistics on a model of your own: resets, averages every batch exactly, counts them', async () => {
    const stats = createPopulationStatistics(3);
    tf.tidy(() => {
      stats.mean.assign(tf.tensor1d([9, 9, 9]));
      stats.variance.assign(tf.tensor1d([7, 7, 7]));
      stats.count.assign(tf.scalar(100));
    });
    const updates: string[] = [];
    const model: StatisticsModel = {
      populationStatistics: () => [stats],
      forward: (x, update) => {
        updates.push(update);
        batchNorm(x, {}, stats, { training: true, update });
      },
    };
    const batches = [normalValues(4 * 3, 53, 1, 2), normalValues(6 * 3, 54, -2, 1)];
    // the caller owns the batches: each is freed once the next is asked for
    async function* stream() {
      for (const b of batches) {
        const x = tf.tensor2d(b, [b.length / 3, 3]);
        yield x;
        x.dispose();
      }
    }
    expect(await estimatePopulationStatistics(model, stream())).toBe(2);
    expect(updates).toEqual(['cumulative', 'cumulative']);
    const all = referenceMoments(batches.flat(), 3);
    expectValuesClose(await valuesOf(stats.mean), all.mean, { rtol: 1e-5, atol: 1e-5 });
    expectValuesClose(await valuesOf(stats.variance), all.variance, { rtol: 1e-5, atol: 1e-5 });
    expect(await valuesOf(stats.count)).toEqual([10]);
    disposePopulationStatistics(stats);
  });

  test('estimatePopulationStatistics: a layers model needs a BatchNorm layer; a cumulative layer stays cumulative', async () => {
    const plain = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3], name: 'only_dense' })] });
    await expect(estimatePopulationStatistics(plain, [])).rejects.toThrow(
      `estimatePopulationStatistics: model "${plain.name}" has no BatchNorm layer`,
    );
    const layer = new BatchNorm({ statistics: 'cumulative' });
    const model = bnModel(layer, [3]);
    expect(await estimatePopulationStatistics(model, [])).toBe(0);
    expect(layer.statistics).toBe('cumulative');
    plain.dispose();
    model.dispose();
  });
});
