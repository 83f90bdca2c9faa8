import * as tf from '@tensorflow/tfjs-core';
import { createRng, glorotUniform } from '@gradkit/core';
import type { Curve, RunContext } from '@gradkit/experiment-runner';
import {
  binaryNeuron,
  createReinforceBaseline,
  disposeReinforceBaseline,
  naryNeuron,
  oneHotNeuron,
  reinforceBinaryNeuron,
  SeedStream,
  SlopeAnnealing,
  ternaryActivation,
  type AnnealingScope,
  type ReinforceBaseline,
  type ReinforceNeuron,
  type StraightThroughEstimator,
} from '@gradkit/stochastic-neurons';
import { accuracy, BatchStream } from './batches';
import type { Dataset, Split } from './mnist';

/** The hidden units of one R2RT post 5/6 network. */
export type Neuron =
  | { kind: 'sigmoid' | 'tanh' }
  /** A bare `tf.sign`: tfjs's gradient of Sign is zero, so nothing before it learns (the estimators' control). */
  | { kind: 'sign' }
  | { kind: 'binary-st'; estimator: StraightThroughEstimator; annealing?: { rate: number; scope: AnnealingScope } }
  | { kind: 'binary-reinforce'; varianceAdjusted: boolean }
  | { kind: 'ternary' }
  | { kind: 'one-hot'; categories: number; annealing?: { rate: number; scope: AnnealingScope } };

export interface NetSpec {
  neuron: Neuron;
  /** Hidden layer widths (for one-hot: neurons × categories units). */
  hidden: number[];
  learningRate: number;
  epochs: number;
  stepsPerEpoch: number;
  batchSize: number;
  stochasticTrain: boolean;
  stochasticEval: boolean;
  /** `'validation'`: train on the 55k, evaluate on the 5k validation images (posts 5, 6); `'test'`: post 5's Exp 7. */
  protocol: 'validation' | 'exp7';
  /**
   * How the per-example loss is computed. `'log-softmax'` (default): −mean_k y_k·logSoftmax(z)_k, finite for any
   * logits. `'log-of-softmax'`: the posts' code, −mean_k y_k·log(softmax(z)_k) — once an example's logits spread by
   * more than ≈87 (TensorFlow flushes denormals to zero) or ≈103 (wasm keeps them), a class probability is exactly 0
   * in float32, 0·log 0 is NaN, and the network's weights become NaN.
   */
  loss?: 'log-softmax' | 'log-of-softmax';
}

interface Dense {
  w: tf.Variable;
  b: tf.Variable;
}

/** What a {@link StochasticNet} is: its neurons, widths, learning rate, and where its noise acts. */
export type NetDefinition = Pick<
  NetSpec,
  'neuron' | 'hidden' | 'learningRate' | 'stochasticTrain' | 'stochasticEval' | 'loss'
>;

/**
 * One network of R2RT posts 5 and 6: `features` → hidden layer(s) of the given neurons → softmax `classes`;
 * Glorot-uniform weights *and* biases from `rng` (the posts' `get_variable` default), noise from a stream seeded
 * by `seed`, plain SGD. {@link trainStep} is one update; {@link endEpoch} anneals the slope. Dispose it.
 */
export class StochasticNet {
  private readonly layers: Dense[];
  private readonly stream: SeedStream;
  private readonly annealing: SlopeAnnealing | null;
  private readonly baselines: Array<ReinforceBaseline | null>;
  private readonly optimizer: tf.SGDOptimizer;

  constructor(
    readonly definition: NetDefinition,
    readonly features: number,
    readonly classes: number,
    rng: () => number,
    seed: number,
  ) {
    this.stream = new SeedStream(seed * 7919 + 1);
    const sizes = [features, ...definition.hidden, classes];
    this.layers = sizes.slice(1).map((out, i) => {
      const fanIn = sizes[i] as number;
      return tf.tidy(() => ({
        w: tf.variable(glorotUniform([fanIn, out], rng)),
        // TF's get_variable default (Glorot-uniform) for a bias of shape [out] takes fan_in = fan_out = out:
        // U(−√(3/out), √(3/out))
        b: tf.variable(glorotUniform([out], rng)),
      }));
    });
    const neuron = definition.neuron;
    this.annealing = 'annealing' in neuron && neuron.annealing ? new SlopeAnnealing(neuron.annealing) : null;
    this.baselines = definition.hidden.map((h) =>
      neuron.kind === 'binary-reinforce' && neuron.varianceAdjusted ? createReinforceBaseline(h) : null,
    );
    this.optimizer = tf.train.sgd(definition.learningRate);
  }

