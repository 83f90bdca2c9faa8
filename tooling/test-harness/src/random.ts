import { createRng } from '@gradkit/core';

// Seeded test data as plain numbers, from @gradkit/core's `createRng` (mulberry32). Values are rounded to float32
// (Math.fround) so that the float64 reference sees exactly the numbers the tensor holds.

/** `n` float32 values uniform in [lo, hi), from `seed`. */
export function uniformValues(n: number, seed: number, lo = -1, hi = 1): number[] {
  const next = createRng(seed);
  return Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * next()));
}

/** `n` float32 values from N(mean, std²) (Box–Muller), from `seed`. */
export function normalValues(n: number, seed: number, mean = 0, std = 1): number[] {
  const next = createRng(seed);
  return Array.from({ length: n }, () => {
    const u = 1 - next();
    const v = next();
    return Math.fround(mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  });
}

/** The number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A seeded uniform input for {@link checkGradients} / {@link checkPseudoGradient}. */
export function randomInput(shape: number[], seed: number, lo = -1, hi = 1): { shape: number[]; values: number[] } {
  return { shape, values: uniformValues(sizeOf(shape), seed, lo, hi) };
}
