import * as tf from '@tensorflow/tfjs-core';
import { glorotUniform, uniqueVariableName } from '@gradkit/core';
import { flattenLike, flattenSpec, unflatten, type Nested, type StateSpec } from './structure';

/**
 * R2RT post 7's initial states (and Sonnet's trainable state; Zimmermann et al.'s noise):
 * - `'zero'`: zeros;
 * - `'variable'`: one trainable vector per state component, tiled over the batch;
 * - `'noisy'`: zeros plus Gaussian noise (stddev 0.3, the post's) in training only;
 * - `'noisy-variable'`: the trained vectors plus the same noise.
 */
export type InitialStateMethod = 'zero' | 'variable' | 'noisy' | 'noisy-variable';

export interface InitialStateOptions {
  spec: StateSpec;
  method: InitialStateMethod;
  /** Noise standard deviation (default 0.3, the post's; it does not tune it). */
  stddev?: number;
  /** Which components are learned, nested like `spec` (Sonnet's mask); default all. Unlearned ones stay zero. */
  learn?: Nested<boolean>;
  /** Initial values of the learned vectors: `'glorot'` (TF's get_variable default, the post's) or `'zeros'`. */
  initializer?: 'glorot' | 'zeros';
  /** L2 penalty weight on the learned vectors ({@link InitialState.regularization}); default 0. */
  l2?: number;
  /** Seed of the noise (and of the Glorot initial values). */
  seed?: number;
  name?: string;
}

/**
 * Initial states for any recurrent model. `state(batch, { training })` returns a fresh nested structure of
 * [batch, size] tensors, owned by the caller; the learned vectors are the provider's (`variables`, freed by
 * `dispose()`). The gradient that reaches a tiled state flows, summed over the batch, into its vector.
 *
 * @example
 * const init = createInitialState({ spec: [[200, 200], [200, 200]], method: 'noisy-variable', seed: 1 });
 * const [s0, s1] = init.state(30, { training: true }) as tf.Tensor2D[][];
 */
export interface InitialState {
  readonly method: InitialStateMethod;
  readonly spec: StateSpec;
  /** The learned vectors ([1, size] each), empty for zero and noisy. */
  readonly variables: tf.Variable[];
  /** The state for a batch; `training` (default false) adds the noise of the noisy methods. */
  state(batch: number, options?: { training?: boolean }): Nested<tf.Tensor2D>;
  /**
   * The same state, flat (depth-first): what `rnn`'s `initialState` takes for one cell — always an array, also for a
   * single-component spec such as `128`.
   */
  flatState(batch: number, options?: { training?: boolean }): tf.Tensor2D[];
  /** l2·Σ‖v‖² over the learned vectors (a scalar to add to the loss; 0 without l2). */
  regularization(): tf.Scalar;
  /**
   * The seed of the next noise draw (each component of each training state takes the next one). Save it with a
   * checkpoint and set it back to continue a run with the noise it would have drawn uninterrupted.
   */
  noiseSeed: number;
  dispose(): void;
}

export function createInitialState(options: InitialStateOptions): InitialState {
  const { spec, method, stddev = 0.3, initializer = 'glorot', l2 = 0, name = 'initial_state' } = options;
  const sizes = flattenSpec(spec);
  if (!['zero', 'variable', 'noisy', 'noisy-variable'].includes(method)) {
    throw new TypeError(
      `createInitialState: method = ${JSON.stringify(method)}, expected 'zero', 'variable', 'noisy' or 'noisy-variable'`,
    );
  }
  if (!(stddev >= 0 && Number.isFinite(stddev)))
    throw new RangeError(`createInitialState: stddev = ${stddev}, expected a finite number ≥ 0`);
  if (!(l2 >= 0)) throw new RangeError(`createInitialState: l2 = ${l2}, expected a number ≥ 0`);
  if (initializer !== 'glorot' && initializer !== 'zeros') {
    throw new TypeError(
      `createInitialState: initializer = ${JSON.stringify(initializer)}, expected 'glorot' or 'zeros'`,
    );
  }
  const learned = method === 'variable' || method === 'noisy-variable';
  const noisy = method === 'noisy' || method === 'noisy-variable';
  const learnMask = options.learn == null ? sizes.map(() => true) : flattenLike<boolean>(spec, options.learn, 'learn');
  let seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const vectors = sizes.map((size, i) =>
    learned && learnMask[i]
      ? tf.tidy(() => {
          // Stryker disable next-line ArithmeticOperator: equivalent — any distinct per-component seed is valid
          const init = initializer === 'zeros' ? tf.zeros([1, size]) : glorotUniform([1, size], seed + 7919 * (i + 1));
          return tf.variable(init, true, uniqueVariableName(`${name}_${i}`));
        })
      : null,
  );
  const variables = vectors.filter((v): v is tf.Variable => v != null);
  const flatState = (batch: number, options: { training?: boolean } = {}): tf.Tensor2D[] => {
    if (!Number.isInteger(batch) || batch < 1)
      throw new RangeError(`initialState: batch = ${batch}, expected a positive integer`);
    if (options == null || typeof options !== 'object')
      throw new TypeError(`initialState: options = ${JSON.stringify(options)}, expected { training?: boolean }`);
    const training = options.training === true;
    return sizes.map((size, i) =>
      tf.tidy(() => {
        const v = vectors[i];
        let s: tf.Tensor = v == null ? tf.zeros([batch, size]) : tf.tile(v, [batch, 1]);
        if (noisy && training && stddev > 0)
          s = tf.add(s, tf.randomNormal([batch, size], 0, stddev, 'float32', seed++));
        return s as tf.Tensor2D;
      }),
    );
  };
  return {
    method,
    spec,
    variables,
    get noiseSeed() {
      return seed;
    },
    set noiseSeed(value: number) {
      if (!Number.isSafeInteger(value)) throw new RangeError(`initialState.noiseSeed = ${value}, expected an integer`);
      seed = value;
    },
    flatState,
    state: (batch, opts) => unflatten(spec, flatState(batch, opts)),
    regularization: () =>
      tf.tidy(
        () =>
          (variables.length === 0 || l2 === 0
            ? tf.scalar(0)
            : tf.mul(tf.addN(variables.map((v) => tf.sum(tf.square(v)))), l2)) as tf.Scalar,
      ),
    dispose: () => tf.dispose(variables),
  };
}
