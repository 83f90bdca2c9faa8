import * as tf from '@tensorflow/tfjs-core';
import {
  afterEach,
  describeBackends,
  disposeFailedGradientTape,
  expect,
  expectTensorClose,
  jest,
  test,
} from '@gradkit/test-harness';
import {
  DISCRETE_KERNELS,
  getDiscreteGradientPolicy,
  setDiscreteGradientPolicy,
  traceDiscreteGradients,
} from './index';

const ops: Record<(typeof DISCRETE_KERNELS)[number], (x: tf.Tensor) => tf.Tensor> = {
  Sign: (x) => tf.sign(x),
  Round: (x) => tf.round(x),
  Step: (x) => tf.step(x),
  Floor: (x) => tf.floor(x),
  Ceil: (x) => tf.ceil(x),
};

describeBackends('discrete-gradient guard', () => {
  afterEach(() => {
    setDiscreteGradientPolicy('warn');
    jest.restoreAllMocks();
  });

  test.each(DISCRETE_KERNELS)('traces %s and keeps tfjs’s zero gradient', async (kernel) => {
    setDiscreteGradientPolicy('ignore');
    const x = tf.tensor1d([0.3, -1.6, 2.5]);
    const { result: g, kernels } = traceDiscreteGradients(() =>
      tf.grad((a: tf.Tensor) => tf.sum(tf.mul(ops[kernel](a), 3)))(x),
    );
    expect(kernels).toEqual([kernel]);
    await expectTensorClose(g, [0, 0, 0], { rtol: 0, atol: 0 });
    tf.dispose([x, g]);
  });

  test("'throw' names the kernel and the fix", () => {
    setDiscreteGradientPolicy('throw');
    const x = tf.tensor1d([0.3, 1.2]);
    expect(() => tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(tf.round(a)))(x))).toThrow(
      /the gradient of Round is zero everywhere.*straightThrough/,
    );
    disposeFailedGradientTape();
    x.dispose();
  });

  test("'warn' warns once per kernel; 'ignore' is silent", () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const x = tf.tensor1d([0.3, 1.2]);
    setDiscreteGradientPolicy('warn');
    const gradOfCeil = () => tf.dispose(tf.grad((a: tf.Tensor) => tf.sum(tf.ceil(a)))(x));
    setDiscreteGradientPolicy('ignore');
    gradOfCeil();
    expect(warn).not.toHaveBeenCalled();
    setDiscreteGradientPolicy('warn');
    gradOfCeil();
    gradOfCeil();
    expect(warn.mock.calls.filter(([m]) => String(m).includes('gradient of Ceil'))).toHaveLength(1);
    x.dispose();
  });

  test('ops off the gradient path are not reported', () => {
    const x = tf.tensor1d([0.3, 1.2]);
    const { result, kernels } = traceDiscreteGradients(() =>
      tf.grad((a: tf.Tensor) => tf.sum(tf.mul(a, tf.round(tf.scalar(2.4)))))(x),
    );
    expect(kernels).toEqual([]);
    tf.dispose([x, result]);
  });

  test('a bad policy is a one-line error and the policy is unchanged', () => {
    expect(() => setDiscreteGradientPolicy('loud' as never)).toThrow(
      `setDiscreteGradientPolicy: policy is string "loud", expected 'warn', 'throw' or 'ignore'`,
    );
    expect(getDiscreteGradientPolicy()).toBe('warn');
  });
});
