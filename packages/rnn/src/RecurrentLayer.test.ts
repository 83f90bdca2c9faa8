import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeBackends, expect, normalValues, takeValues, test, valuesOf } from '@gradkit/test-harness';
import type { Cell } from './cell';
import { RecurrentLayer, rnn, type CellKind } from './index';

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

describeBackends('RecurrentLayer with an initial state', () => {
  const save = async (model: tfl.LayersModel) => {
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(
        async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }),
      ),
    );
    return tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
  };

  test.each([
    ['gru', 1],
    ['lstm', 2],
  ] as Array<[CellKind, number]>)(
    '%s, concrete tensors: the output is rnn() from that state, not from zeros',
    async (cell, count) => {
      const layer = new RecurrentLayer({ cell, units: 4, seed: 3, returnSequences: true });
      const x = tf.tensor3d(normalValues(2 * 3 * 5, 7), [2, 3, 5]);
      const states = Array.from({ length: count }, (_, i) => tf.tensor2d(normalValues(8, 20 + i), [2, 4]));
      const fromZero = layer.apply(x) as tf.Tensor;
      const fromState = layer.apply(x, { initialState: states }) as tf.Tensor;
      // the reference: the same cell through the functional rnn(), given the state explicitly
      const reference = tf.tidy(
        () => rnn((layer as unknown as { cell: Cell }).cell, x, { initialState: states as tf.Tensor2D[] }).outputs,
      );
      expect(await valuesOf(fromState)).toEqual(await valuesOf(reference));
      expect(await valuesOf(fromState)).not.toEqual(await valuesOf(fromZero));
      tf.dispose([x, ...states, fromZero, fromState, reference]);
      layer.dispose();
    },
  );

  test('symbolic: a state input of a functional model is the layer’s initial state, and the model saves and loads', async () => {
    const input = tfl.input({ shape: [4, 3] });
    const stateInput = tfl.input({ shape: [5] });
    const recurrent = new RecurrentLayer({ cell: 'gru', units: 5, seed: 1 });
    const hidden = recurrent.apply(input, { initialState: [stateInput] }) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [input, stateInput], outputs: hidden });
    const x = tf.tensor3d(normalValues(8 * 4 * 3, 5), [8, 4, 3]);
    const h0 = tf.tensor2d(normalValues(8 * 5, 6), [8, 5]);
    const predicted = model.predict([x, h0]) as tf.Tensor;
    const expected = recurrent.apply(x, { initialState: [h0] }) as tf.Tensor;
    const fromZero = recurrent.apply(x) as tf.Tensor;
    expect(await valuesOf(predicted)).toEqual(await valuesOf(expected));
    expect(await valuesOf(predicted)).not.toEqual(await valuesOf(fromZero));
    const loaded = await save(model);
    const again = loaded.predict([x, h0]) as tf.Tensor;
    expect(await valuesOf(again)).toEqual(await valuesOf(predicted));
    tf.dispose([x, h0, predicted, expected, fromZero, again]);
    model.dispose();
    loaded.dispose();
  });

  test('a wrong count or shape is an error naming both, before anything runs', () => {
    const lstm = new RecurrentLayer({ cell: 'lstm', units: 4 });
    const x = tf.zeros([2, 3, 5]);
    const h = tf.zeros([2, 4]);
    const wide = tf.zeros([2, 6]);
    expect(() => lstm.apply(x, { initialState: [h] })).toThrow(
      'RecurrentLayer (lstm): initialState has 1 tensor(s), expected 2 ([h, c], each [batch, 4])',
    );
    expect(() => lstm.apply(x, { initialState: [h, wide] })).toThrow(
      'RecurrentLayer (lstm): initialState[1] has shape [2, 6], expected [batch, 4]',
    );
    const input = tfl.input({ shape: [3, 5] });
    const gru = new RecurrentLayer({ cell: 'gru', units: 4 });
    expect(() => gru.apply(input, { initialState: [tfl.input({ shape: [7] })] })).toThrow(
      'RecurrentLayer (gru): initialState[0] has shape [, 7], expected [batch, 4]',
    );
    // nothing was built by the refused calls
    expect([lstm.built, gru.built]).toEqual([false, false]);
    tf.dispose([x, h, wide]);
  });
});
