import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { BatchNorm, batchNorm, createPopulationStatistics, disposePopulationStatistics } from '@gradkit/batchnorm';
import { median, timeTrainingSteps, type Experiment } from '@gradkit/experiment-runner';
import { createRng, glorotUniformValues } from '@gradkit/core';
import { BatchStream } from '../batches';
import type { Dataset } from '../mnist';

export interface BatchNormSpeedConfig {
  batchSize: number;
  warmup: number;
  timed: number;
}

/**
 * A benchmark, not a test: one training step (forward, backward, Adam) of the BN MLP 784-100(BN)-100(BN)-10
 * (sigmoid) on the same batch, three ways on the same backend in one run, interleaved step by step so that
 * machine noise hits all three alike: the functional `batchNorm`, `tf.sequential` with our `BatchNorm` layer,
 * and `tf.sequential` with tfjs-layers' `BatchNormalization`. Reports the medians and the ratios.
 */
export const batchnormSpeedExperiment: Experiment<Dataset, BatchNormSpeedConfig> = {
  name: 'batchnorm-speed',
  title: (data) =>
    `BN MLP ${data.features}-100(BN)-100(BN)-10 training step: @gradkit/batchnorm vs tfjs-layers BatchNormalization`,
  inDefaultSet: false,
  profiles: {
    quick: { batchSize: 100, warmup: 20, timed: 200 },
    paper: { batchSize: 100, warmup: 50, timed: 1000 },
    smoke: { batchSize: 20, warmup: 2, timed: 5 },
  },
  async run(ctx, config, data) {
    const rng = createRng(ctx.seed);
    const sizes = [data.features, 100, 100, data.classes];
    const kernels = sizes.slice(1).map((out, i) => glorotUniformValues([sizes[i] as number, out], rng));
    const { x, y } = new BatchStream(data.train, data.features, config.batchSize, rng).next(data.classes);

    // 1. functional
    const fw = kernels.map((k, i) =>
      tf.tidy(() => tf.variable(tf.tensor2d(k, [sizes[i] as number, sizes[i + 1] as number]))),
    );
    const fb = tf.tidy(() => tf.variable(tf.zeros([data.classes])));
    const affine = [0, 1].map(() =>
      tf.tidy(() => ({ gamma: tf.variable(tf.ones([100])), beta: tf.variable(tf.zeros([100])) })),
    );
    const stats = [0, 1].map((i) => createPopulationStatistics(100, `speed${i}`));
    const functional = () => {
      let h: tf.Tensor = x;
      for (let i = 0; i < 2; i++)
        h = tf.sigmoid(
          batchNorm(tf.matMul(h, fw[i] as tf.Tensor), affine[i] as never, stats[i] as never, { training: true }),
        );
      return tf.add(tf.matMul(h, fw[2] as tf.Tensor), fb);
    };
    const functionalVars = [...fw, fb, ...affine.flatMap((a) => [a.gamma, a.beta])];

    // 2. and 3. tf.sequential with a batch-norm layer
    const sequential = (makeBn: () => tfl.layers.Layer) => {
      const model = tfl.sequential({
        layers: [
          tfl.layers.dense({ units: 100, useBias: false, inputShape: [data.features] }),
          makeBn(),
          tfl.layers.activation({ activation: 'sigmoid' }),
          tfl.layers.dense({ units: 100, useBias: false }),
          makeBn(),
          tfl.layers.activation({ activation: 'sigmoid' }),
          tfl.layers.dense({ units: data.classes }),
        ],
      });
      return { model, vars: model.trainableWeights.map((w) => w.read() as tf.Variable) };
    };
    const ours = sequential(() => new BatchNorm());
    const theirs = sequential(() => tfl.layers.batchNormalization({ momentum: 0.999, epsilon: 1e-3 }));

    const xent = (logits: () => tf.Tensor) => () => tf.losses.softmaxCrossEntropy(y, logits()) as tf.Scalar;
    const times = await timeTrainingSteps(
      ctx,
      [
        { name: '@gradkit/batchnorm batchNorm()', loss: xent(functional), vars: functionalVars },
        {
          name: '@gradkit/batchnorm BatchNorm layer',
          loss: xent(() => ours.model.apply(x, { training: true }) as tf.Tensor),
          vars: ours.vars,
        },
        {
          name: 'tfjs-layers BatchNormalization',
          loss: xent(() => theirs.model.apply(x, { training: true }) as tf.Tensor),
          vars: theirs.vars,
        },
      ],
      config,
    );
    const [fn, layer, tfjs] = times.map((t) => median(t) as number) as [number, number, number];
    tf.dispose([x, y, ...functionalVars]);
    stats.forEach(disposePopulationStatistics);
    ours.model.dispose();
    theirs.model.dispose();
    return {
      primary: { metric: 'tfjs-layers ms / ours ms (functional)', value: tfjs / fn },
      metrics: {
        'ms/step, @gradkit/batchnorm batchNorm()': fn,
        'ms/step, @gradkit/batchnorm BatchNorm layer': layer,
        'ms/step, tfjs-layers BatchNormalization': tfjs,
        'tfjs-layers ms / ours ms (layer)': tfjs / layer,
      },
      stepTimesMs: times[0] ?? [],
      examplesPerStep: config.batchSize,
    };
  },
};
