import * as tf from '@tensorflow/tfjs-core';
import { customGradient, sumRows } from '@gradkit/core';
import { updatePopulationStatistics, type PopulationStatistics, type StatisticsUpdate } from './populationStatistics';

/** The learned affine part: `gamma` (scale, starts at 1) and `beta` (shift, starts at 0); either may be absent. */
export interface BatchNormParams {
  gamma?: tf.Tensor | null;
  beta?: tf.Tensor | null;
}

export interface BatchNormOptions {
  /** Normalize with the batch's moments (true) or the population statistics (false). Required: no silent default. */
  training: boolean;
  /** ε in √(σ² + ε); default 1e-3 as in the post (and Keras). */
  epsilon?: number;
  /** How a training call updates `stats` (default `'ema'`; ignored at inference). */
  update?: StatisticsUpdate;
  /** The moving-average decay for `'ema'` (default 0.999, the post's; closer to 1 for more data). */
  decay?: number;
  /** 1 keeps an entry in the moments, 0 leaves it out; `x`'s shape without the channel axis. */
  mask?: tf.Tensor;
}

/**
 * Batch normalization over every axis but the last (per feature for `[N, C]`, per channel for `[N, H, W, C]`),
 * after Ioffe & Szegedy (2015) and R2RT's "Implementing Batch Normalization in Tensorflow".
 *
 * Training:  μ_B, σ²_B = the (masked) batch mean and biased variance,
 *            x̂ = (x − μ_B)/√(σ²_B + ε),  y = γ·x̂ + β,
 *            and `stats` is updated from μ_B, σ²_B (see {@link StatisticsUpdate}).
 * Inference: y = γ·(x − μ_pop)/√(σ²_pop + ε) + β with `stats`.
 *
 * Training-mode backward (hand-written, the same numbers as autodiff through the moments in fewer kernels), with
 * g = γ·∂L/∂y, s = √(σ²_B + ε), mask m (1 without one) and M = Σm:
 *   ∂L/∂x = (g − m·Σg/M − m·x̂·Σ(g·x̂)/M)/s,  ∂L/∂γ = Σ ∂L/∂y·x̂,  ∂L/∂β = Σ ∂L/∂y   (sums over the batch axes)
 * The population statistics receive no gradient.
 *
 * `gamma`/`beta` absent mean γ = 1 / β = 0 (Keras's `scale: false` / `center: false`), in training as well.
 * `stats` may be null in training (nothing to update); inference needs it. The caller owns the result.
 *
 * @example
 * const stats = createPopulationStatistics(100);
 * const h = tf.sigmoid(batchNorm(tf.matMul(x, w), { gamma, beta }, stats, { training: true }));
 */
export function batchNorm(
  x: tf.Tensor,
  params: BatchNormParams,
  stats: PopulationStatistics | null,
  options: BatchNormOptions,
): tf.Tensor {
  const { gamma, beta } = params;
  validate(x, gamma, beta, stats, options);
  const epsilon = options.epsilon ?? 1e-3;
  if (!options.training) {
    const s = stats as PopulationStatistics;
    return tf.tidy(() => {
      // y = x·k + (β − μ·k) with k = γ/√(σ² + ε): two full-size kernels.
      const inv = tf.rsqrt(tf.add(s.variance, epsilon));
      const k = gamma == null ? inv : tf.mul(gamma, inv);
      const shift = tf.sub(beta ?? tf.scalar(0), tf.mul(s.mean, k));
      return tf.add(tf.mul(x, k), shift);
    });
  }
  const [y, mean, variance, count] = trainingOp(x, gamma ?? null, beta ?? null, options.mask ?? null, epsilon) as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
  ];
  if (stats != null)
    updatePopulationStatistics(stats, { mean, variance, count }, options.update ?? 'ema', options.decay ?? 0.999);
  tf.dispose([mean, variance, count]);
  return y;
}

