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
  test('the warning and the error are the documented one-line message', () => {
    const message =
      'the gradient of Floor is zero everywhere, so nothing before it learns. Wrap the op in straightThrough(...) ' +
      "for a pseudo-gradient, or stopGradient(...) to make the cut explicit (@gradkit/core; setDiscreteGradientPolicy('ignore') silences this).";
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const x = tf.tensor1d([0.3, 1.2]);
    setDiscreteGradientPolicy('warn');
    tf.dispose(tf.grad((a: tf.Tensor) => tf.sum(tf.floor(a)))(x));
    expect(warn.mock.calls).toEqual([[`Warning: ${message}`]]);
    setDiscreteGradientPolicy('throw');
    expect(() => tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(tf.floor(a)))(x))).toThrow(message);
    disposeFailedGradientTape();
    x.dispose();
  });

  test('setDiscreteGradientPolicy returns the previous policy', () => {
    expect(setDiscreteGradientPolicy('throw')).toBe('warn');
    expect(getDiscreteGradientPolicy()).toBe('throw');
    expect(setDiscreteGradientPolicy('ignore')).toBe('throw');
    expect(setDiscreteGradientPolicy('warn')).toBe('ignore');
  });

  test('nested traces each see what passed while they ran, and are removed when they end, even by an error', () => {
    setDiscreteGradientPolicy('ignore');
    const state = (globalThis as unknown as Record<symbol, { traces: unknown[] }>)[
      Symbol.for('@gradkit/core.discreteGradientGuard')
    ] as { traces: unknown[] };
    const x = tf.tensor1d([0.3, 1.2]);
    const gradThrough = (op: (a: tf.Tensor) => tf.Tensor) => tf.dispose(tf.grad((a: tf.Tensor) => tf.sum(op(a)))(x));
    let inner: string[] = [];
    const outer = traceDiscreteGradients(() => {
      gradThrough((a) => tf.sign(a));
      inner = traceDiscreteGradients(() => gradThrough((a) => tf.step(a))).kernels;
      gradThrough((a) => tf.ceil(a));
    });
    expect(inner).toEqual(['Step']);
    expect(outer.kernels).toEqual(['Sign', 'Step', 'Ceil']);
    expect(state.traces).toHaveLength(0);
    expect(() =>
      traceDiscreteGradients(() => {
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(state.traces).toHaveLength(0);
    x.dispose();
  });
});
