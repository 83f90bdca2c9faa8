import * as tf from '@tensorflow/tfjs-core';
import type { Experiment } from '@gradkit/experiment-runner';
import {
  createSynthesizer,
  DecoupledTrainer,
  denseModule,
  type Module,
  type TrainingMethod,
} from '@gradkit/synthetic-grad';
import { createRng } from '@gradkit/core';
import { BatchStream, toTensors } from '../batches';
import type { Dataset } from '../mnist';

export interface DniWaitsConfig {
  depths: number[];
  hidden: number;
  batchSize: number;
  /** Steps per setting; the first `warmup` are not counted. */
  steps: number;
  warmup: number;
  /** Synthesizer hidden layers per setting: [] is a linear synthesizer, [1024, 1024] the post's. */
  synthesizers: number[][];
}

/**
 * Update locking, measured (post 8's claim, issue: "shown, not asserted"). A module is update-locked when it
 * cannot change its weights until everything above it has run forward and backward. Per step and module, the
 * trainer records the time from the end of the module's forward pass to the start of its update:
 *
 *   backprop:  wait_i = forward(i+1..n, head) + backward(head..i)        — grows with the depth above i
 *   decoupled: wait_i = forward(S_i) + backward(S_i) + backward(module i) — independent of depth
 *
 * On one thread the decoupled wait is pure extra work (the synthesizer runs on the same core); what the table
 * shows is how each wait scales with depth, which is what decides whether modules on separate devices could run
 * in parallel. Depth n: n × [Dense h → BN → ReLU] on MNIST, head Dense 10, batch 256.
 */
export const dniWaitsExperiment: Experiment<Dataset, DniWaitsConfig> = {
  name: 'dni-waits',
  title: 'Post 8: how long module 1 waits before it can update, backprop vs synthetic gradients, by depth',
  inDefaultSet: false,
  profiles: {
    paper: {
      depths: [2, 4, 8, 16],
      hidden: 256,
      batchSize: 256,
      steps: 40,
      warmup: 10,
      synthesizers: [[], [1024, 1024]],
    },
    long: {
      depths: [2, 4, 8, 16],
      hidden: 256,
      batchSize: 256,
      steps: 40,
      warmup: 10,
      synthesizers: [[], [1024, 1024]],
    },
    quick: { depths: [2, 4, 8], hidden: 256, batchSize: 256, steps: 20, warmup: 5, synthesizers: [[], [1024, 1024]] },
    smoke: { depths: [1, 2], hidden: 16, batchSize: 32, steps: 3, warmup: 1, synthesizers: [[]] },
  },
  async run(ctx, config, data) {
    const rng = createRng(ctx.seed);
    const batches = new BatchStream(data.trainFull, data.features, config.batchSize, rng);
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1] ?? NaN;
    const settings: Array<{ label: string; method: TrainingMethod; synthHidden: number[] | null }> = [
      { label: 'backprop', method: 'backprop', synthHidden: null },
      ...config.synthesizers.map((h) => ({
        label: `synthetic gradient, ${h.length === 0 ? 'linear' : h.join('×')} synthesizer`,
        method: 'synthetic-gradient' as TrainingMethod,
        synthHidden: h,
      })),
    ];
    const metrics: Record<string, number> = {};
    const curves = settings.map((s) => ({
      series: s.label,
      metric: 'module 1 wait, median ms',
      points: [] as Array<{ step: number; value: number }>,
    }));
    const stepTimes: number[] = [];
    const total = config.depths.length * settings.length * config.steps;
    let done = 0;
    for (const depth of config.depths) {
      for (const [k, setting] of settings.entries()) {
        const modules: Module[] = Array.from({ length: depth }, (_, i) =>
          denseModule({
            name: `h${i + 1}`,
            inputDim: i === 0 ? data.features : config.hidden,
            units: config.hidden,
            batchNorm: true,
            trainable: 'dense',
            seed: ctx.seed * 100 + i,
          }),
        );
        const head = denseModule({
          name: 'logits',
          inputDim: config.hidden,
          units: data.classes,
          activation: 'linear',
          seed: ctx.seed * 100 + 99,
        });
        const synthesizers =
          setting.synthHidden == null
            ? undefined
            : modules.map((_, i) =>
                createSynthesizer({
                  dim: config.hidden,
                  hidden: setting.synthHidden as number[],
                  seed: ctx.seed * 1000 + i,
                }),
              );
        const trainer = new DecoupledTrainer({
          modules,
          head,
          method: setting.method,
          synthesizers,
          loss: (logits, labels) => tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1)),
          optimizer: () => tf.train.adam(3e-5),
          timing: true,
        });
        const first: number[] = [];
        for (let step = 0; step < config.steps; step++) {
          const { images, labels } = batches.nextArrays();
          const { x, y } = toTensors(images, labels, data.features, data.classes);
          const t0 = performance.now();
          const r = await trainer.step(x, y);
          if (step >= config.warmup) {
            first.push(r.waits[0] as number);
            if (depth === config.depths.at(-1) && k === 0) stepTimes.push(performance.now() - t0);
          }
          tf.dispose([x, y]);
          ctx.sampleMemory();
          ctx.progress(++done, total);
        }
        trainer.dispose();
        [...modules, head, ...(synthesizers ?? [])].forEach((m) => m.dispose());
        const m = median(first);
        metrics[`depth ${depth}, ${setting.label}: module 1 wait, median ms`] = m;
        curves[k]?.points.push({ step: depth, value: m });
        ctx.log(
          `depth ${depth}, ${setting.label}: module 1 waits ${m.toFixed(1)} ms (median of ${first.length} steps)`,
        );
      }
    }
    const deepest = config.depths.at(-1) as number;
    const shallowest = config.depths[0] as number;
    const growth = (label: string) =>
      (metrics[`depth ${deepest}, ${label}: module 1 wait, median ms`] as number) /
      (metrics[`depth ${shallowest}, ${label}: module 1 wait, median ms`] as number);
    for (const s of settings)
      metrics[`${s.label}: wait at depth ${deepest} ÷ wait at depth ${shallowest}`] = growth(s.label);
    return {
      primary: { metric: `backprop wait growth, depth ${shallowest} → ${deepest}`, value: growth('backprop') },
      metrics,
      curves,
      stepTimesMs: stepTimes,
      examplesPerStep: config.batchSize,
      notes: ['Curves: x is the depth (number of hidden modules), y the median ms module 1 waits before its update.'],
    };
  },
};
