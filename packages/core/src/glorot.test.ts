import * as tf from '@tensorflow/tfjs-core';
import { describe, describeBackends, expect, test } from '@gradkit/test-harness';
import { createRng, glorotUniform, glorotUniformValues } from './index';

describe('glorotUniformValues', () => {
  test('is (2·rng() − 1)·√(6 / (fanIn + fanOut)), drawn in row-major order', () => {
    const values = glorotUniformValues([3, 5], createRng(7));
    const rng = createRng(7);
    const limit = Math.sqrt(6 / 8);
    expect(Array.from(values)).toEqual(Array.from(Float32Array.from({ length: 15 }, () => (2 * rng() - 1) * limit)));
  });

  test('a vector [n] takes fan in = fan out = n: U(−√(3/n), √(3/n))', () => {
    const rng = createRng(11);
    expect(Array.from(glorotUniformValues([6], createRng(11)))).toEqual(
      Array.from(Float32Array.from({ length: 6 }, () => (2 * rng() - 1) * Math.sqrt(3 / 6))),
    );
  });

  test('refuses shapes that are not [n] or [fanIn, fanOut] of positive integers', () => {
    for (const bad of [[], [0, 3], [2, 2.5], [1, 2, 3]]) {
      expect(() => glorotUniformValues(bad as [number], createRng(1))).toThrow(RangeError);
    }
  });
  test('the smallest shapes, [1] and [1, 1]: U(−√3, √3)', () => {
    for (const shape of [[1], [1, 1]] as const) {
      const rng = createRng(5);
      expect(Array.from(glorotUniformValues(shape as unknown as [number], createRng(5)))).toEqual(
        Array.from(Float32Array.of((2 * rng() - 1) * Math.sqrt(3))),
      );
    }
  });

  test('bad shapes and rngs are one-line errors naming them', () => {
    const rng = createRng(1);
    for (const bad of [[], [0, 3], [2, 2.5], [1, 2, 3], '12']) {
      expect(() => glorotUniformValues(bad as [number], rng)).toThrow(
        `glorotUniformValues: shape = ${JSON.stringify(bad)}, expected [n] or [fanIn, fanOut] of positive integers`,
      );
    }
    expect(() => glorotUniformValues([2, 2], 3 as never)).toThrow('glorotUniformValues: rng is not a function');
  });
});

describeBackends('glorotUniform', () => {
  test("with a seed: exactly tfjs's seeded randomUniform over ±√(6 / (fanIn + fanOut))", async () => {
    const limit = Math.sqrt(6 / (4 + 9));
    const ours = glorotUniform([4, 9], 5);
    const theirs = tf.randomUniform([4, 9], -limit, limit, 'float32', 5);
    expect(ours.shape).toEqual([4, 9]);
    expect(ours.dtype).toBe('float32');
    expect(Array.from(await ours.data())).toEqual(Array.from(await theirs.data()));
    expect(Math.max(...Array.from(await ours.data()).map(Math.abs))).toBeLessThanOrEqual(limit);
    tf.dispose([ours, theirs]);
  });

  test('with an rng: the values of glorotUniformValues, as a tensor of the shape', async () => {
    const matrix = glorotUniform([3, 2], createRng(4));
    expect(matrix.shape).toEqual([3, 2]);
    expect(Array.from(await matrix.data())).toEqual(Array.from(glorotUniformValues([3, 2], createRng(4))));
    const vector = glorotUniform([5], createRng(4));
    expect(vector.shape).toEqual([5]);
    expect(Array.from(await vector.data())).toEqual(Array.from(glorotUniformValues([5], createRng(4))));
    tf.dispose([matrix, vector]);
  });

  test('refuses a source that is neither a seed nor a function', () => {
    expect(() => glorotUniform([2, 2], 'x' as unknown as number)).toThrow(
      'glorotUniform: source is string, expected a seed (number) or an rng (function)',
    );
    expect(() => glorotUniform([2, 0], 3)).toThrow(
      'glorotUniform: shape = [2,0], expected [n] or [fanIn, fanOut] of positive integers',
    );
  });
});
