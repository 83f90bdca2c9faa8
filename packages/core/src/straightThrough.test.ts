import * as tf from '@tensorflow/tfjs-core';
import {
  checkPseudoGradient,
  describeBackends,
  expect,
  expectTensorClose,
  expectValuesClose,
  finiteDifferences,
  randomInput,
  test,
  valuesOf,
  variableOf,
} from '@gradkit/test-harness';
import { straightThrough, traceDiscreteGradients } from './index';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describeBackends('straightThrough', () => {
  test("'identity': round forward, ∂L/∂x = ∂L/∂y", async () => {
    await checkPseudoGradient({
      f: straightThrough((x) => tf.round(x)),
      inputs: [randomInput([4, 5], 1, -3, 3)],
      forward: (x) => x.map((v) => Math.round(v)),
      expected: (_xs, u) => [u],
    });
  });

  test('{ clip: c }: sign forward, ∂L/∂x = ∂L/∂y · 1[|x| ≤ c]', async () => {
    await checkPseudoGradient({
      f: straightThrough((x) => tf.sign(x), { clip: 1 }),
      inputs: [randomInput([4, 5], 2, -2, 2)],
      forward: (x) => x.map((v) => Math.sign(v)),
      expected: ([x], u) => [(x as number[]).map((v, i) => (Math.abs(v) <= 1 ? (u[i] as number) : 0))],
    });
  });

  test('{ clip: c } at the boundary: inputs exactly at ±c get gradient 1, just past them 0 (as documented)', async () => {
    // float32-exact values: ±0.75 and the neighbours of the clip 0.75 one ulp-ish away in either direction
    const c = 0.75;
    const xs = [-c, c, -0.7500001, 0.7500001, -0.7499999, 0.7499999, 0];
    const x = tf.tensor1d(xs);
    const g = tf.grad((v: tf.Tensor) => tf.sum(straightThrough((u) => tf.sign(u), { clip: c })(v)))(x);
    const f32 = Float32Array.from(xs);
    expect(Array.from(await g.data())).toEqual(Array.from(f32, (v) => (Math.abs(v) <= c ? 1 : 0)));
    expect(Array.from(await g.data()).slice(0, 2)).toEqual([1, 1]);
    tf.dispose([x, g]);
  });

  test('{ surrogate: s }: ∂L/∂x = ∂L/∂y · s′(x), the documented formula and finite differences of s agree', async () => {
    const input = randomInput([3, 4], 3, -4, 4);
    // sigmoid-adjusted binary neuron: forward round(σ(x)), backward σ′(x) = σ(x)(1 − σ(x))
    const f = straightThrough((x) => tf.round(tf.sigmoid(x)), { surrogate: (x) => tf.sigmoid(x) });
    await checkPseudoGradient({
      f,
      inputs: [input],
      forward: (x) => x.map((v) => Math.round(sigmoid(v))),
      expected: ([x], u) => [(x as number[]).map((v, i) => (u[i] as number) * sigmoid(v) * (1 - sigmoid(v)))],
    });
    // independent oracle: central differences of u·σ(x) in float64
    const x = tf.tensor(input.values, input.shape);
    const u = tf.onesLike(x);
    const g = tf.grad((a: tf.Tensor) => f(a))(x, u);
    const fd = finiteDifferences(
      (v) => v.map(sigmoid),
      [input.values],
      0,
      input.values.map(() => 1),
    );
    expectValuesClose(await valuesOf(g), fd, { rtol: 1e-4, atol: 1e-6 });
    tf.dispose([x, u, g]);
  });

  test('no gradient is taken through the discrete op inside', () => {
    const x = tf.tensor1d([0.2, 1.7]);
    const { result, kernels } = traceDiscreteGradients(() =>
      tf.grad((a: tf.Tensor) => tf.sum(straightThrough((v) => tf.round(v))(a)))(x),
    );
    expect(kernels).toEqual([]);
    tf.dispose([x, result]);
  });

  test('inside an optimizer step: a binarized linear unit trains through the estimator', async () => {
    // loss = Σ sign(w·x) with the clipped estimator: ∂loss/∂w = x · 1[|w·x| ≤ 1]
    const w = variableOf([0.5, -2, 0.25]);
    const x = tf.tensor1d([1, 1, 2]);
    const sgd = tf.train.sgd(0.1);
    const binarize = straightThrough((v) => tf.sign(v), { clip: 1 });
    sgd.minimize(() => tf.sum(binarize(tf.mul(w, x))));
    // w·x = [0.5, −2, 0.5]: the middle unit is clipped, the others move by −0.1·x
    await expectTensorClose(w, [0.4, -2, 0.05]);
    sgd.dispose();
    tf.dispose([w, x]);
  });

  test('bad options and a wrong forward shape are one-line errors', () => {
    expect(() => straightThrough((x) => x, { clip: 0 })).toThrow(
      'straightThrough: clip = number 0, expected a number > 0',
    );
    expect(() => straightThrough((x) => x, 'clipped' as never)).toThrow(
      `straightThrough: gradient is string "clipped", expected 'identity', { clip: number } or { surrogate: (x) => tensor }`,
    );
    const bad = straightThrough((x) => tf.sum(x));
    const x = tf.tensor1d([1, 2]);
    expect(() => bad(x)).toThrow("straightThrough: forward(x) has shape [], expected x's shape [2]");
    x.dispose();
  });
  test('a small positive clip is accepted; other bad arguments name the value', async () => {
    const x = tf.tensor1d([1e-31, 0.5]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(straightThrough((u) => tf.sign(u), { clip: 1e-30 })(v)))(x);
    // |1e-31| ≤ 1e-30 < 0.5
    expect(Array.from(await g.data())).toEqual([1, 0]);
    g.dispose();
    expect(() => straightThrough((u) => u, { clip: -1 })).toThrow(
      'straightThrough: clip = number -1, expected a number > 0',
    );
    expect(() => straightThrough((u) => u, { clip: '1' as never })).toThrow(
      'straightThrough: clip = string "1", expected a number > 0',
    );
    expect(() => straightThrough((u) => u, { surrogate: 1 as never })).toThrow(
      'straightThrough: surrogate is number 1, expected a function of x',
    );
    expect(() => straightThrough(undefined as never)).toThrow(
      'straightThrough: forward is undefined, expected a function',
    );
    const gradientError = (what: string) =>
      `straightThrough: gradient is ${what}, expected 'identity', { clip: number } or { surrogate: (x) => tensor }`;
    expect(() => straightThrough((u) => u, null as never)).toThrow(gradientError('null'));
    expect(() => straightThrough((u) => u, {} as never)).toThrow(gradientError('object'));
    expect(() => straightThrough((u) => u, true as never)).toThrow(gradientError('boolean true'));
    expect(() => straightThrough((u) => u)(2 as never)).toThrow('straightThrough: x is number 2, expected a tf.Tensor');
    expect(() => straightThrough((u) => u, { surrogate: (u) => u })(2 as never)).toThrow(
      'straightThrough: x is number 2, expected a tf.Tensor',
    );
    expect(() => tf.tidy(() => straightThrough(() => 1 as never)(x))).toThrow(
      'straightThrough: forward(x) is number 1, expected a tf.Tensor',
    );
    x.dispose();
  });
});
