import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeBackends, expect, normalValues, takeValues, test, valuesOf } from '@gradkit/test-harness';
import { RecurrentLayer, type CellKind } from './index';

describeBackends('RecurrentLayer', () => {
  test.each(['gru', 'lstm', 'ln-lstm', 'mixture-gru'] as CellKind[])(
    '%s: trains with fit, saves and loads with the same predictions',
    async (cell) => {
      const model = tfl.sequential({
        layers: [
          new RecurrentLayer({ cell, units: 6, inputShape: [5, 3], seed: 2 }),
          tfl.layers.dense({ units: 2, activation: 'softmax' }),
        ],
      });
      const optimizer = tf.train.adam(0.05);
      model.compile({ optimizer, loss: 'categoricalCrossentropy' });
      const x = tf.tensor3d(normalValues(16 * 5 * 3, 1), [16, 5, 3]);
      const y = tf.tidy(() => tf.oneHot(tf.cast(tf.greater(tf.sum(x, [1, 2]), 0), 'int32'), 2));
      const history = await model.fit(x, y, { epochs: 8, batchSize: 16, verbose: 0 });
      const loss = history.history.loss as number[];
      expect(loss.at(-1)).toBeLessThan(loss[0] as number);
      let artifacts: tf.io.ModelArtifacts | undefined;
      await model.save(
        tf.io.withSaveHandler(
          async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }),
        ),
      );
      const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
      expect(loaded.layers[0]).toBeInstanceOf(RecurrentLayer);
      const [a, b] = [model, loaded].map((m) => tf.tidy(() => m.predict(x) as tf.Tensor));
      expect(await valuesOf(b as tf.Tensor)).toEqual(await valuesOf(a as tf.Tensor));
      tf.dispose([x, y, a as tf.Tensor, b as tf.Tensor]);
      model.dispose();
      loaded.dispose();
      optimizer.dispose();
    },
  );

  test('a masked (zero-padded) input: the last output is the one at each example’s last valid step', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.embedding({ inputDim: 10, outputDim: 4, maskZero: true, inputLength: 4 }),
        new RecurrentLayer({ cell: 'gru', units: 3, seed: 4 }),
      ],
    });
    const ids = tf.tensor2d(
      [
        [3, 5, 0, 0],
        [3, 5, 7, 2],
      ],
      [2, 4],
      'int32',
    );
    const short = tf.tensor2d([[3, 5]], [1, 2], 'int32');
    const shortModel = tfl.sequential({
      layers: [
        tfl.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 2 }),
        new RecurrentLayer({ cell: 'gru', units: 3, seed: 4 }),
      ],
    });
    shortModel.setWeights(model.getWeights());
    const padded = await takeValues(tf.tidy(() => model.predict(ids) as tf.Tensor));
    const alone = await takeValues(tf.tidy(() => shortModel.predict(short) as tf.Tensor));
    padded.slice(0, 3).forEach((v, i) => expect(v).toBeCloseTo(alone[i] as number, 5));
    tf.dispose([ids, short]);
    model.dispose();
    shortModel.dispose();
  });
});