/** Training-mode batch norm as one tape node: outputs y and the (non-differentiable) batch moments. */
function trainingOp(
  x: tf.Tensor,
  gamma: tf.Tensor | null,
  beta: tf.Tensor | null,
  mask: tf.Tensor | null,
  epsilon: number,
): tf.Tensor[] {
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  const channels = x.shape.at(-1) as number;
  // Σ over every axis but the channels, as sumRows of a [entries, C] view: a product with a row of ones on cpu and
  // wasm, where tfjs's reductions over leading axes are 10-20× slower (sumRows's doc comment has the numbers)
  const sumBatch = (t: tf.Tensor) => sumRows(tf.reshape(t, [-1, channels]));
  const op = customGradient((...args: tf.Tensor[]) => {
    const xin = args[0] as tf.Tensor;
    const m = mask == null ? null : tf.expandDims(tf.cast(mask, 'float32'), -1);
    const count = m == null ? tf.scalar(x.size / channels) : tf.sum(m);
    const safeCount = tf.maximum(count, 1);
    const mean = tf.div(sumBatch(m == null ? xin : tf.mul(xin, m)), safeCount);
    const centered = tf.sub(xin, mean);
    const variance = tf.div(sumBatch(m == null ? tf.square(centered) : tf.mul(tf.square(centered), m)), safeCount);
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(centered, invStd);
    let y = gamma ? tf.mul(xhat, args[1] as tf.Tensor) : xhat;
    if (beta) y = tf.add(y, args[gamma ? 2 : 1] as tf.Tensor);
    return {
      value: [y, mean, variance, count],
      save: [xhat, invStd, safeCount, ...(gamma ? [args[1] as tf.Tensor] : []), ...(m ? [m] : [])],
      gradient: (dys: tf.Tensor[], saved: tf.Tensor[]) => {
        const dy = dys[0] as tf.Tensor;
        const [sxhat, sinv, sM] = [saved[0], saved[1], saved[2]] as [tf.Tensor, tf.Tensor, tf.Tensor];
        const sgamma = gamma ? (saved[3] as tf.Tensor) : null;
        const sm = m ? (saved[gamma ? 4 : 3] as tf.Tensor) : null;
        const g = sgamma ? tf.mul(dy, sgamma) : dy;
        const sumG = tf.div(sumBatch(g), sM);
        const sumGX = tf.div(sumBatch(tf.mul(g, sxhat)), sM);
        const correction = tf.add(sumG, tf.mul(sxhat, sumGX));
        const dx = tf.mul(tf.sub(g, sm ? tf.mul(sm, correction) : correction), sinv);
        const grads: tf.Tensor[] = [dx];
        if (gamma) grads.push(sumBatch(tf.mul(dy, sxhat)));
        if (beta) grads.push(sumBatch(dy));
        return grads;
      },
    };
  });
  return op(...inputs) as tf.Tensor[];
}

function validate(
  x: tf.Tensor,
  gamma: tf.Tensor | null | undefined,
  beta: tf.Tensor | null | undefined,
  stats: PopulationStatistics | null,
  options: BatchNormOptions,
): void {
  if (!(x instanceof tf.Tensor))
    throw new TypeError(`batchNorm: x is ${typeof x}, expected a tf.Tensor of shape [N, C] or [N, …, C]`);
  if (x.rank < 2)
    throw new Error(
      `batchNorm: x has shape [${x.shape.join(',')}], expected rank ≥ 2 with channels last ([N, C] or [N, H, W, C])`,
    );
  if (options == null || typeof options.training !== 'boolean') {
    throw new TypeError(
      `batchNorm: options.training is ${options == null ? 'missing' : String(options.training)}, expected true (batch statistics) or false (population statistics)`,
    );
  }
  const channels = x.shape.at(-1) as number;
  for (const [name, t] of [
    ['gamma', gamma],
    ['beta', beta],
  ] as const) {
    if (t != null && (t.rank !== 1 || t.shape[0] !== channels)) {
      throw new Error(
        `batchNorm: ${name} has shape [${t.shape.join(',')}], expected [${channels}] (one per channel of x [${x.shape.join(',')}])`,
      );
    }
  }
  if (stats != null && stats.mean.shape[0] !== channels) {
    throw new Error(`batchNorm: population statistics have ${stats.mean.shape[0]} channels, x has ${channels}`);
  }
  if (!options.training && stats == null) {
    throw new Error(
      'batchNorm: inference (training: false) needs population statistics; pass them, or use training: true with update: "none" for batch statistics',
    );
  }
  const epsilon = options.epsilon ?? 1e-3;
  if (!(epsilon > 0)) throw new RangeError(`batchNorm: epsilon = ${epsilon}, expected a number > 0`);
  const decay = options.decay ?? 0.999;
  if (!(decay >= 0 && decay <= 1)) throw new RangeError(`batchNorm: decay = ${decay}, expected a number in [0, 1]`);
  if (options.update != null && !['ema', 'cumulative', 'none'].includes(options.update)) {
    throw new TypeError(
      `batchNorm: update = ${JSON.stringify(options.update)}, expected 'ema', 'cumulative' or 'none'`,
    );
  }
  if (options.mask != null && !tf.util.arraysEqual(options.mask.shape, x.shape.slice(0, -1))) {
    throw new Error(
      `batchNorm: mask has shape [${options.mask.shape.join(',')}], expected [${x.shape.slice(0, -1).join(',')}] (x's shape without the channel axis)`,
    );
  }
}
