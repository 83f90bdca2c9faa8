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
import { BatchNorm, estimatePopulationStatistics } from './index';
import { referenceMoments } from './reference.test-util';

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

  test('bad layer options are one-line errors', () => {
    expect(() => new BatchNorm({ decay: 2 })).toThrow('BatchNorm: decay = 2, expected a number in [0, 1]');
    expect(() => new BatchNorm({ statistics: 'median' as never })).toThrow(
      `BatchNorm: statistics = "median", expected 'ema' or 'cumulative'`,
    );
    expect(() => bnModel(new BatchNorm(), [])).toThrow();
  });
});
