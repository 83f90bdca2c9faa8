import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { binaryNeuron, type StraightThroughEstimator } from './binary';
import { SeedStream } from './noise';
import { naryNeuron, ternaryActivation } from './nary';
import { oneHotNeuron, type OneHotEstimator } from './oneHot';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** What the stochastic-neuron layers share. */
export interface StochasticLayerArgs extends LayerArgs {
  /** Sample in training (default true); false rounds / takes the argmax. */
  stochastic?: boolean;
  /** Sample at inference too (default false: deterministic predictions). */
  stochasticAtInference?: boolean;
  /** Seed of the layer's noise stream (default: unseeded). */
  seed?: number;
}

abstract class StochasticLayer extends tfl.layers.Layer {
  readonly stochastic: boolean;
  readonly stochasticAtInference: boolean;
  readonly seed: number | undefined;
  protected readonly stream: SeedStream;

  constructor(args: StochasticLayerArgs) {
    super(args);
    this.stochastic = args.stochastic ?? true;
    this.stochasticAtInference = args.stochasticAtInference ?? false;
    this.seed = args.seed;
    this.stream = new SeedStream(args.seed ?? Math.floor(Math.random() * 2 ** 31));
  }

  protected samples(training: boolean): boolean {
    return training ? this.stochastic : this.stochasticAtInference;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      stochastic: this.stochastic,
      stochasticAtInference: this.stochasticAtInference,
      ...(this.seed != null ? { seed: this.seed } : {}),
    };
  }
}

export interface BinaryNeuronLayerArgs extends StochasticLayerArgs {
  /** Default `'sigmoid-adjusted'`. */
  estimator?: StraightThroughEstimator;
  /** The slope m; set `layer.slope` between epochs to anneal it (see SlopeAnnealing). Default 1. */
  slope?: number;
}

/** {@link binaryNeuron} as an activation layer (registered as `GradkitBinaryNeuron`). */
export class BinaryNeuronLayer extends StochasticLayer {
  static className = 'GradkitBinaryNeuron';
  readonly estimator: StraightThroughEstimator;
  slope: number;

  constructor(args: BinaryNeuronLayerArgs = {}) {
    super(args);
    this.estimator = args.estimator ?? 'sigmoid-adjusted';
    this.slope = args.slope ?? 1;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const a = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return binaryNeuron(a, {
      estimator: this.estimator,
      slope: this.slope,
      stochastic: this.samples(kwargs.training === true),
      randomness: this.stream,
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), estimator: this.estimator, slope: this.slope };
  }
}

/** {@link ternaryNeuron} as an activation layer (registered as `GradkitTernaryNeuron`): outputs −1, 0, 1. */
export class TernaryNeuronLayer extends StochasticLayer {
  static className = 'GradkitTernaryNeuron';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const a = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return naryNeuron(a, {
      activation: ternaryActivation,
      stochastic: this.samples(kwargs.training === true),
      randomness: this.stream,
    });
  }
}

export interface OneHotNeuronLayerArgs extends StochasticLayerArgs {
  categories: number;
  /** τ; set `layer.temperature` between epochs to anneal it. Default 1. */
  temperature?: number;
  estimator?: OneHotEstimator;
}

/** {@link oneHotNeuron} as an activation layer over [batch, k·d] (registered as `GradkitOneHotNeuron`). */
export class OneHotNeuronLayer extends StochasticLayer {
  static className = 'GradkitOneHotNeuron';
  readonly categories: number;
  readonly estimator: OneHotEstimator;
  temperature: number;

  constructor(args: OneHotNeuronLayerArgs) {
    super(args);
    if (args == null || !Number.isInteger(args.categories) || args.categories < 2) {
      // Stryker disable next-line OptionalChaining: equivalent — args is never null here (super(args) throws first)
      throw new RangeError(`OneHotNeuronLayer: categories = ${args?.categories}, expected an integer ≥ 2`);
    }
    this.categories = args.categories;
    this.temperature = args.temperature ?? 1;
    this.estimator = args.estimator ?? 'straight-through';
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const z = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return oneHotNeuron(z, {
      categories: this.categories,
      temperature: this.temperature,
      estimator: this.estimator,
      stochastic: this.samples(kwargs.training === true),
      randomness: this.stream,
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      categories: this.categories,
      temperature: this.temperature,
      estimator: this.estimator,
    };
  }
}

tf.serialization.registerClass(BinaryNeuronLayer);
tf.serialization.registerClass(TernaryNeuronLayer);
tf.serialization.registerClass(OneHotNeuronLayer);
