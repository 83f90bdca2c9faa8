import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expect, expectValuesClose, test, uniformValues, valuesOf } from '@gradkit/test-harness';
import { denseModule, stackModules } from './index';

describeBackends('stackModules', () => {
  test('forward = the parts in order (relu(relu(x·W1 + b1)·W2 + b2) in float64); variables, trainable and state in order', async () => {
    const [rows, n, h, m] = [3, 4, 5, 2];
    const a = denseModule({ name: 'a', inputDim: n, units: h, seed: 1 });
    const b = denseModule({ name: 'b', inputDim: h, units: m, batchNorm: true, trainable: 'dense', seed: 2 });
    const stack = stackModules('ab', [a, b]);
    expect(stack.variables).toEqual([...a.variables, ...b.variables]);
    expect(stack.trainable).toEqual([...a.trainable, ...b.trainable]);
    expect(stack.state).toEqual([...(a.state ?? []), ...(b.state ?? [])]);
    const x = tf.tensor2d(uniformValues(rows * n, 5, -1, 1), [rows, n]);
    const [w1, b1] = await Promise.all(a.variables.map((v) => valuesOf(v)));
    // reference: a's output in float64, then b on it (b's batch norm in inference: population statistics 0 and 1)
    const xs = await valuesOf(x);
    const h1: number[] = [];
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < h; j++) {
        let s = (b1 as number[])[j] as number;
        for (let k = 0; k < n; k++) s += (xs[r * n + k] as number) * ((w1 as number[])[k * h + j] as number);
        h1.push(Math.max(s, 0));
      }
    const wantTensor = tf.tidy(() => b.forward(tf.tensor2d(h1, [rows, h]), false));
    const want = await valuesOf(wantTensor);
    const y = stack.forward(x, false);
    expectValuesClose(await valuesOf(y), want, { rtol: 1e-5, atol: 1e-6 });
    tf.dispose([x, y, wantTensor]);
    stack.dispose();
    expect(a.variables.every((v) => v.isDisposed) && b.variables.every((v) => v.isDisposed)).toBe(true);
  });

  test('no parts: a one-line error naming the stack', () => {
    expect(() => stackModules('empty', [])).toThrow(
      'stackModules: parts = [] for "empty", expected at least one module',
    );
  });
});
