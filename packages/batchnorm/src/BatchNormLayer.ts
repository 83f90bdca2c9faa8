import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNorm } from './batchNorm';
import type { PopulationStatistics, StatisticsUpdate } from './populationStatistics';

/** Options of the {@link BatchNorm} layer; every one has a documented default. */
/** tfjs-layers' base layer options (name, inputShape, trainable, …). */
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface BatchNormArgs extends LayerArgs {
  /** ε (default 1e-3). */
  epsilon?: number;
  /** Moving-average decay for `statistics: 'ema'` (default 0.999, the post's; Keras calls it momentum). */
  decay?: number;
  /** How training updates the population statistics: `'ema'` (default) or `'cumulative'` (exact averages). */
  statistics?: Exclude<StatisticsUpdate, 'none'>;
  /** Learn the shift β (default true). */
  center?: boolean;
  /** Learn the scale γ (default true). */
  scale?: boolean;
}

/**
 * A `tf.layers` layer over {@link batchNorm}: channels last, works in `tf.sequential` and functional models,
 * saves and loads with the model (registered as `GradkitBatchNorm`). Unlike tfjs-layers' `BatchNormalization`,
 * `scale: false` and `center: false` train (tfjs #2868), batch-statistics calls leak nothing, and the population
 * statistics can be exact cumulative averages or recomputed after training ({@link estimatePopulationStatistics}).
 * `call` takes `training` (default false) and an optional `mask` (x's shape without channels).
 *
 * @example
 * const model = tf.sequential({ layers: [
 *   tf.layers.dense({ units: 100, useBias: false, inputShape: [784] }),
 *   new BatchNorm({ statistics: 'cumulative' }),
 *   tf.layers.activation({ activation: 'sigmoid' }),
 * ]});
 */
export class BatchNorm extends tfl.layers.Layer {
  static className = 'GradkitBatchNorm';
  readonly epsilon: number;
  readonly decay: number;
  statistics: Exclude<StatisticsUpdate, 'none'>;
  readonly center: boolean;
  readonly scale: boolean;
  private gamma: tfl.LayerVariable | null = null;
  private beta: tfl.LayerVariable | null = null;
  private movingMean!: tfl.LayerVariable;
  private movingVariance!: tfl.LayerVariable;
  private movingCount!: tfl.LayerVariable;

  constructor(args: BatchNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-3;
    this.decay = args.decay ?? 0.999;
    this.statistics = args.statistics ?? 'ema';
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    if (!(this.epsilon > 0)) throw new RangeError(`BatchNorm: epsilon = ${this.epsilon}, expected a number > 0`);
    if (!(this.decay >= 0 && this.decay <= 1))
      throw new RangeError(`BatchNorm: decay = ${this.decay}, expected a number in [0, 1]`);
    if (this.statistics !== 'ema' && this.statistics !== 'cumulative') {
      throw new TypeError(`BatchNorm: statistics = ${JSON.stringify(this.statistics)}, expected 'ema' or 'cumulative'`);
    }
    this.supportsMasking = true;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape.at(-1);
    if (shape.length < 2 || channels == null) {
      throw new Error(
        `BatchNorm: input shape [${shape.join(',')}], expected rank ≥ 2 with a known channel dimension last`,
      );
    }
    if (this.scale) this.gamma = this.addWeight('gamma', [channels], 'float32', tfl.initializers.ones());
    if (this.center) this.beta = this.addWeight('beta', [channels], 'float32', tfl.initializers.zeros());
    this.movingMean = this.addWeight(
      'population_mean',
      [channels],
      'float32',
      tfl.initializers.zeros(),
      undefined,
      false,
    );
    this.movingVariance = this.addWeight(
      'population_variance',
      [channels],
      'float32',
      tfl.initializers.ones(),
      undefined,
      false,
    );
    this.movingCount = this.addWeight('population_count', [], 'float32', tfl.initializers.zeros(), undefined, false);
    this.built = true;
  }

  /** The population statistics as variables (shared with the layer's weights, not copies). */
  populationStatistics(): PopulationStatistics {
    // LayerVariable.read() returns the tf.Variable it wraps, typed as a Tensor.
    return {
      mean: this.movingMean.read() as tf.Variable,
      variance: this.movingVariance.read() as tf.Variable,
      count: this.movingCount.read() as tf.Variable,
    };
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean; mask?: tf.Tensor }): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return batchNorm(
      x,
      { gamma: this.gamma?.read() ?? null, beta: this.beta?.read() ?? null },
      this.populationStatistics(),
      {
        training: kwargs.training === true,
        epsilon: this.epsilon,
        decay: this.decay,
        update: this.statistics,
        ...(kwargs.mask != null ? { mask: kwargs.mask } : {}),
      },
    );
  }

  override computeMask(_inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    // a mask passes through unchanged (tfjs-layers types the "no mask" result as a tensor; it is null at run time)
    return mask as tf.Tensor | tf.Tensor[];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      epsilon: this.epsilon,
      decay: this.decay,
      statistics: this.statistics,
      center: this.center,
      scale: this.scale,
    };
  }
}

tf.serialization.registerClass(BatchNorm);
