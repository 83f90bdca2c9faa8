// The posts' TensorFlow initial weights: UniformUnitScaling ±√(3/fan_in) on a cell's kernels, biases untouched.
import type * as tf from '@tensorflow/tfjs-core';
import { basicRnnCell, lstmCell } from '@gradkit/rnn';
import { describeBackends, expect, test, valuesOf } from '@gradkit/test-harness';
import { tf1Limit, tf1Weights } from '../src/experiments/tf1Init';

describeBackends('tf1 initial weights', () => {
  test('an LSTM built with tf1Weights(input + units): kernels uniform over ±√(3/(input + units)), the bias as the cell sets it', async () => {
    const [input, units] = [30, 20];
    const cell = lstmCell({ inputSize: input, units, seed: 4, makeWeight: tf1Weights(input + units, 4) });
    const limit = Math.sqrt(3 / 50);
    expect(tf1Limit(50)).toBe(limit);
    const plain = lstmCell({ inputSize: input, units, seed: 4 });
    let kernels = 0;
    for (const [i, v] of cell.variables.entries()) {
      const values = await valuesOf(v);
      if (v.shape.length === 2) {
        kernels += 1;
        const max = Math.max(...values.map(Math.abs));
        // within the limit, and using it: a uniform sample of this size comes within 2% of its edge
        expect(max).toBeLessThanOrEqual(limit);
        expect(max).toBeGreaterThan(0.98 * limit);
        const variance = values.reduce((s, x) => s + x * x, 0) / values.length;
        expect(Math.abs(variance / ((limit * limit) / 3) - 1)).toBeLessThan(0.1);
      } else {
        expect(values).toEqual(await valuesOf(plain.variables[i] as tf.Variable));
      }
    }
    expect(kernels).toBeGreaterThanOrEqual(2);
    cell.dispose();
    plain.dispose();
  });

  test('a basic RNN (post 2’s toy model): its input and recurrent kernels both within ±√(3/(2 + units)), as one joint matrix', async () => {
    const units = 16;
    const cell = basicRnnCell({ inputSize: 2, units, seed: 3, makeWeight: tf1Weights(2 + units, 3) });
    const limit = tf1Limit(2 + units);
    const [kernel, recurrent] = cell.variables as [tf.Variable, tf.Variable];
    for (const v of [kernel, recurrent]) {
      const values = await valuesOf(v);
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(limit);
    }
    // the recurrent kernel's Glorot limit, √(6/32) = 0.433, is above √(3/18) = 0.408: a Glorot draw would exceed it
    const glorot = basicRnnCell({ inputSize: 2, units, seed: 3 });
    expect(Math.max(...(await valuesOf(glorot.variables[1] as tf.Variable)).map(Math.abs))).toBeGreaterThan(limit);
    cell.dispose();
    glorot.dispose();
  });
});
