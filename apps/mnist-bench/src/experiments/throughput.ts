import * as tf from '@tensorflow/tfjs-core';
import { median, type Experiment } from '@gradkit/experiment-runner';
import { createRng } from '@gradkit/core';
import { BatchStream } from '../batches';
import type { Dataset } from '../mnist';
import { crossEntropy, Mlp } from '../mlp';

export interface ThroughputConfig {
  hidden: number[];
  batchSize: number;
  warmup: number;
  timed: number;
}

/**
 * A fixed training step (MLP 784-100-100-10, ReLU, Adam, one batch of real images reused) timed after warm-up:
 * the median milliseconds per step, including reading the loss back (so GPU work is counted).
 */
export const throughputExperiment: Experiment<Dataset, ThroughputConfig> = {
  name: 'throughput',
  title: (data) => `Training-step throughput, MLP ${data.features}-100-100-10, Adam, batch 100`,
  inDefaultSet: true,
  profiles: {
    quick: { hidden: [100, 100], batchSize: 100, warmup: 20, timed: 100 },
    paper: { hidden: [100, 100], batchSize: 100, warmup: 50, timed: 500 },
    smoke: { hidden: [16], batchSize: 20, warmup: 2, timed: 5 },
  },
  async run(ctx, config, data) {
    const rng = createRng(ctx.seed);
    const model = new Mlp([data.features, ...config.hidden, data.classes], 'relu', rng);
    const optimizer = tf.train.adam(1e-3);
    const { x, y } = new BatchStream(data.train, data.features, config.batchSize, rng).next(data.classes);
    const total = config.warmup + config.timed;
    const stepTimesMs: number[] = [];
    for (let i = 0; i < total; i++) {
      const start = performance.now();
      const loss = optimizer.minimize(() => crossEntropy(y, model.logits(x)), true, model.variables) as tf.Scalar;
      await loss.data();
      loss.dispose();
      if (i >= config.warmup) stepTimesMs.push(performance.now() - start);
      ctx.sampleMemory();
      ctx.progress(i + 1, total);
    }
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
    const sorted = [...stepTimesMs].sort((a, b) => a - b);
    return {
      primary: { metric: 'ms/step', value: median(stepTimesMs) as number },
      metrics: {
        'p10 ms': sorted[Math.floor(sorted.length * 0.1)] as number,
        'p90 ms': sorted[Math.floor(sorted.length * 0.9)] as number,
      },
      stepTimesMs,
      examplesPerStep: config.batchSize,
    };
  },
};
