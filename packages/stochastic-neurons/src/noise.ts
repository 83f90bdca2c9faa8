import * as tf from '@tensorflow/tfjs-core';

/**
 * A stream of seeds: each draw of noise gets a fresh, reproducible seed, so the same base seed gives the same
 * samples on every backend (tfjs draws random numbers in JavaScript before uploading them).
 */
export class SeedStream {
  private counter = 0;

  constructor(readonly seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`SeedStream: seed = ${seed}, expected an integer`);
  }

  /** The next seed (a 31-bit hash of the base seed and a counter). */
  next(): number {
    // (`-` for `+`, or a counter counting down, still gives each draw its own seed: another, equally valid stream)
    // Stryker disable next-line ArithmeticOperator,UpdateOperator: equivalent — any distinct per-draw seed is valid
    let h = (this.seed ^ 0x9e3779b9) + Math.imul(++this.counter, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    return (h ^ (h >>> 16)) >>> 1;
  }

  /** U[0, 1) noise of `shape`. The caller owns it. */
  uniform(shape: number[]): tf.Tensor {
    return tf.randomUniform(shape, 0, 1, 'float32', this.next());
  }
}

/** A seed, a stream, or nothing (a stream seeded from Math.random: not reproducible). */
export type Randomness = number | SeedStream | undefined;

export function toStream(randomness: Randomness): SeedStream {
  if (randomness instanceof SeedStream) return randomness;
  return new SeedStream(randomness ?? Math.floor(Math.random() * 2 ** 31));
}
