import * as tf from '@tensorflow/tfjs-core';
import {
  checkPseudoGradient,
  describeBackends,
  expect,
  expectTensorClose,
  randomInput,
  test,
  variableOf,
} from '@gradkit/test-harness';
import { stopGradient } from './index';

describeBackends('stopGradient', () => {
  test('forward is the identity', async () => {
    const x = tf.tensor2d([
      [1.5, -2],
      [0, 3.25],
    ]);
    const y = stopGradient(x);
    await expectTensorClose(
      y,
      [
        [1.5, -2],
        [0, 3.25],
      ],
      { shape: [2, 2], rtol: 0, atol: 0 },
    );
    expect(y).not.toBe(x);
    tf.dispose([x, y]);
  });

  test('contributes no gradient: d/dx [2x + sg(x²)] = 2', async () => {
    // Documented backward: ∂sg(v)/∂v = 0, so only the 2x term contributes 2·u.
    await checkPseudoGradient({
      f: (x) => tf.add(tf.mul(x, 2), stopGradient(tf.square(x))),
      inputs: [randomInput([3, 4], 1)],
      forward: (x) => x.map((v) => 2 * v + v * v),
      expected: (_xs, u) => [u.map((ui) => 2 * ui)],
    });
  });

  test('a loss that only sees stopGradient(v) has no path to v', () => {
    const v = variableOf([1, 2, 3]);
    expect(() => tf.tidy(() => tf.variableGrads(() => tf.sum(stopGradient(v)), [v]))).toThrow(
      /Cannot (find a connection|compute gradient)/,
    );
    v.dispose();
  });

  test('inside an optimizer step: loss = Σ v·sg(v) moves v by −lr·v', async () => {
    const v = variableOf([1, -2, 0.5]);
    const sgd = tf.train.sgd(0.1);
    sgd.minimize(() => tf.sum(tf.mul(v, stopGradient(v))));
    // ∂/∂v [v·c] = c with c = v held constant: v ← v − 0.1·v.
    await expectTensorClose(v, [0.9, -1.8, 0.45]);
    sgd.dispose();
    v.dispose();
  });

  test('rejects a non-tensor with a one-line error', () => {
    expect(() => stopGradient(3 as unknown as tf.Tensor)).toThrow('stopGradient: x is number 3, expected a tf.Tensor');
  });
  test('with a tfjs-core that lacks Engine.runKernelFunc: a one-line error naming the version', () => {
    const engine = tf.engine() as unknown as Record<string, unknown>;
    const x = tf.ones([2]);
    engine.runKernelFunc = undefined;
    try {
      expect(() => stopGradient(x)).toThrow(
        `@gradkit/core needs Engine.runKernelFunc from @tensorflow/tfjs-core ^4.22, which this tfjs-core (${tf.version_core}) does not have`,
      );
    } finally {
      delete engine.runKernelFunc;
      x.dispose();
    }
  });
});