  /** Forward pass; for REINFORCE also the neurons, whose surrogates need the per-example loss. */
  forward(x: tf.Tensor, training: boolean): { logits: tf.Tensor; reinforce: ReinforceNeuron[] } {
    const spec = this.definition;
    const stream = this.stream;
    const slope = this.annealing?.slopeFor(training) ?? 1;
    const stochastic = training ? spec.stochasticTrain : spec.stochasticEval;
    const reinforce: ReinforceNeuron[] = [];
    let h: tf.Tensor = x;
    this.layers.forEach((layer, i) => {
      const a = tf.add(tf.matMul(h, layer.w), layer.b);
      if (i === this.layers.length - 1) {
        h = a;
        return;
      }
      const n = spec.neuron;
      switch (n.kind) {
        case 'sigmoid':
          h = tf.sigmoid(a);
          break;
        case 'tanh':
          h = tf.tanh(a);
          break;
        case 'sign':
          h = tf.sign(a);
          break;
        case 'binary-st':
          h = binaryNeuron(a, { estimator: n.estimator, slope, stochastic, randomness: stream });
          break;
        case 'binary-reinforce': {
          // At evaluation with stochastic = False the post's REINFORCE layer swaps to a deterministic step.
          if (!training && !stochastic) {
            h = binaryNeuron(a, { estimator: 'pass-through', stochastic: false });
            break;
          }
          const neuron = reinforceBinaryNeuron(a, {
            stochastic: true,
            randomness: stream,
            baseline: this.baselines[i] ?? null,
          });
          reinforce.push(neuron);
          h = neuron.output;
          break;
        }
        case 'ternary':
          h = naryNeuron(a, { activation: ternaryActivation, stochastic, randomness: stream });
          break;
        case 'one-hot':
          h = oneHotNeuron(a, { categories: n.categories, temperature: 1 / slope, stochastic, randomness: stream });
          break;
      }
    });
    return { logits: h, reinforce };
  }

  /** Evaluation logits (the network's evaluation mode: deterministic or not as defined, the annealed slope). */
  predict(x: tf.Tensor2D): tf.Tensor2D {
    return this.forward(x, false).logits as tf.Tensor2D;
  }

  /**
   * One SGD step on a batch (x [batch, features], one-hot y [batch, classes]): the summed per-example loss, and the
   * largest spread of one example's logits (max − min over classes; past ≈87 the posts' formula is NaN). The caller
   * disposes both.
   */
  trainStep(x: tf.Tensor2D, y: tf.Tensor2D): { loss: tf.Scalar; spread: tf.Scalar } {
    const kept: { spread?: tf.Scalar } = {};
    const loss = this.optimizer.minimize(
      () => {
        const { logits, reinforce } = this.forward(x, true);
        kept.spread = tf.keep(tf.max(tf.sub(tf.max(logits, 1), tf.min(logits, 1)))) as tf.Scalar;
        const logProbabilities =
          this.definition.loss === 'log-of-softmax' ? tf.log(tf.softmax(logits)) : tf.logSoftmax(logits);
        // per-example loss: −mean over the classes of y·log softmax = cross-entropy / classes
        const perExample = tf.div(tf.neg(tf.sum(tf.mul(y, logProbabilities), 1)), this.classes);
        let total: tf.Tensor = tf.sum(perExample);
        for (const n of reinforce) total = tf.add(total, n.surrogate(perExample));
        return total as tf.Scalar;
      },
      true,
      this.variables,
    ) as tf.Scalar;
    return { loss, spread: kept.spread as tf.Scalar };
  }

  /** The end of an epoch: slope annealing takes its step. */
  endEpoch(): void {
    this.annealing?.step();
  }

  get variables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.w, l.b]);
  }

  dispose(): void {
    this.optimizer.dispose();
    tf.dispose(this.variables);
    this.baselines.forEach((b) => b && disposeReinforceBaseline(b));
  }
}

/**
 * Trains one network of R2RT posts 5 and 6 ({@link StochasticNet}): per-example loss −mean over classes of y·log ŷ
 * (cross-entropy / 10) summed over the batch by plain SGD. Returns the final evaluation accuracy and one point
 * per epoch.
 */
export async function trainStochasticNet(
  ctx: RunContext,
  spec: NetSpec,
  data: Dataset,
  progress: (step: number) => void,
): Promise<{
  accuracy: number;
  curve: Curve['points'];
  msPerStep: number[];
  firstNonFiniteStep: number | null;
  maxLogitSpread: number;
  maxLogitSpreadStep: number;
}> {
  const rng = createRng(ctx.seed);
  const net = new StochasticNet(spec, data.features, data.classes, rng, ctx.seed);
  const trainSplit: Split = spec.protocol === 'exp7' ? data.validation : data.train;
  const evalSplit: Split = spec.protocol === 'exp7' ? data.test : data.validation;
  const batches = new BatchStream(trainSplit, data.features, spec.batchSize, rng);

  const curve: Curve['points'] = [];
  const times: number[] = [];
  let step = 0;
  let firstNonFiniteStep: number | null = null;
  let maxLogitSpread = 0;
  let maxLogitSpreadStep = 0;
  for (let epoch = 0; epoch < spec.epochs; epoch++) {
    for (let s = 0; s < spec.stepsPerEpoch; s++) {
      const { x, y } = batches.next(data.classes);
      const start = performance.now();
      const { loss, spread } = net.trainStep(x, y);
      const [lossValue, spreadValue] = await Promise.all([loss.data(), spread.data()]);
      times.push(performance.now() - start);
      step++;
      if (firstNonFiniteStep == null && !Number.isFinite(lossValue[0] as number)) firstNonFiniteStep = step;
      if ((spreadValue[0] as number) > maxLogitSpread) {
        maxLogitSpread = spreadValue[0] as number;
        maxLogitSpreadStep = step;
      }
      tf.dispose([loss, x, y, spread]);
      ctx.sampleMemory();
      progress(step);
    }
    net.endEpoch();
    curve.push({ step, value: await accuracy((x) => net.predict(x), evalSplit, data.features) });
  }
  net.dispose();
  return {
    accuracy: curve.at(-1)?.value ?? NaN,
    curve,
    msPerStep: times.slice(Math.min(50, times.length >> 1)),
    firstNonFiniteStep,
    maxLogitSpread,
    maxLogitSpreadStep,
  };
}
