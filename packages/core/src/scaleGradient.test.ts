import * as tf from '@tensorflow/tfjs-core';
import {
  checkGradients,
  checkPseudoGradient,
  describeBackends,
  expect,
  expectTensorClose,
  randomInput,
  test,
  variableOf,
} from '@gradkit/test-harness';
import { scaleGradient } from './index';

describeBackends('scaleGradient', () => {
  test('forward is the identity; ∂L/∂x = s·∂L/∂y', async () => {
    await checkPseudoGradient({
      f: (x) => scaleGradient(x, -0.5),
      inputs: [randomInput([3, 3], 5)],
      forward: (x) => x,
      expected: (_xs, u) => [u.map((v) => -0.5 * v)],
    });
  });

  test('scale 1 leaves a smooth function’s gradient unchanged (finite differences of x·tanh x)', async () => {
    await checkGradients({
      f: (x) => scaleGradient(tf.mul(x, tf.tanh(x)), 1),
      reference: (x) => x.map((v) => v * Math.tanh(v)),
      inputs: [randomInput([2, 4], 6, -2, 2)],
    });
  });

  test('a tensor scale broadcasts over the rows', async () => {
    const s = tf.tensor1d([1, 2, 3]);
    await checkPseudoGradient({
      f: (x) => scaleGradient(x, s),
      inputs: [randomInput([2, 3], 7)],
      expected: (_xs, u) => [u.map((v, i) => v * ((i % 3) + 1))],
    });
    s.dispose();
  });

  test('a tensor scale created inside the loss function survives until the backward pass', async () => {
    const w = variableOf([1, 2]);
    const sgd = tf.train.sgd(1);
    sgd.minimize(() => tf.sum(scaleGradient(w, tf.tensor1d([3, -1]))));
    await expectTensorClose(w, [-2, 3]);
    sgd.dispose();
    w.dispose();
  });

  test('inside an optimizer step: a scale of −1 reverses the update', async () => {
    const w = variableOf([1, 2]);
    const sgd = tf.train.sgd(0.1);
    sgd.minimize(() => tf.sum(scaleGradient(w, -1)));
    await expectTensorClose(w, [1.1, 2.1]);
    sgd.dispose();
    w.dispose();
  });

  test('bad scales are one-line errors', () => {
    const x = tf.zeros([2, 3]);
    const s = tf.zeros([4]);
    expect(() => scaleGradient(x, Number.NaN)).toThrow('scaleGradient: scale = NaN, expected a finite number');
    expect(() => scaleGradient(x, s)).toThrow(
      "scaleGradient: scale has shape [4], which does not broadcast to x's shape [2,3]",
    );
    tf.dispose([x, s]);
  });
  test('a missing scale, an infinite one, a non-tensor and a scale that would grow x are one-line errors', () => {
    const x = tf.zeros([3]);
    const wide = tf.zeros([2, 3]);
    const column = tf.zeros([3, 1]);
    expect(() => scaleGradient(x, null as never)).toThrow('scaleGradient: scale is null, expected a number or tensor');
    expect(() => scaleGradient(x, undefined as never)).toThrow(
      'scaleGradient: scale is undefined, expected a number or tensor',
    );
    expect(() => scaleGradient(x, Infinity)).toThrow('scaleGradient: scale = Infinity, expected a finite number');
    expect(() => scaleGradient(x, 'x' as never)).toThrow('scaleGradient: scale is string "x", expected a tf.Tensor');
    expect(() => scaleGradient([1] as never, 2)).toThrow('scaleGradient: x is array of length 1, expected a tf.Tensor');
    // [2,3] broadcasts with [3], but to [2,3]: it would change x's shape
    expect(() => scaleGradient(x, wide)).toThrow(
      "scaleGradient: scale has shape [2,3], which does not broadcast to x's shape [3]",
    );
    expect(() => scaleGradient(x, column)).toThrow(
      "scaleGradient: scale has shape [3,1], which does not broadcast to x's shape [3]",
    );
    tf.dispose([x, wide, column]);
  });
});
