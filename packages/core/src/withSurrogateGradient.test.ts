import * as tf from '@tensorflow/tfjs-core';
import {
  describeBackends,
  expect,
  expectValuesClose,
  finiteDifferences,
  randomInput,
  test,
  valuesOf,
} from '@gradkit/test-harness';
import { traceDiscreteGradients, withSurrogateGradient } from './index';

describeBackends('withSurrogateGradient', () => {
  test('forward is the value exactly; backward is the surrogate’s gradient (finite differences of tanh)', async () => {
    const input = randomInput([2, 5], 4, -2, 2);
    const x = tf.tensor(input.values, input.shape);
    const y = tf.tidy(() => withSurrogateGradient(tf.sign(x), tf.tanh(x)));
    expect(await valuesOf(y)).toEqual(input.values.map((v) => Math.sign(v)));
    const u = tf.tensor(
      input.values.map((_, i) => (i % 3) - 1),
      input.shape,
    );
    const { result: g, kernels } = traceDiscreteGradients(() =>
      tf.grad((a: tf.Tensor) => withSurrogateGradient(tf.sign(a), tf.tanh(a)))(x, u),
    );
    const fd = finiteDifferences(
      (v) => v.map(Math.tanh),
      [input.values],
      0,
      input.values.map((_, i) => (i % 3) - 1),
    );
    expectValuesClose(await valuesOf(g), fd, { rtol: 1e-4, atol: 1e-6 });
    // the sign that produced the value is never differentiated
    expect(kernels).toEqual([]);
    tf.dispose([x, y, u, g]);
  });

  test('inside an optimizer step: the surrogate’s parameters train', async () => {
    const w = tf.tidy(() => tf.variable(tf.tensor1d([0.3, -0.6])));
    const sgd = tf.train.sgd(0.5);
    sgd.minimize(() => tf.sum(withSurrogateGradient(tf.round(w), tf.mul(w, 2))));
    // ∂/∂w Σ 2w = 2: w ← w − 0.5·2
    expectValuesClose(await valuesOf(w), [-0.7, -1.6]);
    sgd.dispose();
    w.dispose();
  });

  test('different shapes are a one-line error', () => {
    const a = tf.zeros([2, 3]);
    const b = tf.zeros([3, 2]);
    expect(() => withSurrogateGradient(a, b)).toThrow(
      'withSurrogateGradient: value has shape [2,3] but surrogate has shape [3,2]; expected equal shapes',
    );
    tf.dispose([a, b]);
  });
  test('non-tensors and disposed tensors are one-line errors', () => {
    const a = tf.zeros([2]);
    const gone = tf.zeros([2]);
    gone.dispose();
    expect(() => withSurrogateGradient(1 as never, a)).toThrow(
      'withSurrogateGradient: value is number 1, expected a tf.Tensor',
    );
    expect(() => withSurrogateGradient(a, {} as never)).toThrow(
      'withSurrogateGradient: surrogate is object, expected a tf.Tensor',
    );
    expect(() => withSurrogateGradient(a, gone)).toThrow(
      'withSurrogateGradient: surrogate (Tensor float32 [2]) is disposed',
    );
    a.dispose();
  });
});
