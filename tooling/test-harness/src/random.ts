/**
 * Seeded test data as plain numbers. Values are rounded to float32 (Math.fround) so that the float64 reference
 * sees exactly the numbers the tensor holds.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` float32 values uniform in [lo, hi), from `seed`. */
export function uniformValues(n: number, seed: number, lo = -1, hi = 1): number[] {
  const next = mulberry32(seed);
  return Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * next()));
}

/** `n` float32 values from N(mean, std²) (Box–Muller), from `seed`. */
export function normalValues(n: number, seed: number, mean = 0, std = 1): number[] {
  const next = mulberry32(seed);
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
