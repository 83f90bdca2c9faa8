import * as tf from '@tensorflow/tfjs-core';
import {
  describeBackends,
  expect,
  expectTensorClose,
  expectValuesClose,
  test,
  uniformValues,
  valuesOf,
  variableOf,
} from '@gradkit/test-harness';
import { injectGradient, vjp } from './index';

/** Plain-number matrix product, row-major: a is [n,k], b is [k,m]. */
function matMul(a: number[], b: number[], n: number, k: number, m: number): number[] {
  const out = new Array<number>(n * m).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++)
      for (let p = 0; p < k; p++)
        out[i * m + j] = (out[i * m + j] as number) + (a[i * k + p] as number) * (b[p * m + j] as number);
  return out;
}
function transpose(a: number[], rows: number, cols: number): number[] {
  return Array.from({ length: rows * cols }, (_, idx) => a[(idx % rows) * cols + Math.floor(idx / rows)] as number);
}

describeBackends('injectGradient and vjp', () => {
  test('∂/∂y of injectGradient(y, g) is exactly g, and its value is 0', async () => {
    const y = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const g = tf.tensor2d([
      [0.5, -1],
      [2, 0],
    ]);
    const loss = injectGradient(y, g);
    await expectTensorClose(loss, 0, { shape: [], rtol: 0, atol: 0 });
    const dy = tf.grad((a: tf.Tensor) => injectGradient(a, g))(y);
    await expectTensorClose(
      dy,
      [
        [0.5, -1],
        [2, 0],
      ],
      { rtol: 0, atol: 0 },
    );
    tf.dispose([y, g, loss, dy]);
  });

  test('vjp of a dense layer: ∂/∂W = xᵀ·g and ∂/∂b = Σ_rows g, computed by hand', async () => {
    const [n, k, m] = [4, 3, 2];
    const xs = uniformValues(n * k, 1);
    const ws = uniformValues(k * m, 2);
    const gs = uniformValues(n * m, 3);
    const W = variableOf(ws, [k, m], 'vjp_W');
    const b = variableOf([0.1, -0.2], [m], 'vjp_b');
    const x = tf.tensor2d(xs, [n, k]);
    const g = tf.tensor2d(gs, [n, m]);
    const { value, grads } = vjp(() => tf.add(tf.matMul(x, W), b), g);
    expectValuesClose(
      await valuesOf(value),
      matMul(xs, ws, n, k, m).map((v, i) => v + [0.1, -0.2][i % m]!),
    );
    expectValuesClose(await valuesOf(grads.vjp_W as tf.Tensor), matMul(transpose(xs, n, k), gs, k, n, m));
    expectValuesClose(
      await valuesOf(grads.vjp_b as tf.Tensor),
      [0, 1].map((j) => gs.filter((_, i) => i % m === j).reduce((s, v) => s + v, 0)),
    );
    tf.dispose([value, grads as never, W, b, x, g]);
  });

  test('several outputs, and added to an ordinary loss the gradients sum', async () => {
    const w = variableOf([1, 2, 3]);
    const g1 = tf.tensor1d([1, 0, -1]);
    const g2 = tf.tensor1d([0.5, 0.5, 0.5]);
    // L = Σw² + <2w, g1> + <w, g2> injected: ∂L/∂w = 2w + 2·g1 + g2
    const { value, grads } = tf.variableGrads(
      () => tf.add(tf.sum(tf.square(w)), injectGradient([tf.mul(w, 2), tf.clone(w)], [g1, g2])),
      [w],
    );
    // the injected term adds nothing to the value: Σw² = 14
    await expectTensorClose(value, 14);
    await expectTensorClose(grads[w.name] as tf.Tensor, [4.5, 4.5, 4.5]);
    tf.dispose([value, w, g1, g2, grads as never]);
  });

  test('inside an optimizer step: minimize(() => injectGradient(h, g)) moves the variables by −lr·Jᵀg', async () => {
    const w = variableOf([1, -1]);
    const g = tf.tensor1d([2, 4]);
    const sgd = tf.train.sgd(0.25);
    sgd.minimize(() => injectGradient(tf.mul(w, 3), g));
    // J = 3·I: w ← w − 0.25·3·g
    await expectTensorClose(w, [-0.5, -4]);
    sgd.dispose();
    tf.dispose([w, g]);
  });

  test('mismatched shapes and counts are one-line errors', () => {
    const y = tf.zeros([2, 3]);
    const g = tf.zeros([3, 2]);
    expect(() => injectGradient(y, g)).toThrow("injectGradient: g has shape [3,2], expected y's shape [2,3]");
    expect(() => injectGradient([y, y], [g])).toThrow(
      'injectGradient: got array of length 2 outputs and array of length 1 gradients; expected one gradient per output',
    );
    tf.dispose([y, g]);
  });
});
