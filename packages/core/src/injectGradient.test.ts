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
  test('list outputs: vjp keeps every output and sums Jᵀg over them', async () => {
    const w = variableOf([1, -2], [2], 'vjp_list_w');
    const g1 = tf.tensor1d([0.5, 1]);
    const g2 = tf.tensor1d([2, -1]);
    // outputs 3w and w²: ∂/∂w = 3·g1 + 2w·g2
    const { value, grads } = vjp(() => [tf.mul(w, 3), tf.square(w)], [g1, g2], [w]);
    expect(value).toHaveLength(2);
    await expectTensorClose(value[0] as tf.Tensor, [3, -6]);
    await expectTensorClose(value[1] as tf.Tensor, [1, 4]);
    await expectTensorClose(grads.vjp_list_w as tf.Tensor, [3 * 0.5 + 2 * 1 * 2, 3 * 1 + 2 * -2 * -1]);
    tf.dispose([...value, grads as never, w, g1, g2]);
  });

  test('vjp releases the value f returned when it throws', () => {
    const w = variableOf([1, 2]);
    const g = tf.ones([2]);
    // no variable influences f's output: tf.variableGrads throws after f has run
    tf.tidy(() => {
      let made: tf.Tensor | undefined;
      expect(() => vjp(() => (made = tf.tensor1d([1, 2])), g, [w])).toThrow('Cannot find a connection');
      // released by vjp itself, not only at the end of this tidy (which also frees what tfjs leaves behind)
      expect(made?.isDisposed).toBe(true);
    });
    expect(() =>
      vjp(() => {
        throw new Error('f failed');
      }, g as never),
    ).toThrow('f failed');
    tf.dispose([w, g]);
  });

  test('bad arguments name the value and what was expected', () => {
    const y = tf.zeros([2]);
    const g = tf.zeros([2]);
    const g3 = tf.zeros([3]);
    expect(() => vjp('f' as never, g)).toThrow('vjp: f is string "f", expected a function');
    expect(() => injectGradient(y, [g])).toThrow(
      'injectGradient: got Tensor float32 [2] outputs and array of length 1 gradients; expected one gradient per output',
    );
    expect(() => injectGradient([y], g)).toThrow(
      'injectGradient: got array of length 1 outputs and Tensor float32 [2] gradients; expected one gradient per output',
    );
    expect(() => injectGradient([], [])).toThrow('injectGradient: y = [], expected at least one tensor');
    expect(() => injectGradient(1 as never, g)).toThrow('injectGradient: y is number 1, expected a tf.Tensor');
    expect(() => injectGradient([y, null as never], [g, g])).toThrow(
      'injectGradient: y[1] is null, expected a tf.Tensor',
    );
    expect(() => injectGradient(y, 'g' as never)).toThrow('injectGradient: g is string "g", expected a tf.Tensor');
    expect(() => injectGradient([y], [undefined as never])).toThrow(
      'injectGradient: g[0] is undefined, expected a tf.Tensor',
    );
    expect(() => injectGradient([y, y], [g, g3])).toThrow(
      "injectGradient: g[1] has shape [3], expected y[1]'s shape [2]",
    );
    tf.dispose([y, g, g3]);
  });
});
