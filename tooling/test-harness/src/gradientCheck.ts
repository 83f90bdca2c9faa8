import * as tf from '@tensorflow/tfjs-core';
import { sizeOf, uniformValues } from './random';
import { expectValuesClose, valuesOf, type Tolerance } from './tensorMatchers';

/** An input of a checked function: its shape and float32 values. */
export interface CheckInput {
  shape: number[];
  values: number[];
}

export interface GradientCheckSpec {
  /** The tfjs function under test. */
  f: (...xs: tf.Tensor[]) => tf.Tensor;
  /** The same function on plain float64 numbers: each input flattened (row-major), the output flattened. */
  reference: (...xs: number[][]) => number[] | number;
  inputs: CheckInput[];
  /** The inputs to differentiate (default: all). */
  wrt?: number[];
  /** Seed of the random upstream gradient u; the check compares ∂(u·f)/∂x. */
  seed?: number;
  /** Forward comparison against the reference (default float32: rtol 1e-5, atol 1e-6). */
  forwardTolerance?: Partial<Tolerance>;
  /** Gradient comparison against finite differences (default rtol 1e-3, atol 1e-4 × the largest gradient). */
  gradientTolerance?: Partial<Tolerance>;
  /** Central-difference step in float64 (default 1e-4 × max(1, |x|)). */
  step?: number;
}

function toTensors(inputs: CheckInput[]): tf.Tensor[] {
  return inputs.map(({ shape, values }) => {
    if (values.length !== sizeOf(shape))
      throw new Error(`input has ${values.length} values for shape [${shape.join(',')}]`);
    return tf.tensor(values.map(Math.fround), shape, 'float32');
  });
}

/** `tf.grads` of f with respect to the inputs listed in `wrt` only (the others are constants). */
function gradsWrt(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], wrt: number[], dy: tf.Tensor): tf.Tensor[] {
  const variables = wrt.map((k) => xs[k] as tf.Tensor);
  return tf.grads((...args: tf.Tensor[]) =>
    f(...xs.map((x, i) => (wrt.includes(i) ? (args[wrt.indexOf(i)] as tf.Tensor) : x))),
  )(variables, dy);
}

function referenceDot(reference: GradientCheckSpec['reference'], xs: number[][], u: number[]): number {
  const out = reference(...xs);
  const flat = typeof out === 'number' ? [out] : out;
  if (flat.length !== u.length)
    throw new Error(`reference returned ${flat.length} values, the tfjs function ${u.length}`);
  let s = 0;
  for (let i = 0; i < flat.length; i++) s += (flat[i] as number) * (u[i] as number);
  return s;
}

/** Central differences of u·reference(x) in float64, for input `k`. */
export function finiteDifferences(
  reference: GradientCheckSpec['reference'],
  inputs: number[][],
  k: number,
  u: number[],
  step?: number,
): number[] {
  const xs = inputs.map((v) => v.slice());
  const xk = xs[k] as number[];
  return xk.map((x0, j) => {
    const h = step ?? 1e-4 * Math.max(1, Math.abs(x0));
    xk[j] = x0 + h;
    const plus = referenceDot(reference, xs, u);
    xk[j] = x0 - h;
    const minus = referenceDot(reference, xs, u);
    xk[j] = x0;
    return (plus - minus) / (2 * h);
  });
}

/**
 * Checks a differentiable tfjs function against a plain-number float64 reference: the forward values, and the
 * gradient `tf.grads` computes for a random upstream gradient u against central finite differences of
 * `u·reference`. Disposes everything it creates.
 */
export async function checkGradients(spec: GradientCheckSpec): Promise<void> {
  const wrt = spec.wrt ?? spec.inputs.map((_, i) => i);
  const xs = toTensors(spec.inputs);
  const plain = spec.inputs.map((i) => i.values.map(Math.fround));
  try {
    const y = tf.tidy(() => spec.f(...xs));
    const yValues = await valuesOf(y);
    const u = uniformValues(yValues.length, spec.seed ?? 7);
    const uTensor = tf.tensor(u, y.shape, 'float32');
    const ref = spec.reference(...plain);
    expectValuesClose(yValues, typeof ref === 'number' ? [ref] : ref, {
      ...spec.forwardTolerance,
      what: 'forward value',
    });
    const grads = gradsWrt(spec.f, xs, wrt, uTensor);
    tf.dispose([y, uTensor]);
    try {
      for (const k of wrt) {
        const got = await valuesOf(grads[wrt.indexOf(k)] as tf.Tensor);
        const fd = finiteDifferences(spec.reference, plain, k, u, spec.step);
        const scale = Math.max(1, ...fd.map(Math.abs));
        expectValuesClose(got, fd, {
          rtol: 1e-3,
          atol: 1e-4 * scale,
          ...spec.gradientTolerance,
          what: `gradient of input ${k} vs finite differences`,
        });
      }
    } finally {
      tf.dispose(grads);
    }
  } finally {
    tf.dispose(xs);
  }
}

export interface PseudoGradientSpec {
  /** The tfjs function under test (e.g. a straight-through estimator). */
  f: (...xs: tf.Tensor[]) => tf.Tensor;
  inputs: CheckInput[];
  /**
   * The documented backward formula on plain numbers: given the inputs and the upstream gradient u (flattened),
   * return ∂L/∂x for each input in `wrt` (flattened).
   */
  expected: (xs: number[][], upstream: number[]) => number[][];
  /** Optional forward reference on plain numbers. */
  forward?: (...xs: number[][]) => number[];
  wrt?: number[];
  seed?: number;
  tolerance?: Partial<Tolerance>;
}

/**
 * Checks a documented pseudo-gradient (a straight-through estimator, a surrogate) exactly: the gradient tfjs
 * computes for a random upstream u must equal the documented formula evaluated on plain numbers.
 */
export async function checkPseudoGradient(spec: PseudoGradientSpec): Promise<void> {
  const wrt = spec.wrt ?? spec.inputs.map((_, i) => i);
  const xs = toTensors(spec.inputs);
  const plain = spec.inputs.map((i) => i.values.map(Math.fround));
  try {
    const y = tf.tidy(() => spec.f(...xs));
    const u = uniformValues(y.size, spec.seed ?? 11);
    if (spec.forward != null) {
      expectValuesClose(await valuesOf(y), spec.forward(...plain), { ...spec.tolerance, what: 'forward value' });
    }
    const uTensor = tf.tensor(u, y.shape, 'float32');
    const grads = gradsWrt(spec.f, xs, wrt, uTensor);
    tf.dispose([y, uTensor]);
    try {
      const want = spec.expected(plain, u);
      if (want.length !== wrt.length)
        throw new Error(`expected() returned ${want.length} gradients for ${wrt.length} inputs`);
      for (const [n, k] of wrt.entries()) {
        expectValuesClose(await valuesOf(grads[n] as tf.Tensor), want[n] as number[], {
          ...spec.tolerance,
          what: `pseudo-gradient of input ${k}`,
        });
      }
    } finally {
      tf.dispose(grads);
    }
  } finally {
    tf.dispose(xs);
  }
}
