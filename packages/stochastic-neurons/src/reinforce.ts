import * as tf from '@tensorflow/tfjs-core';
import { injectGradient, stopGradient } from '@gradkit/core';
import { validateSlope } from './binary';
import { toStream, type Randomness } from './noise';

/**
 * The variance-adjusted per-neuron REINFORCE baseline of R2RT post 5:
 *   c = EMA[(b − p)²·L] / (EMA[(b − p)²] + 1e-4), both EMAs with decay 0.95 fed the minibatch means; the
 *   numerator starts at 0 and the denominator at 1; both are updated each time the gradient is computed (here:
 *   updated with the current batch, then used). The caller owns the variables ({@link disposeReinforceBaseline}).
 */
export interface ReinforceBaseline {
  numerator: tf.Variable;
  denominator: tf.Variable;
  decay: number;
}

export function createReinforceBaseline(units: number, decay = 0.95): ReinforceBaseline {
  if (!Number.isInteger(units) || units < 1)
    throw new RangeError(`createReinforceBaseline: units = ${units}, expected a positive integer`);
  if (!(decay >= 0 && decay < 1))
    throw new RangeError(`createReinforceBaseline: decay = ${decay}, expected a number in [0, 1)`);
  return tf.tidy(() => ({
    numerator: tf.variable(tf.zeros([units]), false),
    denominator: tf.variable(tf.ones([units]), false),
    decay,
  }));
}

export function disposeReinforceBaseline(baseline: ReinforceBaseline): void {
  tf.dispose([baseline.numerator, baseline.denominator]);
}

/** The baseline's current value per unit, c = numerator / (denominator + 1e-4) ([units], owned by the caller). */
export function reinforceBaselineValue(baseline: ReinforceBaseline): tf.Tensor1D {
  return tf.tidy(() => tf.div(baseline.numerator, tf.add(baseline.denominator, 1e-4)) as tf.Tensor1D);
}

export interface ReinforceNeuronOptions {
  slope?: number;
  /** Sample (default). With `false` the neuron rounds p (the post's deterministic evaluation); no gradient then. */
  stochastic?: boolean;
  randomness?: Randomness;
  /** The variance-adjusted baseline; absent or null means c = 0. */
  baseline?: ReinforceBaseline | null;
  /**
   * Use these bits (0/1, a's shape) as the sample b instead of drawing one (for tests and variance studies: the
   * same b under several baselines or losses). `randomness` is then not used. The caller keeps the tensor. Its shape
   * is checked; its values are not (reading them would wait for a GPU backend): give only 0s and 1s.
   */
  sample?: tf.Tensor;
}

export interface ReinforceNeuron {
  /** The sampled bits b (constants: no gradient flows through them, as in the post). */
  output: tf.Tensor;
  /**
   * Given the per-example loss L ([batch]), returns a scalar 0 whose gradient puts (b − p)·(L − c) on the
   * pre-activation `a` (and updates the baseline). Add it to the loss inside the same gradient computation.
   */
  surrogate(perExampleLoss: tf.Tensor): tf.Scalar;
}

/**
 * A binary stochastic neuron trained by REINFORCE (Williams 1992) as in R2RT post 5: p = σ(m·a), b = 1[U < p];
 * the gradient at the pre-activation is (b − p)·(L − c) with the per-example loss L and the baseline c (0, or
 * {@link ReinforceBaseline}); the upstream gradient through b is ignored.
 *
 * Call it inside the gradient computation (a `minimize`/`variableGrads` function or a `tf.tidy`): the
 * probabilities `surrogate` needs are released when that scope ends. The caller owns `output` and may dispose it
 * before calling `surrogate`.
 *
 * @example
 * const neuron = reinforceBinaryNeuron(tf.matMul(x, w1), { baseline, randomness: stream });
 * const perExample = lossPerExample(tf.matMul(neuron.output, w2));
 * return tf.add(tf.sum(perExample), neuron.surrogate(perExample));
 */
export function reinforceBinaryNeuron(a: tf.Tensor, options: ReinforceNeuronOptions = {}): ReinforceNeuron {
  const slope = validateSlope(options.slope ?? 1, 'reinforceBinaryNeuron');
  if (a.rank !== 2)
    throw new Error(`reinforceBinaryNeuron: a has shape [${a.shape.join(',')}], expected [batch, units]`);
  const baseline = options.baseline ?? null;
  if (baseline != null && baseline.numerator.shape[0] !== a.shape[1]) {
    throw new Error(
      `reinforceBinaryNeuron: the baseline has ${baseline.numerator.shape[0]} units, a has ${a.shape[1]}`,
    );
  }
  const p = tf.tidy(() => stopGradient(tf.sigmoid(tf.mul(a, slope))));
  if (options.stochastic === false) {
    const b = tf.round(p);
    p.dispose();
    return {
      output: b,
      surrogate: () => {
        throw new Error('reinforceBinaryNeuron: no REINFORCE gradient for a deterministic (stochastic: false) neuron');
      },
    };
  }
  let b: tf.Tensor;
  if (options.sample != null) {
    const given = options.sample;
    if (!tf.util.arraysEqual(given.shape, a.shape)) {
      p.dispose();
      throw new Error(
        `reinforceBinaryNeuron: sample has shape [${given.shape.join(',')}], expected a's [${a.shape.join(',')}]`,
      );
    }
    b = tf.cast(given, 'float32');
  } else {
    const noise = toStream(options.randomness).uniform(a.shape);
    b = tf.cast(tf.less(noise, p), 'float32');
    noise.dispose();
  }
  // b − p, kept beside p: the caller may dispose `output` before calling surrogate()
  const diff = tf.sub(b, p);
  return {
    output: b,
    surrogate(perExampleLoss: tf.Tensor): tf.Scalar {
      if (perExampleLoss.rank !== 1 || perExampleLoss.shape[0] !== a.shape[0]) {
        throw new Error(
          `reinforceBinaryNeuron: per-example loss has shape [${perExampleLoss.shape.join(',')}], expected [${a.shape[0]}]`,
        );
      }
      const g = tf.tidy(() => {
        const L = tf.expandDims(stopGradient(perExampleLoss), 1);
        let c: tf.Tensor = tf.scalar(0);
        if (baseline != null) {
          const d = baseline.decay;
          const sq = tf.square(diff);
          baseline.numerator.assign(tf.add(tf.mul(baseline.numerator, d), tf.mul(tf.mean(tf.mul(sq, L), 0), 1 - d)));
          baseline.denominator.assign(tf.add(tf.mul(baseline.denominator, d), tf.mul(tf.mean(sq, 0), 1 - d)));
          c = reinforceBaselineValue(baseline);
        }
        return tf.mul(diff, tf.sub(L, c));
      });
      const s = injectGradient(a, g);
      g.dispose();
      return s;
    },
  };
}
