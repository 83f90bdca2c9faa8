import * as tf from '@tensorflow/tfjs-core';

/** `|actual − expected| ≤ atol + rtol·|expected|`, elementwise. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

/**
 * Float32-aware defaults: a float32 has a 24-bit significand (relative spacing 2⁻²³ ≈ 1.2e-7); backends differ in
 * summation order and in their exp/tanh approximations by a few ulps, so results are compared at 1e-5 relative.
 */
export const FLOAT32_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-6 };

export type Expected = number | readonly number[] | readonly unknown[] | tf.Tensor;

/** Flattens nested arrays of numbers. */
export function flatten(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (typeof value === 'boolean') return [value ? 1 : 0];
  if (Array.isArray(value)) return value.flatMap((v) => flatten(v));
  throw new TypeError(`expected a number or nested arrays of numbers, got ${typeof value}`);
}

/** Reads a tensor's values as plain numbers (works on every backend: it awaits `data()`). */
export async function valuesOf(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data(), Number);
}

/**
 * Asserts that a tensor's values equal `expected` within a tolerance, and that the shapes agree when
 * `expected` is a tensor or `shape` is given. The message names the first bad index and both values.
 */
export async function expectTensorClose(
  actual: tf.Tensor,
  expected: Expected,
  options: Partial<Tolerance> & { shape?: number[]; what?: string } = {},
): Promise<void> {
  const { rtol, atol } = { ...FLOAT32_TOLERANCE, ...options };
  const what = options.what ?? 'tensor';
  if (!(actual instanceof tf.Tensor)) throw new Error(`${what}: expected a tf.Tensor, got ${typeof actual}`);
  const shape = expected instanceof tf.Tensor ? expected.shape : options.shape;
  if (shape != null && !tf.util.arraysEqual(actual.shape, shape)) {
    throw new Error(`${what}: shape [${actual.shape.join(',')}], expected [${shape.join(',')}]`);
  }
  const want = expected instanceof tf.Tensor ? await valuesOf(expected) : flatten(expected);
  const got = await valuesOf(actual);
  expectValuesClose(got, want, { rtol, atol, what });
}

/** The same comparison on plain numbers. */
export function expectValuesClose(
  got: readonly number[],
  want: readonly number[],
  options: Partial<Tolerance> & { what?: string } = {},
): void {
  const { rtol, atol } = { ...FLOAT32_TOLERANCE, ...options };
  const what = options.what ?? 'values';
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} values, expected ${want.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < got.length; i++) {
    const g = got[i] as number;
    const w = want[i] as number;
    if (Number.isNaN(w) ? !Number.isNaN(g) : !(Math.abs(g - w) <= atol + rtol * Math.abs(w)) && g !== w) {
      const excess = Number.isFinite(g) ? Math.abs(g - w) - (atol + rtol * Math.abs(w)) : Infinity;
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (worst >= 0) {
    const bad = got.filter((g, i) => {
      const w = want[i] as number;
      return Number.isNaN(w) ? !Number.isNaN(g) : !(Math.abs(g - w) <= atol + rtol * Math.abs(w)) && g !== w;
    }).length;
    throw new Error(
      `${what}: ${bad} of ${got.length} values differ; worst at index ${worst}: got ${got[worst]}, expected ${want[worst]} ` +
        `(|diff| ${Math.abs((got[worst] as number) - (want[worst] as number)).toExponential(3)} > atol ${atol} + rtol ${rtol}·|expected|)`,
    );
  }
}

/** Reads a tensor's values and disposes it (for results a test only inspects). */
export async function takeValues(t: tf.Tensor): Promise<number[]> {
  try {
    return await valuesOf(t);
  } finally {
    t.dispose();
  }
}
