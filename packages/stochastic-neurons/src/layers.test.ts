import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, describeBackends, expect, normalValues, test, valuesOf } from '@gradkit/test-harness';
import { BinaryNeuronLayer, OneHotNeuronLayer, SlopeAnnealing, TernaryNeuronLayer } from './index';

describeBackends('stochastic-neuron layers', () => {
  test('a binary-neuron model trains with fit, and predicts deterministically', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 16, inputShape: [4] }),
        new BinaryNeuronLayer({ seed: 1 }),
        tfl.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const optimizer = tf.train.adam(0.05);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const x = tf.tensor2d(normalValues(64 * 4, 2), [64, 4]);
    const y = tf.tidy(() => tf.oneHot(tf.cast(tf.greater(tf.sum(x, 1), 0), 'int32'), 2));
    const history = await model.fit(x, y, { epochs: 30, batchSize: 64, verbose: 0 });
    const loss = history.history.loss as number[];
    expect(loss.at(-1)).toBeLessThan(loss[0] as number);
    const [p1, p2] = [0, 1].map(() => tf.tidy(() => model.predict(x) as tf.Tensor));
    expect(await valuesOf(p1 as tf.Tensor)).toEqual(await valuesOf(p2 as tf.Tensor));
    tf.dispose([x, y, p1 as tf.Tensor, p2 as tf.Tensor]);
    model.dispose();
    optimizer.dispose();
  });

  test('layers serialize their configuration and the same seed gives the same samples', async () => {
    for (const layer of [
      new BinaryNeuronLayer({ seed: 3, estimator: 'pass-through', slope: 2 }),
      new TernaryNeuronLayer({ seed: 3 }),
      new OneHotNeuronLayer({ seed: 3, categories: 4, temperature: 0.5 }),
    ]) {
      const cls = layer.constructor as typeof BinaryNeuronLayer;
      const copy = tf.serialization.SerializationMap.getMap().classNameMap[cls.className]?.[1](
        cls,
        layer.getConfig(),
      ) as tfl.layers.Layer;
      expect(copy.getConfig()).toEqual(layer.getConfig());
      const x = tf.tensor2d(normalValues(8 * 8, 4), [8, 8]);
      const [a, b] = [layer, copy].map((l) => tf.tidy(() => l.apply(x, { training: true }) as tf.Tensor));
      expect(await valuesOf(a as tf.Tensor)).toEqual(await valuesOf(b as tf.Tensor));
      tf.dispose([x, a as tf.Tensor, b as tf.Tensor]);
    }
  });
});

describe('SlopeAnnealing', () => {
  test('m ← m·rate per epoch; evaluation-only keeps training at slope 1 (the posts as written)', () => {
    const both = new SlopeAnnealing({ rate: 1.1 });
    const evalOnly = new SlopeAnnealing({ rate: 1.1, scope: 'evaluation-only' });
    for (let i = 0; i < 20; i++) {
      both.step();
      evalOnly.step();
    }
    // the post: the final evaluation runs after the 20th multiplication, 1.1^20 ≈ 6.73
    expect(both.slope).toBeCloseTo(1.1 ** 20, 10);
    expect(both.slopeFor(true)).toBeCloseTo(6.7275, 3);
    expect(evalOnly.slopeFor(true)).toBe(1);
    expect(evalOnly.slopeFor(false)).toBeCloseTo(6.7275, 3);
    expect(evalOnly.temperatureFor(false)).toBeCloseTo(1 / 6.7275, 4);
    expect(() => new SlopeAnnealing({ rate: -1 })).toThrow('SlopeAnnealing: rate = -1, expected a finite number > 0');
  });
});
