import * as tf from '@tensorflow/tfjs-core';
import { defineKernelOp, uniqueVariableName } from '@gradkit/core';

/**
 * The population statistics a batch-norm layer normalizes with at inference, as explicit, non-trainable state.
 * `mean` starts at 0 and `variance` at 1 (the post's `pop_mean`, `pop_var`); `count` is the number of entries
 * seen by the cumulative update. The caller owns the variables ({@link disposePopulationStatistics}).
 */
export interface PopulationStatistics {
  mean: tf.Variable;
  variance: tf.Variable;
  count: tf.Variable;
}

/**
 * How a training step updates the population statistics from the batch moments μ_B, σ²_B (over n_B entries):
 * - `'ema'` (the post's wrapper): pop ← pop·decay + batch·(1 − decay), for the mean and the variance.
 * - `'cumulative'`: the exact mean and (biased) variance of every entry seen so far — Chan et al.'s pooled
 *   update, n ← n + n_B, δ = μ_B − μ, μ ← μ + δ·n_B/n, σ² ← (σ²·n_old + σ²_B·n_B + δ²·n_old·n_B/n)/n.
 *   The post's "plain average over the sample"; PyTorch's `momentum=None`.
 * - `'none'`: leave them alone (e.g. batch statistics at evaluation without touching the state).
 */
export type StatisticsUpdate = 'ema' | 'cumulative' | 'none';

/**
 * Fresh population statistics for `channels` channels. Their variables are named `<name>_<k>/population_mean`
 * (…`_variance`, …`_count`); `k` keeps any number of them apart, since tfjs variable names are global.
 */
export function createPopulationStatistics(channels: number, name = 'batch_norm'): PopulationStatistics {
  if (!Number.isInteger(channels) || channels < 1)
    throw new RangeError(`createPopulationStatistics: channels = ${channels}, expected a positive integer`);
  const prefix = uniqueVariableName(name);
  return tf.tidy(() => ({
    mean: tf.variable(tf.zeros([channels]), false, `${prefix}/population_mean`),
    variance: tf.variable(tf.ones([channels]), false, `${prefix}/population_variance`),
    count: tf.variable(tf.scalar(0), false, `${prefix}/population_count`),
  }));
}

/** Back to the initial state: mean 0, variance 1, count 0. */
export function resetPopulationStatistics(stats: PopulationStatistics): void {
  tf.tidy(() => {
    stats.mean.assign(tf.zerosLike(stats.mean));
    stats.variance.assign(tf.onesLike(stats.variance));
    stats.count.assign(tf.scalar(0));
  });
}

export function disposePopulationStatistics(stats: PopulationStatistics): void {
  tf.dispose([stats.mean, stats.variance, stats.count]);
}

/** Applies one update (see {@link StatisticsUpdate}) from a batch's moments; allocates nothing that outlives it. */
export function updatePopulationStatistics(
  stats: PopulationStatistics,
  batch: { mean: tf.Tensor; variance: tf.Tensor; count: tf.Tensor },
  update: StatisticsUpdate,
  decay = 0.999,
): void {
  if (update === 'none') return;
  tf.tidy(() => {
    if (update === 'ema') {
      stats.mean.assign(tf.add(tf.mul(stats.mean, decay), tf.mul(batch.mean, 1 - decay)));
      stats.variance.assign(tf.add(tf.mul(stats.variance, decay), tf.mul(batch.variance, 1 - decay)));
      return;
    }
    const n0 = stats.count;
    const n = tf.add(n0, batch.count);
    const delta = tf.sub(batch.mean, stats.mean);
    const share = tf.div(batch.count, tf.maximum(n, 1));
    // the old variance is meaningless before the first batch (it is the initial 1), so it is weighted by n0 = 0
    const m2 = tf.add(
      tf.add(tf.mul(stats.variance, n0), tf.mul(batch.variance, batch.count)),
      tf.mul(tf.square(delta), tf.mul(n0, share)),
    );
    stats.mean.assign(tf.add(stats.mean, tf.mul(delta, share)));
    stats.variance.assign(tf.div(m2, tf.maximum(n, 1)));
    stats.count.assign(n);
  });
}

/** The EMA update's kernel name (registered per backend in `kernels/`). */
export const EMA_UPDATE = 'GradkitBatchNormEma';

/**
 * pop ← pop·decay + batch·(1 − decay) for the mean and the variance from the batch moments [2, C] (mean; variance),
 * as one op: [mean′, variance′]. The reference is {@link updatePopulationStatistics}'s 'ema' arithmetic.
 */
const emaOp = defineKernelOp<{ decay: number }, tf.Tensor[]>({
  kernelName: EMA_UPDATE,
  reference: ({ mean, variance, moments }, { decay }) => {
    const [bm, bv] = tf.unstack(moments as tf.Tensor) as [tf.Tensor, tf.Tensor];
    return [
      tf.add(tf.mul(mean as tf.Tensor, decay), tf.mul(bm, 1 - decay)),
      tf.add(tf.mul(variance as tf.Tensor, decay), tf.mul(bv, 1 - decay)),
    ];
  },
  gradient: {
    gradFunc: () => {
      throw new Error(`${EMA_UPDATE}: the population statistics' update has no gradient`);
    },
  },
});

/**
 * {@link updatePopulationStatistics} from the training op's moments [2, C] (mean; variance) and count: the EMA as one
 * op (one program on webgpu), the other updates through the moments split.
 */
export function updateFromMoments(
  stats: PopulationStatistics,
  moments: tf.Tensor,
  count: tf.Tensor,
  update: StatisticsUpdate,
  decay: number,
): void {
  if (update === 'none') return;
  if (update === 'ema') {
    const [mean, variance] = emaOp({ mean: stats.mean, variance: stats.variance, moments }, { decay });
    stats.mean.assign(mean as tf.Tensor);
    stats.variance.assign(variance as tf.Tensor);
    tf.dispose([mean as tf.Tensor, variance as tf.Tensor]);
    return;
  }
  const [mean, variance] = tf.unstack(moments) as [tf.Tensor, tf.Tensor];
  updatePopulationStatistics(stats, { mean, variance, count }, update, decay);
  tf.dispose([mean, variance]);
}
