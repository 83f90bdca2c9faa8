import type * as tf from '@tensorflow/tfjs-core';
import { setDiscreteGradientPolicy, traceDiscreteGradients } from '@gradkit/core';
import type { NetDefinition, Neuron } from 'mnist-bench/browser';
import { evaluationsEvery, type PlaygroundExperiment } from '../experiment';
import { disposeAll, sideBySide, stepAll, validationAccuracies } from './stochasticNets';

/** The estimators of post 5, with the learning rates of its best rows (Exp 1–3). */
const ESTIMATORS: Record<string, { label: string; neuron: Neuron; learningRate: number }> = {
  'pass-through': {
    label: 'straight-through, pass-through',
    neuron: { kind: 'binary-st', estimator: 'pass-through' },
    learningRate: 0.3,
  },
  'sigmoid-adjusted': {
    label: 'straight-through, sigmoid-adjusted',
    neuron: { kind: 'binary-st', estimator: 'sigmoid-adjusted' },
    learningRate: 0.3,
  },
  'slope-annealing': {
    label: 'sigmoid-adjusted with slope annealing',
    neuron: {
      kind: 'binary-st',
      estimator: 'sigmoid-adjusted',
      annealing: { rate: 1.1, scope: 'training-and-evaluation' },
    },
    learningRate: 0.3,
  },
  'reinforce-baseline': {
    label: 'REINFORCE with the variance-adjusted baseline',
    neuron: { kind: 'binary-reinforce', varianceAdjusted: true },
    learningRate: 0.05,
  },
  reinforce: {
    label: 'REINFORCE without a baseline',
    neuron: { kind: 'binary-reinforce', varianceAdjusted: false },
    learningRate: 0.05,
  },
};

const SIGN = 'plain tf.sign';
/** Slope annealing multiplies the slope this many times over a run, as the post's 20 epochs do. */
const ANNEALINGS = 20;

/** The change of a variable since `before` (L2 norm of the difference). */
async function changeSince(v: tf.Variable, before: Float32Array): Promise<number> {
  const now = (await v.data()) as Float32Array;
  let sum = 0;
  for (let i = 0; i < now.length; i++) sum += ((now[i] as number) - (before[i] as number)) ** 2;
  return Math.sqrt(sum);
}

/**
 * Post 5: a hidden layer of 100 binary stochastic neurons (784-100-10, plain SGD, batch 50, per-example loss
 * cross-entropy/10 summed, stochastic in training and evaluation) trained with the estimator picked, next to the
 * same network with a bare `tf.sign`, whose gradient is zero: its hidden layer never learns.
 */
export const binaryNeurons: PlaygroundExperiment = {
  name: 'binary-neurons',
  title: 'Binary stochastic neurons 784-100-10: an estimator vs a plain sign',
  post: 'post 5: binary stochastic neurons',
  about:
    'A hidden layer of 100 binary neurons (each fires with probability sigmoid(a)) has no gradient; an estimator ' +
    'invents one. Straight-through estimators pass the gradient through the sampling as if it were the identity ' +
    '(pass-through) or the sigmoid’s derivative (sigmoid-adjusted; with slope annealing the sigmoid steepens ×1.1 ' +
    'twenty times over the run); REINFORCE scores the sampled values by the loss, with or without a baseline. Beside ' +
    'it, the same network with tf.sign: tfjs’s gradient of sign is zero everywhere, so its hidden weights never move ' +
    '(@gradkit/core’s guard reports it) and only its output layer learns from fixed random features.',
  quickSteps: 600,
  data: 'mnist',
  choices: [
    {
      id: 'estimator',
      label: 'Estimator',
      options: Object.entries(ESTIMATORS).map(([value, e]) => ({ value, label: e.label })),
      initial: 'sigmoid-adjusted',
    },
  ],
  async create({ data, seed, steps, choices }) {
    const key = choices['estimator'] ?? 'sigmoid-adjusted';
    const chosen = ESTIMATORS[key];
    if (chosen == null)
      throw new Error(`estimator ${JSON.stringify(key)}: expected one of ${Object.keys(ESTIMATORS).join(', ')}`);
    const d = await data.mnist();
    const common = { hidden: [100], stochasticTrain: true, stochasticEval: true, learningRate: chosen.learningRate };
    const definitions: Array<{ label: string; definition: NetDefinition }> = [
      { label: chosen.label, definition: { ...common, neuron: chosen.neuron } },
      { label: SIGN, definition: { ...common, neuron: { kind: 'sign' } } },
    ];
    const s = sideBySide(d, seed, definitions);
    const evalEvery = evaluationsEvery(steps, 8);
    const annealEvery = Math.max(1, Math.round(steps / ANNEALINGS));
    const signNet = s.nets[1]?.net;
    const hiddenBefore = await Promise.all(
      s.nets.map(({ net }) => (net.variables[0] as tf.Variable).data() as Promise<Float32Array>),
    );
    const zeroGradientKernels = new Set<string>();
    return {
      config: { estimator: key, ...common, batchSize: 50, steps, evalEvery, annealEvery },
      examplesPerStep: 50 * s.nets.length,
      evalEvery,
      async step(i) {
        const loss = await stepAll(s, (label, step) => {
          if (label !== SIGN) return step();
          // the guard's record of this net's gradients; 'ignore' keeps its console warning out of the page's log
          const previous = setDiscreteGradientPolicy('ignore');
          try {
            const { result, kernels } = traceDiscreteGradients(step);
            kernels.forEach((k) => zeroGradientKernels.add(k));
            return result;
          } finally {
            setDiscreteGradientPolicy(previous);
          }
        });
        if ((i + 1) % annealEvery === 0) s.nets.forEach(({ net }) => net.endEpoch());
        return loss;
      },
      evaluate: () => validationAccuracies(s),
      async finish(final) {
        const changes = await Promise.all(
          s.nets.map(({ net }, i) => changeSince(net.variables[0] as tf.Variable, hiddenBefore[i] as Float32Array)),
        );
        const signChange = changes[1] as number;
        return {
          primary: {
            metric: `validation accuracy, ${chosen.label}`,
            value: final[`validation accuracy | ${chosen.label}`] as number,
          },
          metrics: {
            [`validation accuracy, ${SIGN}`]: final[`validation accuracy | ${SIGN}`] as number,
            [`hidden weights moved (L2), ${chosen.label}`]: changes[0] as number,
            [`hidden weights moved (L2), ${SIGN}`]: signChange,
          },
          notes: [
            signNet == null || zeroGradientKernels.size === 0
              ? 'The guard saw no zero gradient in the plain-sign net.'
              : `The guard saw the plain-sign net's gradient pass through ${[...zeroGradientKernels].join(', ')} (zero everywhere): its hidden weights moved ${signChange === 0 ? 'not at all' : signChange.toExponential(2)}.`,
          ],
        };
      },
      dispose: () => disposeAll(s),
    };
  },
};
