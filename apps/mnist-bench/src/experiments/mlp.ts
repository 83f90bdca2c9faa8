import * as tf from '@tensorflow/tfjs-core';
import type { Experiment } from '@gradkit/experiment-runner';
import { createRng } from '@gradkit/core';
import { accuracy, BatchStream } from '../batches';
import type { Dataset } from '../mnist';
import { crossEntropy, makeOptimizer, Mlp, setLearningRate, type Activation } from '../mlp';
import { runTraining } from '../training';

export interface MlpConfig {
  hidden: number[];
  activation: Activation;
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  /** The learning rate is multiplied by this after every epoch (1 = constant). */
  decayPerEpoch: number;
  batchSize: number;
  steps: number;
  evalEvery: number;
}

/**
 * The plain baseline every other experiment is compared with: 784-100-100-10, ReLU, Adam, mean cross-entropy,
 * trained on the first 55,000 training images and evaluated on the 10,000 test images.
 */
export const mlpExperiment: Experiment<Dataset, MlpConfig> = {
  name: 'mlp',
  title: (data) => `MLP baseline ${data.features}-100-100-10 (ReLU, Adam)`,
  inDefaultSet: true,
  profiles: {
    quick: {
      hidden: [100, 100],
      activation: 'relu',
      optimizer: 'adam',
      learningRate: 3e-3,
      decayPerEpoch: 0.5,
      batchSize: 100,
      steps: 2200,
      evalEvery: 275,
    },
    paper: {
      hidden: [100, 100],
      activation: 'relu',
      optimizer: 'adam',
      learningRate: 1e-3,
      decayPerEpoch: 0.8,
      batchSize: 100,
      steps: 11000,
      evalEvery: 550,
    },
    smoke: {
      hidden: [16],
      activation: 'relu',
      optimizer: 'adam',
      learningRate: 5e-3,
      decayPerEpoch: 1,
      batchSize: 20,
      steps: 30,
      evalEvery: 10,
    },
  },
  async run(ctx, config, data) {
    const rng = createRng(ctx.seed);
    const model = new Mlp([data.features, ...config.hidden, data.classes], config.activation, rng);
    const optimizer = makeOptimizer(config.optimizer, config.learningRate);
    const batches = new BatchStream(data.train, data.features, config.batchSize, rng);
    const predict = (x: tf.Tensor2D) => model.logits(x);
    const result = await runTraining(ctx, {
      steps: config.steps,
      evalEvery: config.evalEvery,
      step: (i) => {
        setLearningRate(optimizer, config.learningRate * config.decayPerEpoch ** Math.floor(i / batches.stepsPerEpoch));
        const { x, y } = batches.next(data.classes);
        const loss = optimizer.minimize(() => crossEntropy(y, model.logits(x)), true, model.variables) as tf.Scalar;
        tf.dispose([x, y]);
        return loss;
      },
      evaluate: async () => ({ 'test accuracy': await accuracy(predict, data.test, data.features) }),
    });
    const validation = await accuracy(predict, data.validation, data.features);
    optimizer.dispose();
    model.dispose();
    return {
      primary: { metric: 'test accuracy', value: result.final['test accuracy'] as number },
      metrics: {
        'validation accuracy': validation,
        epochs: (config.steps * config.batchSize) / data.train.count,
        'final loss': result.losses.at(-1) ?? NaN,
      },
      curves: result.curves,
      stepTimesMs: result.stepTimesMs,
      examplesPerStep: config.batchSize,
    };
  },
};
