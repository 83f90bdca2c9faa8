import * as tf from '@tensorflow/tfjs-core';
import { checkGradients, describeBackends, expect, randomInput, test } from '@gradkit/test-harness';
import { dense, sumRows } from './index';

describeBackends('sumRows', () => {
  test('Σ over the rows matches a plain-number sum, and its gradient (dy broadcast over the rows) matches finite differences', async () => {
    const [rows, cols] = [7, 3];
    await checkGradients({
      f: (x) => sumRows(x),
      reference: (x) =>
        Array.from({ length: cols }, (_, j) => {
          let s = 0;
          for (let i = 0; i < rows; i++) s += x[i * cols + j] as number;
          return s;
        }),
      inputs: [randomInput([rows, cols], 3)],
    });
  });

  test('dense() bias gradient is Σ_rows of the upstream gradient (through sumRows)', async () => {
    const x = tf.randomUniform([5, 4], -1, 1, 'float32', 1);
    const w = tf.randomUniform([4, 3], -1, 1, 'float32', 2);
    const b = tf.randomUniform([3], -1, 1, 'float32', 3);
    const dy = tf.randomUniform([5, 3], -1, 1, 'float32', 4);
    const grads = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => dense(xx, ww, bb))([x, w, b], dy);
    const db = grads[2] as tf.Tensor;
    const dyv = Array.from(await dy.data());
    const expected = [0, 1, 2].map((j) => [0, 1, 2, 3, 4].reduce((s, i) => s + (dyv[i * 3 + j] as number), 0));
    const got = Array.from(await db.data());
    got.forEach((g, j) => expect(g).toBeCloseTo(expected[j] as number, 5));
    tf.dispose([x, w, b, dy, ...grads]);
  });

  test('bad input: one line naming the shape', () => {
    const v = tf.zeros([3]);
    expect(() => sumRows(v)).toThrow('sumRows: x has shape [3], expected [rows, cols]');
    v.dispose();
  });
  test('an int32 matrix is summed by tfjs (exact integers, int32 result)', async () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
    const s = sumRows(x);
    expect(s.dtype).toBe('int32');
    expect(Array.from(await s.data())).toEqual([1 + 3 + 5, 2 + 4 + 6]);
    expect(() => sumRows([[1]] as never)).toThrow('sumRows: x is array of length 1, expected a tf.Tensor');
    tf.dispose([x, s]);
  });
});
