import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface InitialStateLayerArgs extends LayerArgs {
  /** The state size ([batch, units] out). */
  units: number;
  /** `'variable'` (default), `'noisy-variable'`, `'noisy'` or `'zero'`. */
  method?: 'zero' | 'variable' | 'noisy' | 'noisy-variable';
  /** Noise standard deviation in training (default 0.3). */
  stddev?: number;
  seed?: number;
}

/**
 * One initial-state component as a `tf.layers` layer (registered as `GradkitInitialState`): it reads only the
 * batch size of its input and outputs [batch, units] — a trained vector tiled over the batch, plus noise in
 * training for the noisy methods. Feed it to a tfjs-layers recurrent layer's `initialState`:
 *
 * @example
 * const x = tf.input({ shape: [30, 64] });
 * const h0 = new InitialStateLayer({ units: 64, method: 'noisy-variable' }).apply(x) as tf.SymbolicTensor;
 * const y = tf.layers.gru({ units: 64 }).apply(x, { initialState: [h0] });
 */
export class InitialStateLayer extends tfl.layers.Layer {
  static className = 'GradkitInitialState';
  readonly units: number;
  readonly method: NonNullable<InitialStateLayerArgs['method']>;
  readonly stddev: number;
  readonly seed: number | undefined;
  private vector: tfl.LayerVariable | null = null;
  /** The noise's own seed: the layer's, or one drawn for this layer when it has none (no two layers share noise). */
  private readonly noiseSeed: number;
  private draws = 0;

  constructor(args: InitialStateLayerArgs) {
    super(args);
    if (!Number.isInteger(args?.units) || args.units < 1)
      throw new RangeError(`InitialStateLayer: units = ${args?.units}, expected a positive integer`);
    this.units = args.units;
    this.method = args.method ?? 'variable';
    if (!['zero', 'variable', 'noisy', 'noisy-variable'].includes(this.method)) {
      throw new TypeError(
        `InitialStateLayer: method = ${JSON.stringify(this.method)}, expected 'zero', 'variable', 'noisy' or 'noisy-variable'`,
      );
    }
    this.stddev = args.stddev ?? 0.3;
    if (!(this.stddev >= 0 && Number.isFinite(this.stddev)))
      throw new RangeError(`InitialStateLayer: stddev = ${this.stddev}, expected a finite number ≥ 0`);
    this.seed = args.seed;
    this.noiseSeed = args.seed ?? Math.floor(Math.random() * 2 ** 31);
  }

  override build(): void {
    if (this.method === 'variable' || this.method === 'noisy-variable') {
      this.vector = this.addWeight(
        'initial_state',
        [1, this.units],
        'float32',
        tfl.initializers.glorotUniform({ ...(this.seed != null ? { seed: this.seed } : {}) }),
      );
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [shape[0] ?? null, this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    const batch = x.shape[0] as number;
    return tf.tidy(() => {
      let s = this.vector ? tf.tile(this.vector.read(), [batch, 1]) : tf.zeros([batch, this.units]);
      if (
        kwargs.training === true &&
        (this.method === 'noisy' || this.method === 'noisy-variable') &&
        // Stryker disable next-line ConditionalExpression: equivalent — stddev is ≥ 0 (checked), and N(0, 0) noise adds exact zeros
        this.stddev > 0
      ) {
        s = tf.add(
          s,
          // draws count from 1: tfjs reads a seed of 0 as "no seed", which would make a seed-0 layer's first draw random
          // Stryker disable next-line ArithmeticOperator,UpdateOperator: equivalent — any seed distinct per (layer seed, draw) is valid
          tf.randomNormal([batch, this.units], 0, this.stddev, 'float32', this.noiseSeed * 100003 + ++this.draws),
        );
      }
      return s;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      method: this.method,
      stddev: this.stddev,
      ...(this.seed != null ? { seed: this.seed } : {}),
    };
  }
}

tf.serialization.registerClass(InitialStateLayer);
