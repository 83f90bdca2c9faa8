import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expect, test } from '@gradkit/test-harness';
import { getOptimizerWeights, setOptimizerWeights } from './index';

/** A small least-squares problem: w ← w − lr·Adam(∇ ½‖Aw − b‖²), one step per call. */
function problem() {
  const a = tf.tensor2d([0.3, -1.2, 0.8, 2.1, -0.4, 0.9, 1.5, 0.2, -0.7], [3, 3]);
  const b = tf.tensor2d([1, -2, 0.5], [3, 1]);
  const loss = (w: tf.Variable) => () => tf.mul(0.5, tf.sum(tf.square(tf.sub(tf.matMul(a, w), b)))) as tf.Scalar;
  return { loss, dispose: () => tf.dispose([a, b]) };
}

describeBackends('getOptimizerWeights / setOptimizerWeights', () => {
  test('Adam restored from a checkpoint after 300 steps continues bit for bit like the uninterrupted run', async () => {
    const p = problem();
    const init = [0.5, -0.25, 1];
    const straight = tf.tidy(() => tf.variable(tf.tensor2d(init, [3, 1])));
    const adam = tf.train.adam(0.01);
    for (let i = 0; i < 300; i++) adam.minimize(p.loss(straight));
    const savedWeights = await getOptimizerWeights(adam);
    const savedW = Float32Array.from(await straight.data());
    const saved = savedWeights.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
    tf.dispose(savedWeights.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
    expect(saved.map((w) => w.name).slice(-2)).toEqual(['gradkit:accBeta1', 'gradkit:accBeta2']);
    for (let i = 0; i < 200; i++) adam.minimize(p.loss(straight));

    const resumed = tf.tidy(() => tf.variable(tf.tensor2d(savedW, [3, 1])));
    const fresh = tf.train.adam(0.01);
    await setOptimizerWeights(fresh, saved);
    for (let i = 0; i < 200; i++) fresh.minimize(p.loss(resumed));
    expect(Array.from(await resumed.data())).toEqual(Array.from(await straight.data()));

    tf.dispose([straight, resumed, ...saved.map((w) => w.tensor)]);
    adam.dispose();
    fresh.dispose();
    p.dispose();
  });

  test('an optimizer without running powers (Adagrad) gets tfjs’s list unchanged; unknown entries are refused before anything is set', async () => {
    const momentum = tf.train.adagrad(0.1);
    const w = tf.tidy(() => tf.variable(tf.ones([2])));
    momentum.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
    const weights = await getOptimizerWeights(momentum);
    const plain = await momentum.getWeights();
    expect(weights.map((x) => x.name)).toEqual(plain.map((x) => x.name));
    const bogus = tf.scalar(1);
    const adam = tf.train.adam(0.1);
    await expect(setOptimizerWeights(adam, [{ name: 'gradkit:accBeta3', tensor: bogus }])).rejects.toThrow(
      'setOptimizerWeights: unknown weight "gradkit:accBeta3"; expected "gradkit:accBeta1" or "gradkit:accBeta2"',
    );
    await expect(setOptimizerWeights(momentum, [{ name: 'gradkit:accBeta1', tensor: bogus }])).rejects.toThrow(
      'setOptimizerWeights: "gradkit:accBeta1" given, but this optimizer (Adagrad) keeps no such value',
    );
    tf.dispose([
      bogus,
      w,
      ...[...weights, ...plain].filter((x) => !(x.tensor instanceof tf.Variable)).map((x) => x.tensor),
    ]);
    momentum.dispose();
    adam.dispose();
  });
  test('a running power saved as a [1] tensor is restored as is; a non-scalar one is refused', async () => {
    const w = tf.tidy(() => tf.variable(tf.ones([2])));
    const adam = tf.train.adam(0.1);
    adam.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
    const weights = await getOptimizerWeights(adam);
    const beta1 = tf.tensor1d([0.25]);
    const beta2 = tf.scalar(0.5);
    const pair = tf.tensor1d([0.25, 0.5]);
    const replaced = weights.map((x) =>
      x.name === 'gradkit:accBeta1'
        ? { name: x.name, tensor: beta1 }
        : x.name === 'gradkit:accBeta2'
          ? { name: x.name, tensor: beta2 }
          : x,
    );
    const fresh = tf.train.adam(0.1);
    await expect(
      setOptimizerWeights(fresh, [...replaced.slice(0, -1), { name: 'gradkit:accBeta2', tensor: pair }]),
    ).rejects.toThrow('setOptimizerWeights: "gradkit:accBeta2" has shape [2]; expected a scalar');
    await setOptimizerWeights(fresh, replaced);
    const restored = await getOptimizerWeights(fresh);
    const powers = restored.slice(-2);
    expect(powers.map((x) => x.name)).toEqual(['gradkit:accBeta1', 'gradkit:accBeta2']);
    expect(powers.map((x) => x.tensor.shape)).toEqual([[], []]);
    expect(await Promise.all(powers.map(async (x) => (await x.tensor.data())[0]))).toEqual([0.25, 0.5]);
    // tfjs's own entries come back unchanged (the iteration count first)
    expect(restored.slice(0, -2).map((x) => x.name)).toEqual(weights.slice(0, -2).map((x) => x.name));
    tf.dispose([
      w,
      beta1,
      beta2,
      pair,
      ...[...weights, ...restored].filter((x) => !(x.tensor instanceof tf.Variable)).map((x) => x.tensor),
    ]);
    adam.dispose();
    fresh.dispose();
  });
});
