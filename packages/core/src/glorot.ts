import * as tf from '@tensorflow/tfjs-core';

/** A shape Glorot-uniform takes: a matrix [fanIn, fanOut], or a vector [n] (fan in = fan out = n, as in TF). */
export type GlorotShape = [number] | [number, number];

/** √(6 / (fan_in + fan_out)) for `shape`, after checking it. */
function limitOf(shape: readonly number[], where: string): number {
  if (
    !Array.isArray(shape) ||
    (shape.length !== 1 && shape.length !== 2) ||
    !shape.every((d) => Number.isInteger(d) && d >= 1)
  ) {
    throw new RangeError(
      `${where}: shape = ${JSON.stringify(shape)}, expected [n] or [fanIn, fanOut] of positive integers`,
    );
  }
  const fanIn = shape[0] as number;
  const fanOut = shape.length === 2 ? (shape[1] as number) : fanIn;
  return Math.sqrt(6 / (fanIn + fanOut));
}

/**
 * Glorot-uniform (Xavier) values for `shape`, drawn from `rng` in row-major order: each is
 * (2·rng() − 1)·√(6 / (fan_in + fan_out)), fan_in = shape[0], fan_out = shape[1] (both n for a vector [n]).
 * One `rng()` call per value.
 */
export function glorotUniformValues(shape: GlorotShape, rng: () => number): Float32Array {
  const limit = limitOf(shape, 'glorotUniformValues');
  if (typeof rng !== 'function') throw new TypeError('glorotUniformValues: rng is not a function');
  return Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => (2 * rng() - 1) * limit);
}

/**
 * Glorot-uniform (Xavier) initial values of `shape`, TensorFlow's default initializer: U(−L, L) with
 * L = √(6 / (fan_in + fan_out)), fan_in = shape[0], fan_out = shape[1] (both n for a vector [n]). The randomness
 * comes from one of two sources, which give different numbers for the same seed:
 * - a number `seed`: `tf.randomUniform(shape, −L, L, 'float32', seed)` (tfjs's own seeded generator);
 * - a function `rng` (e.g. {@link createRng}): {@link glorotUniformValues}, drawn in JavaScript in row-major order.
 * The caller owns the result.
 */
export function glorotUniform(shape: [number], source: number | (() => number)): tf.Tensor1D;
export function glorotUniform(shape: [number, number], source: number | (() => number)): tf.Tensor2D;
export function glorotUniform(shape: GlorotShape, source: number | (() => number)): tf.Tensor1D | tf.Tensor2D;
export function glorotUniform(shape: GlorotShape, source: number | (() => number)): tf.Tensor1D | tf.Tensor2D {
  if (typeof source === 'function')
    return tf.tensor(glorotUniformValues(shape, source), shape) as tf.Tensor1D | tf.Tensor2D;
  if (typeof source !== 'number')
    throw new TypeError(`glorotUniform: source is ${typeof source}, expected a seed (number) or an rng (function)`);
  const limit = limitOf(shape, 'glorotUniform');
  return tf.randomUniform(shape, -limit, limit, 'float32', source) as tf.Tensor1D | tf.Tensor2D;
}
