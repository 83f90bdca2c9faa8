import * as tf from '@tensorflow/tfjs-core';
import { checkGradients, describeBackends, expect, randomInput, test } from '@gradkit/test-harness';
import { dense } from './index';

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

describeBackends('dense', () => {
  test.each(['linear', 'relu', 'sigmoid'] as const)(
    'without a bias (%s): y = act(x·W) and ∂/∂x, ∂/∂W match finite differences',
    async (activation) => {
      const act = {
        linear: (v: number) => v,
        relu: (v: number) => Math.max(0, v),
        sigmoid: (v: number) => 1 / (1 + Math.exp(-v)),
      }[activation];
      await checkGradients({
        f: (x, w) => dense(x, w, null, activation),
        reference: (x, w) => affine(x, w, undefined, 3, 4, 2).map(act),
        inputs: [randomInput([3, 4], 31), randomInput([4, 2], 32)],
      });
    },
  );

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
