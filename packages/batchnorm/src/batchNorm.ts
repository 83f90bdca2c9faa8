import * as tf from '@tensorflow/tfjs-core';
import { updateFromMoments, type PopulationStatistics, type StatisticsUpdate } from './populationStatistics';
import { trainingOp } from './trainingOp';

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
  /**
   * An activation applied to the result, in the same kernel where the backend has one (webgpu): `'relu'` gives
   * relu(γ·x̂ + β) and its gradient; default `'linear'` (none).
   */
  activation?: 'linear' | 'relu';
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
      const y = tf.add(tf.mul(x, k), shift);
      return options.activation === 'relu' ? tf.relu(y) : y;
    });
  }
  const channels = x.shape.at(-1) as number;
  const activation = options.activation ?? 'linear';
  const absent = () => tf.scalar(0); // a placeholder no gradient flows to (see trainingOp)
  const placeholders: tf.Tensor[] = [];
  const given = (t: tf.Tensor | null | undefined) =>
    t ?? (placeholders.push(absent()), placeholders.at(-1) as tf.Tensor);
  const mask =
    options.mask == null ? null : tf.tidy(() => tf.reshape(tf.cast(options.mask as tf.Tensor, 'float32'), [-1, 1]));
  const x2d = tf.reshape(x, [-1, channels]);
  const [y2d, moments, count] = trainingOp(
    { x: x2d, gamma: given(gamma), beta: given(beta), mask: given(mask) },
    { epsilon, activation, hasGamma: gamma != null, hasBeta: beta != null, hasMask: mask != null },
  ) as [tf.Tensor, tf.Tensor, tf.Tensor];
  tf.dispose([x2d, ...placeholders, ...(mask ? [mask] : [])]); // the tape keeps its own references
  const y = tf.reshape(y2d, x.shape);
  y2d.dispose();
  if (stats != null) updateFromMoments(stats, moments, count, options.update ?? 'ema', options.decay ?? 0.999);
  tf.dispose([moments, count]);
  return y;
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
  if (options.activation != null && options.activation !== 'linear' && options.activation !== 'relu') {
    throw new TypeError(`batchNorm: activation = ${JSON.stringify(options.activation)}, expected 'linear' or 'relu'`);
  }
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
