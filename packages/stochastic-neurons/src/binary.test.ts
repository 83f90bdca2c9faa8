import * as tf from '@tensorflow/tfjs-core';
import {
  checkPseudoGradient,
  describeBackends,
  expect,
  expectNoLeaks,
  randomInput,
  test,
  valuesOf,
  variableOf,
} from '@gradkit/test-harness';
import { binaryNeuron, SeedStream } from './index';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describeBackends('binaryNeuron', () => {
  test.each([1, 2.5])('pass-through (slope %d): round(σ(m·a)) forward, ∂L/∂a = ∂L/∂b', async (m) => {
    await checkPseudoGradient({
      f: (a) => binaryNeuron(a, { estimator: 'pass-through', slope: m, stochastic: false }),
      inputs: [randomInput([6, 5], 1, -3, 3)],
      forward: (a) => a.map((v) => Math.round(sigmoid(m * v))),
      expected: (_a, u) => [u],
    });
  });

  test.each([1, 2.5])('sigmoid-adjusted (slope %d): ∂L/∂a = ∂L/∂b · m·σ′(m·a)', async (m) => {
    await checkPseudoGradient({
      f: (a) => binaryNeuron(a, { estimator: 'sigmoid-adjusted', slope: m, randomness: 3 }),
      inputs: [randomInput([6, 5], 2, -3, 3)],
      expected: ([a], u) => [
        (a as number[]).map((v, i) => (u[i] as number) * m * sigmoid(m * v) * (1 - sigmoid(m * v))),
      ],
    });
  });

  test('stochastic forward: bits are 0/1 and their frequencies match p (binomial test, fixed seed)', async () => {
    const logits = [-2, -0.5, 0, 0.7, 3];
    const n = 4000;
    const a = tf.tidy(() => tf.tile(tf.tensor2d([logits]), [n, 1]));
    const b = binaryNeuron(a, { estimator: 'pass-through', randomness: 42 });
    const bits = await valuesOf(b);
    expect(bits.every((v) => v === 0 || v === 1)).toBe(true);
    logits.forEach((l, j) => {
      const p = sigmoid(l);
      const freq = bits.filter((_, i) => i % logits.length === j).reduce((s, v) => s + v, 0) / n;
      // 4 standard errors: a wrong sampler (1 − p, or rounding) fails by many more
      expect(Math.abs(freq - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n) + 1e-9);
    });
    tf.dispose([a, b]);
  });

  test('the same seed gives the same bits; another seed different ones', async () => {
    const a = tf.zeros([50, 8]);
    const [x, y, z] = [7, 7, 8].map((s) =>
      binaryNeuron(a, { estimator: 'pass-through', randomness: new SeedStream(s) }),
    );
    expect(await valuesOf(x as tf.Tensor)).toEqual(await valuesOf(y as tf.Tensor));
    expect(await valuesOf(x as tf.Tensor)).not.toEqual(await valuesOf(z as tf.Tensor));
    tf.dispose([a, x as tf.Tensor, y as tf.Tensor, z as tf.Tensor]);
  });

  test('inside an optimizer step: a binary hidden layer trains and leaks nothing over 200 steps', async () => {
    const stream = new SeedStream(5);
    const w1 = variableOf(randomInput([4, 8], 6).values, [4, 8]);
    const w2 = variableOf(randomInput([8, 2], 7).values, [8, 2]);
    const x = tf.tensor2d(randomInput([32, 4], 8, -1, 1).values, [32, 4]);
    const y = tf.tidy(() => tf.oneHot(tf.cast(tf.greater(tf.sum(x, 1), 0), 'int32'), 2));
    const sgd = tf.train.sgd(0.5);
    const loss = () =>
      tf.losses.softmaxCrossEntropy(
        y,
        tf.matMul(binaryNeuron(tf.matMul(x, w1), { estimator: 'sigmoid-adjusted', randomness: stream }), w2),
      ) as tf.Scalar;
    const first = tf.tidy(loss);
    const start = (await first.data())[0] as number;
    await expectNoLeaks(async () => {
      for (let i = 0; i < 200; i++) tf.dispose(sgd.minimize(loss, true) as tf.Scalar);
    }, '200 steps');
    const avg = tf.tidy(() => tf.mean(tf.stack(Array.from({ length: 20 }, loss))));
    expect((await avg.data())[0]).toBeLessThan(start);
    tf.dispose([first, avg, w1, w2, x, y]);
    sgd.dispose();
  });

  test('bad options are one-line errors', () => {
    const a = tf.zeros([2, 2]);
    expect(() => binaryNeuron(a, { estimator: 'reinforce' as never })).toThrow(
      `binaryNeuron: estimator = "reinforce", expected 'pass-through' or 'sigmoid-adjusted' (REINFORCE: reinforceBinaryNeuron)`,
    );
    expect(() => binaryNeuron(a, { estimator: 'pass-through', slope: 0 })).toThrow(
      'binaryNeuron: slope = 0, expected a finite number > 0',
    );
    a.dispose();
  });
});
