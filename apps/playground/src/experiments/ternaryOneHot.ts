import { evaluationsEvery, type PlaygroundExperiment } from '../experiment';
import { disposeAll, sideBySide, stepAll, validationAccuracies } from './stochasticNets';

/**
 * Post 6 (validation accuracy; stochastic in training, deterministic at evaluation; SGD 0.1, batch 50): a real-valued
 * tanh layer of 100, a ternary layer of 100 (values −1, 0, 1) and a one-hot layer of 100 neurons × 5 categories, side
 * by side on the same batches.
 */
export const ternaryOneHot: PlaygroundExperiment = {
  name: 'ternary-one-hot',
  title: 'Ternary and one-hot neurons vs tanh, 784-100-10',
  post: 'post 6: ternary and one-hot neurons',
  about:
    'Binary neurons generalize. A ternary neuron outputs −1, 0 or 1: the post’s “soft stairs” ' +
    '1.5·tanh(a) + 0.5·tanh(−3a), rounded at random to one of its two neighbouring levels. A one-hot neuron of 5 ' +
    'categories samples one category from a softmax. Both learn through straight-through estimators and land close ' +
    'to a real-valued tanh layer: discrete activations cost little accuracy. Noise in training, deterministic ' +
    'evaluation, as the post runs them.',
  quickSteps: 300,
  data: 'mnist',
  async create({ data, seed, steps }) {
    const d = await data.mnist();
    const common = { stochasticTrain: true, stochasticEval: false, learningRate: 0.1 };
    const s = sideBySide(d, seed, [
      { label: 'tanh (real-valued), 100', definition: { ...common, hidden: [100], neuron: { kind: 'tanh' } } },
      { label: 'ternary, 100', definition: { ...common, hidden: [100], neuron: { kind: 'ternary' } } },
      {
        label: 'one-hot, 100 × 5',
        definition: { ...common, hidden: [500], neuron: { kind: 'one-hot', categories: 5 } },
      },
    ]);
    const evalEvery = evaluationsEvery(steps, 5);
    return {
      config: { ...common, batchSize: 50, steps, evalEvery },
      examplesPerStep: 50 * s.nets.length,
      evalEvery,
      step: () => stepAll(s),
      evaluate: () => validationAccuracies(s),
      async finish(final) {
        const label = (l: string) => final[`validation accuracy | ${l}`] as number;
        return {
          primary: { metric: 'validation accuracy, ternary', value: label('ternary, 100') },
          metrics: {
            'validation accuracy, one-hot 100 × 5': label('one-hot, 100 × 5'),
            'validation accuracy, tanh': label('tanh (real-valued), 100'),
          },
          notes: [],
        };
      },
      dispose: () => disposeAll(s),
    };
  },
};
