import * as tf from '@tensorflow/tfjs-core';
import {
  checkGradients,
  countGpuPrograms,
  describeBackends,
  expect,
  expectTensorClose,
  randomInput,
  test,
} from '@gradkit/test-harness';
import { dense, useKernels } from './index';

/** Plain-number x·W (+ b), row-major: x is [n, k], w is [k, m], b is [m] or absent. */
function affine(x: number[], w: number[], b: number[] | undefined, n: number, k: number, m: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = b == null ? 0 : (b[j] as number);
      for (let p = 0; p < k; p++) s += (x[i * k + p] as number) * (w[p * m + j] as number);
      out.push(s);
    }
  return out;
}

describeBackends('dense', (backend) => {
  const activations = {
    linear: (v: number) => v,
    relu: (v: number) => Math.max(0, v),
    sigmoid: (v: number) => 1 / (1 + Math.exp(-v)),
  };
  test.each(['linear', 'relu', 'sigmoid'] as const)(
    'without a bias (%s): y = act(x·W) and ∂/∂x, ∂/∂W match finite differences',
    async (activation) => {
      await checkGradients({
        f: (x, w) => dense(x, w, null, activation),
        reference: (x, w) => affine(x, w, undefined, 3, 4, 2).map(activations[activation]),
        inputs: [randomInput([3, 4], 31), randomInput([4, 2], 32)],
      });
    },
  );

  test.each(['linear', 'relu', 'sigmoid'] as const)(
    'with a bias (%s): y = act(x·W + b) and ∂/∂x, ∂/∂W, ∂/∂b match finite differences',
    async (activation) => {
      await checkGradients({
        f: (x, w, b) => dense(x, w, b, activation),
        reference: (x, w, b) => affine(x, w, b, 5, 3, 4).map(activations[activation]),
        inputs: [randomInput([5, 3], 41), randomInput([3, 4], 42), randomInput([4], 43)],
      });
    },
  );

  test('a layer above the one-program size (256 × 320 × 256 multiply-adds per product, above 2²⁰): gradients equal the reference ops', async () => {
    const x = tf.randomNormal([256, 320], 0, 1, 'float32', 1);
    const w = tf.randomNormal([320, 256], 0, 0.1, 'float32', 2);
    const b = tf.randomNormal([256], 0, 0.1, 'float32', 3);
    const grads = () =>
      tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(dense(xx, ww, bb, 'relu'))))([
        x,
        w,
        b,
      ]);
    const mine = grads();
    const previous = useKernels(false);
    const theirs = (() => {
      try {
        return grads();
      } finally {
        useKernels(previous);
      }
    })();
    for (let i = 0; i < 3; i++)
      await expectTensorClose(mine[i] as tf.Tensor, theirs[i] as tf.Tensor, {
        rtol: 1e-4,
        atol: 1e-4,
        what: `gradient ${i}`,
      });
    tf.dispose([x, w, b, ...mine, ...theirs]);
  });

  if (backend.name === 'webgpu')
    test('on webgpu the backward of a layer is one program (g, ∂x, ∂W and ∂b together)', async () => {
      const x = tf.randomNormal([32, 20], 0, 1, 'float32', 1);
      const w = tf.randomNormal([20, 16], 0, 1, 'float32', 2);
      const b = tf.zeros([16]);
      const dy = tf.randomNormal([32, 16], 0, 1, 'float32', 3);
      const vjp = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => dense(xx, ww, bb, 'relu'));
      tf.dispose(vjp([x, w, b], dy)); // compiles the shaders, uploads the inputs
      const forward = countGpuPrograms();
      tf.dispose(dense(x, w, b, 'relu'));
      const forwardPrograms = forward.stop(); // tfjs's fused product (1 to 3 programs, by shape)
      const counter = countGpuPrograms();
      const grads = vjp([x, w, b], dy);
      expect(counter.stop() - forwardPrograms).toBe(1);
      tf.dispose([x, w, b, dy, ...grads]);
    });

  test('integer inputs (e.g. one-hot int32 rows) give the float32 result of their float values, and train the weights', async () => {
    const xi = tf.tensor2d([1, 0, 2, 0, 1, 0], [2, 3], 'int32');
    const xf = tf.cast(xi, 'float32');
    const w = tf.tensor2d([0.5, -1, 2, 0.25, -0.5, 1.5], [3, 2]);
    const b = tf.tensor1d([0.1, -0.2]);
    const yi = dense(xi, w, b, 'relu');
    expect(yi.dtype).toBe('float32');
    const yf = dense(xf, w, b, 'relu');
    await expectTensorClose(yi, yf);
    const [gw] = tf.grads((ww: tf.Tensor) => tf.sum(dense(xi, ww, b)))([w]);
    // ∂Σ(x·W + b)/∂W = xᵀ·1: column sums of x per row of W
    await expectTensorClose(gw as tf.Tensor, [1, 1, 1, 1, 2, 2]);
    tf.dispose([xi, xf, w, b, yi, yf, gw as tf.Tensor]);
  });

  test('the default activation is linear: negative pre-activations pass unchanged', async () => {
    const x = tf.tensor2d([1, -2], [1, 2]);
    const w = tf.tensor2d([3, -1, 0.5, 2], [2, 2]);
    const b = tf.tensor1d([0.25, -0.5]);
    const y = dense(x, w, b);
    // [1·3 − 2·0.5 + 0.25, 1·(−1) − 2·2 − 0.5] = [2.25, −5.5]
    expect(Array.from(await y.data())).toEqual([2.25, -5.5]);
    tf.dispose([x, w, b, y]);
  });

  test('shapes that do not fit are one-line errors naming them', () => {
    const x = tf.zeros([2, 4]);
    const w = tf.zeros([4, 3]);
    const cube = tf.zeros([2, 4, 1]);
    const wCube = tf.zeros([4, 3, 1]);
    const bColumn = tf.zeros([3, 1]);
    const bShort = tf.zeros([2]);
    // rank 3 with the inner dimensions agreeing: only the rank check rejects them
    expect(() => dense(cube, w)).toThrow('dense: x has shape [2,4,1] and w [4,3]; expected [batch, in] and [in, out]');
    expect(() => dense(x, wCube)).toThrow('dense: x has shape [2,4] and w [4,3,1]; expected [batch, in] and [in, out]');
    expect(() => dense(x, w, bColumn)).toThrow('dense: b has shape [3,1], expected [3]');
    expect(() => dense(x, w, bShort)).toThrow('dense: b has shape [2], expected [3]');
    expect(() => dense(x, w, null, 'tanh' as never)).toThrow(
      "dense: activation is string \"tanh\", expected 'linear', 'relu' or 'sigmoid'",
    );
    expect(() => dense(2 as never, w)).toThrow('dense: x is number 2, expected a tf.Tensor');
    expect(() => dense(x, null as never)).toThrow('dense: w is null, expected a tf.Tensor');
    tf.dispose([x, w, cube, wCube, bColumn, bShort]);
  });
});
