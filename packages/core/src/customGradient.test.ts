import * as tf from '@tensorflow/tfjs-core';
import {
  checkGradients,
  describeBackends,
  disposeFailedGradientTape,
  expect,
  expectNoLeaks,
  expectTensorClose,
  randomInput,
  test,
  variableOf,
} from '@gradkit/test-harness';
import { customGradient } from './index';

// y = x·w and z = x + w, elementwise, in one node with the product rule written by hand.
const productAndSum = customGradient((x: tf.Tensor, w: tf.Tensor) => ({
  value: [tf.mul(x, w), tf.add(x, w)],
  save: [x, w],
  gradient: ([dy, dz]: tf.Tensor[], [xs, ws]: tf.Tensor[]) => [
    tf.add(tf.mul(dy as tf.Tensor, ws as tf.Tensor), dz as tf.Tensor),
    tf.add(tf.mul(dy as tf.Tensor, xs as tf.Tensor), dz as tf.Tensor),
  ],
}));

// Forward x², backward returns null for the second input (a constant offset).
const squarePlusConstant = customGradient((x: tf.Tensor, c: tf.Tensor) => ({
  value: tf.add(tf.square(x), c),
  save: [x],
  gradient: (dy: tf.Tensor, [xs]: tf.Tensor[]) => [tf.mul(dy, tf.mul(xs as tf.Tensor, 2)), null],
}));

describeBackends('customGradient', () => {
  test('two outputs: values and gradients match finite differences of the float64 reference', async () => {
    await checkGradients({
      f: (x, w) => {
        const [y, z] = productAndSum(x, w);
        return tf.concat([tf.reshape(y as tf.Tensor, [-1]), tf.reshape(z as tf.Tensor, [-1])]);
      },
      reference: (x, w) => [...x.map((v, i) => v * (w[i] as number)), ...x.map((v, i) => v + (w[i] as number))],
      inputs: [randomInput([2, 3], 1), randomInput([2, 3], 2)],
    });
  });

  test('an output that does not reach the loss gets a zero upstream gradient', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const w = tf.tensor1d([4, 5, 6]);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum((productAndSum(a, b) as tf.Tensor[])[0] as tf.Tensor),
    )([x, w]);
    // only y = x·w reaches the loss: ∂/∂x = w, ∂/∂w = x
    await expectTensorClose(gx as tf.Tensor, [4, 5, 6]);
    await expectTensorClose(gw as tf.Tensor, [1, 2, 3]);
    tf.dispose([x, w, gx as tf.Tensor, gw as tf.Tensor]);
  });

  test('null gradient is treated as zero', async () => {
    const x = tf.tensor1d([1, -2, 3]);
    const c = tf.tensor1d([10, 10, 10]);
    const [gx, gc] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(squarePlusConstant(a, b)))([x, c]);
    await expectTensorClose(gx as tf.Tensor, [2, -4, 6]);
    await expectTensorClose(gc as tf.Tensor, [0, 0, 0], { rtol: 0, atol: 0 });
    tf.dispose([x, c, gx as tf.Tensor, gc as tf.Tensor]);
  });

  test("a null gradient for a broadcast input (a bias [C] under an [N, C] output) has the input's shape", async () => {
    const x = tf.tensor2d([1, -2, 3, 0.5, 4, -1], [2, 3]);
    const bias = tf.tensor1d([10, 20, 30]);
    const [gx, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(squarePlusConstant(a, b)))([x, bias]);
    expect((gb as tf.Tensor).shape).toEqual([3]);
    await expectTensorClose(gb as tf.Tensor, [0, 0, 0], { rtol: 0, atol: 0 });
    await expectTensorClose(gx as tf.Tensor, [2, -4, 6, 1, 8, -2]);
    tf.dispose([x, bias, gx as tf.Tensor, gb as tf.Tensor]);
  });

  test('inside an optimizer step: variables passed as inputs are trained', async () => {
    const w = variableOf([0.5, -1, 2]);
    const x = tf.tensor1d([1, 2, 3]);
    const sgd = tf.train.sgd(0.1);
    await expectNoLeaks(() => {
      sgd.minimize(() => tf.sum((productAndSum(x, w) as tf.Tensor[])[0] as tf.Tensor));
    }, 'minimize');
    // ∂/∂w Σ x·w = x: w ← w − 0.1·x
    await expectTensorClose(w, [0.4, -1.2, 1.7]);
    sgd.dispose();
    tf.dispose([w, x]);
  });

  test('saved tensors are freed whether or not a gradient is recorded', async () => {
    const x = tf.tensor1d([1, 2]);
    const w = tf.tensor1d([3, 4]);
    await expectNoLeaks(() => tf.dispose(productAndSum(x, w)), 'forward only');
    await expectNoLeaks(
      () => tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(squarePlusConstant(a, b)))([x, w])),
      'forward and backward',
    );
    tf.dispose([x, w]);
  });

  test('returning an input as the value is allowed (it is copied)', async () => {
    const identity = customGradient((x: tf.Tensor) => ({ value: x, gradient: (dy: tf.Tensor) => tf.mul(dy, 3) }));
    const x = tf.tensor1d([1, 2]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(identity(a)))(x);
    await expectTensorClose(g, [3, 3]);
    tf.dispose([x, g]);
  });

  test('a wrong number of gradients is a one-line error', () => {
    const bad = customGradient((x: tf.Tensor, y: tf.Tensor) => ({
      value: tf.add(x, y),
      gradient: (dy: tf.Tensor) => [dy],
    }));
    const x = tf.scalar(1);
    expect(() => tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => bad(a, b))([x, x]))).toThrow(
      'customGradient: gradient returned 1 gradient(s) for 2 input(s)',
    );
    disposeFailedGradientTape();
    x.dispose();
  });

  test('a gradient of the wrong shape is a one-line error', () => {
    const bad = customGradient((x: tf.Tensor) => ({ value: tf.mul(x, 2), gradient: () => tf.zeros([5]) }));
    const x = tf.tensor1d([1, 2]);
    expect(() => tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(bad(a)))(x))).toThrow(
      'customGradient: gradient 0 has shape [5], expected [2] (the shape of input 0)',
    );
    disposeFailedGradientTape();
    x.dispose();
  });

  test('non-tensor inputs and bad results are rejected', () => {
    const f = customGradient((x: tf.Tensor) => ({ value: x, gradient: (dy: tf.Tensor) => dy }));
    expect(() => f([1, 2] as unknown as tf.Tensor)).toThrow(
      'customGradient: input 0 is array of length 2, expected a tf.Tensor',
    );
    const noGradient = customGradient((x: tf.Tensor) => ({ value: x }) as never);
    const x = tf.scalar(1);
    expect(() => noGradient(x)).toThrow('customGradient: f returned gradient = undefined, expected a function');
    x.dispose();
  });
});
