import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNorm } from './batchNorm';
import type { PopulationStatistics, StatisticsUpdate } from './populationStatistics';

/** Options of the {@link BatchNorm} layer; every one has a documented default. */
/** tfjs-layers' base layer options (name, inputShape, trainable, …). */
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** tfjs-layers' BatchNormalization options, accepted with the same names and meanings (a drop-in path). */
type KerasOptions = Pick<
  NonNullable<Parameters<typeof tfl.layers.batchNormalization>[0]>,
  | 'betaInitializer'
  | 'gammaInitializer'
  | 'movingMeanInitializer'
  | 'movingVarianceInitializer'
  | 'betaRegularizer'
  | 'gammaRegularizer'
  | 'betaConstraint'
  | 'gammaConstraint'
>;
const KERAS_KEYS = [
  'betaInitializer',
  'gammaInitializer',
  'movingMeanInitializer',
  'movingVarianceInitializer',
  'betaRegularizer',
  'gammaRegularizer',
  'betaConstraint',
  'gammaConstraint',
] as const;

type Initializer = ReturnType<typeof tfl.initializers.ones>;
type Regularizer = ReturnType<typeof tfl.regularizers.l2>;
type Constraint = ReturnType<typeof tfl.constraints.maxNorm>;

/** What a tfjs-layers BatchNormalization resolved its options to (its fields exist at run time; typed private). */
interface Resolved {
  betaInitializer: Initializer;
  gammaInitializer: Initializer;
  movingMeanInitializer: Initializer;
  movingVarianceInitializer: Initializer;
  betaRegularizer?: Regularizer;
  gammaRegularizer?: Regularizer;
  betaConstraint?: Constraint;
  gammaConstraint?: Constraint;
  getConfig(): tf.serialization.ConfigDict;
}

export interface BatchNormArgs extends LayerArgs, KerasOptions {
  /** ε (default 1e-3, as tfjs-layers'). */
  epsilon?: number;
  /** Moving-average decay for `statistics: 'ema'` (default 0.999, the post's; Keras calls it momentum). */
  decay?: number;
  /** tfjs-layers' name for `decay` (give one of them). */
  momentum?: number;
  /** The channel axis: only -1 (channels last) is supported; given for tfjs-layers compatibility. */
  axis?: number;
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
 * It takes tfjs-layers' `BatchNormalization` options with the same names and meanings (initializers, regularizers,
 * constraints, `momentum` for `decay`), and {@link BatchNorm.fromBatchNormalization} turns a (trained)
 * `tf.layers.batchNormalization` into one with the same configuration and weights.
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
  private readonly resolved: Resolved;

  constructor(args: BatchNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-3;
    if (args.decay != null && args.momentum != null && args.decay !== args.momentum) {
      throw new Error(
        `BatchNorm: decay = ${args.decay} and momentum = ${args.momentum}; momentum is tfjs-layers' name for decay: give one`,
      );
    }
    this.decay = args.decay ?? args.momentum ?? 0.999;
    if (args.axis != null && args.axis !== -1) {
      throw new RangeError(`BatchNorm: axis = ${args.axis}, expected -1 (channels last; the only layout supported)`);
    }
    // tfjs-layers resolves and validates its own option forms (names, objects, serialized configs)
    const keras = Object.fromEntries(KERAS_KEYS.filter((k) => args[k] != null).map((k) => [k, args[k]]));
    this.resolved = tfl.layers.batchNormalization(keras) as unknown as Resolved;
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
    const r = this.resolved;
    if (this.scale) {
      this.gamma = this.addWeight(
        'gamma',
        [channels],
        'float32',
        r.gammaInitializer,
        r.gammaRegularizer,
        true,
        r.gammaConstraint,
      );
    }
    if (this.center) {
      this.beta = this.addWeight(
        'beta',
        [channels],
        'float32',
        r.betaInitializer,
        r.betaRegularizer,
        true,
        r.betaConstraint,
      );
    }
    this.movingMean = this.addWeight(
      'population_mean',
      [channels],
      'float32',
      r.movingMeanInitializer,
      undefined,
      false,
    );
    this.movingVariance = this.addWeight(
      'population_variance',
      [channels],
      'float32',
      r.movingVarianceInitializer,
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

  /**
   * A BatchNorm with the configuration and the weights of a tfjs-layers `BatchNormalization` (built, channels last):
   * γ, β and its moving mean and variance (as the population statistics, updated by EMA with its momentum). The
   * two layers then compute the same outputs in inference and in training.
   *
   * @example
   * const bn = BatchNorm.fromBatchNormalization(model.getLayer('batch_normalization_1'));
   */
  static fromBatchNormalization(layer: tfl.layers.Layer, args: LayerArgs = {}): BatchNorm {
    if (layer.getClassName() !== 'BatchNormalization') {
      throw new TypeError(
        `BatchNorm.fromBatchNormalization: a ${layer.getClassName()} layer, expected a tfjs-layers BatchNormalization`,
      );
    }
    if (!layer.built)
      throw new Error(
        'BatchNorm.fromBatchNormalization: the layer is not built yet; expected one with weights (apply it or load its model first)',
      );
    const config = layer.getConfig() as Record<string, unknown>;
    const axis = config.axis as number;
    const shape = layer.getWeights()[0]?.shape;
    if (axis !== -1 && !(layer.inputSpec?.[0]?.ndim != null && axis === (layer.inputSpec[0].ndim as number) - 1)) {
      throw new RangeError(`BatchNorm.fromBatchNormalization: axis = ${axis}, expected the last axis (channels last)`);
    }
    const copy = new BatchNorm({
      ...args,
      epsilon: config.epsilon as number,
      decay: config.momentum as number,
      center: config.center as boolean,
      scale: config.scale as boolean,
      ...Object.fromEntries(KERAS_KEYS.map((k) => [k, config[k]])),
    });
    const channels = shape?.[0] as number;
    copy.build([null, channels]);
    // tfjs order: [gamma?, beta?, moving mean, moving variance]; ours adds the statistics' count (unused by EMA)
    const count = tf.scalar(0);
    copy.setWeights([...layer.getWeights(), count]);
    count.dispose();
    return copy;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const keras = this.resolved.getConfig();
    return {
      ...super.getConfig(),
      ...Object.fromEntries(KERAS_KEYS.map((k) => [k, keras[k] as tf.serialization.ConfigDictValue])),
      epsilon: this.epsilon,
      decay: this.decay,
      statistics: this.statistics,
      center: this.center,
      scale: this.scale,
    };
  }
}

tf.serialization.registerClass(BatchNorm);
