import type * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@gradkit/core';
import {
  accuracy,
  BatchStream,
  crossEntropy,
  makeOptimizer,
  Mlp,
  mlpExperiment,
  setLearningRate,
} from 'mnist-bench/browser';
import { benchProfile, evaluationsEvery, type PlaygroundExperiment } from '../experiment';

/** mnist-bench's `mlp` experiment (its quick profile's model, optimizer and schedule), stepped in the page. */
export const mlp: PlaygroundExperiment = {
  name: 'mlp',
  title: 'MLP baseline 784-100-100-10 (ReLU, Adam)',
  post: 'the baseline every post compares with',
  about:
    'A plain multilayer perceptron: two hidden layers of 100 ReLU units, Adam (learning rate 3e-3, halved every ' +
    'epoch of 550 steps), batches of 100 from the 55,000 training images, test accuracy on the 10,000 test images. ' +
    "Fused dense layers from @gradkit/core; the same model and schedule as mnist-bench's mlp experiment.",
  quickSteps: 500,
  data: 'mnist',
  async create({ data, seed, steps }) {
    const d = await data.mnist();
    const config = { ...benchProfile(mlpExperiment), steps, evalEvery: evaluationsEvery(steps, 8) };
    const rng = createRng(seed);
    const model = new Mlp([d.features, ...config.hidden, d.classes], config.activation, rng);
    const optimizer = makeOptimizer(config.optimizer, config.learningRate);
    const batches = new BatchStream(d.train, d.features, config.batchSize, rng);
    const predict = (x: tf.Tensor2D) => model.logits(x);
    return {
      config,
      examplesPerStep: config.batchSize,
      evalEvery: config.evalEvery,
      step(i) {
        setLearningRate(optimizer, config.learningRate * config.decayPerEpoch ** Math.floor(i / batches.stepsPerEpoch));
        const { x, y } = batches.next(d.classes);
        const loss = optimizer.minimize(() => crossEntropy(y, model.logits(x)), true, model.variables) as tf.Scalar;
        x.dispose();
        y.dispose();
        return loss;
      },
      evaluate: async () => ({ 'test accuracy': await accuracy(predict, d.test, d.features) }),
      async finish(final) {
        return {
          primary: { metric: 'test accuracy', value: final['test accuracy'] as number },
          metrics: {
            'validation accuracy': await accuracy(predict, d.validation, d.features),
            epochs: (steps * config.batchSize) / d.train.count,
          },
          notes: [],
        };
      },
      dispose() {
        optimizer.dispose();
        model.dispose();
      },
    };
  },
};
