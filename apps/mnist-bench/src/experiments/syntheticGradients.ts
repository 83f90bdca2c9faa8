import * as tf from '@tensorflow/tfjs-core';
import { epochCheckpoints, type Experiment } from '@gradkit/experiment-runner';
import { DecoupledTrainer, type TrainingMethod } from '@gradkit/synthetic-grad';
import { createRng } from '@gradkit/core';
import { accuracy, BatchStream, toTensors, type BatchStreamState } from '../batches';
import { post8Loss, post8Network } from '../post8Network';
import type { Dataset } from '../mnist';

export interface SyntheticGradientConfig {
  iterations: number;
  batchSize: number;
  learningRate: number;
  hidden: number;
  synthesizerHidden: number[];
  /** Evaluate (train accuracy of the epoch, test accuracy) every this many iterations (the post: every epoch, 234). */
  evalEvery: number;
}

interface Variant {
  name: string;
  method: TrainingMethod;
  conditioned: boolean;
  post: number;
  /** Synthetic loss: the synthesizer's initial output bias (0 is the post's, a dead start; see createSynthesizer). */
  initialLossBias?: number;
}

/**
 * R2RT post 8 (Jaderberg et al. 2016, MNIST): 784 → [Dense 256 → BN → ReLU] ×2 → Dense 10, per-example softmax
 * cross-entropy summed over the batch, one Adam (lr 3e-5) for everything, batch 256 over the 60k training images,
 * reshuffled every epoch. Batch norm's γ/β train only in the backprop run (the post's quiet asymmetry, kept on
 * purpose: `trainable: 'dense'` for the decoupled runs). Per evaluation: the mean training-batch accuracy since the
 * last one and the test accuracy (BN in inference mode).
 */
function syntheticExperiment(variant: Variant): Experiment<Dataset, SyntheticGradientConfig> {
  return {
    name: `dni-${variant.name}`,
    title: `Post 8, ${variant.method}${variant.conditioned ? ' conditioned on labels (cDNI)' : ''}${variant.initialLossBias ? `, synthesizer output bias ${variant.initialLossBias}` : ''}`,
    inDefaultSet: false,
    reference: {
      value: variant.post,
      source: `post 8, final-epoch test accuracy after 25,000 iterations`,
      profile: 'paper',
    },
    profiles: {
      paper: {
        iterations: 25_000,
        batchSize: 256,
        learningRate: 3e-5,
        hidden: 256,
        synthesizerHidden: [1024, 1024],
        evalEvery: 234,
      },
      long: {
        iterations: 2_340,
        batchSize: 256,
        learningRate: 3e-5,
        hidden: 256,
        synthesizerHidden: [1024, 1024],
        evalEvery: 234,
      },
      quick: {
        iterations: 468,
        batchSize: 256,
        learningRate: 3e-5,
        hidden: 256,
        synthesizerHidden: [1024, 1024],
        evalEvery: 117,
      },
      smoke: {
        iterations: 6,
        batchSize: 32,
        learningRate: 3e-5,
        hidden: 16,
        synthesizerHidden: [32, 32],
        evalEvery: 3,
      },
    },
    async run(ctx, config, data) {
      const rng = createRng(ctx.seed);
      const { modules, head, synthesizers } = post8Network({
        features: data.features,
        classes: data.classes,
        hidden: config.hidden,
        synthesizerHidden: config.synthesizerHidden,
        method: variant.method,
        conditioned: variant.conditioned,
        seed: ctx.seed,
        ...(variant.initialLossBias === undefined ? {} : { initialLossBias: variant.initialLossBias }),
      });
      const trainer = new DecoupledTrainer({
        modules,
        head,
        method: variant.method,
        synthesizers,
        loss: post8Loss,
        optimizer: () => tf.train.adam(config.learningRate),
        timing: true,
      });
      const batches = new BatchStream(data.trainFull, data.features, config.batchSize, rng);
      const stepTimes: number[] = [];
      const waits: number[][] = [[], []];
      const points = {
        train: [] as Array<{ step: number; value: number }>,
        test: [] as Array<{ step: number; value: number }>,
        loss: [] as Array<{ step: number; value: number }>,
      };
      // Checkpoints after every evaluation period (the paper profile runs for hours): every variable, batch norm's
      // population statistics, the optimizers, where the RNG and the batch stream stand, and the lists so far.
      const variables = Object.fromEntries(
        [...modules, head, ...(synthesizers ?? [])].flatMap((m, i) =>
          [...m.variables, ...('state' in m ? (m.state ?? []) : [])].map((v, k) => [`${i}/${k}`, v]),
        ),
      );
      const periods = Math.ceil(config.iterations / config.evalEvery);
      const checkpoints = await epochCheckpoints(
        ctx,
        { variables, optimizer: trainer },
        periods,
        {
          trainPoints: points.train,
          testPoints: points.test,
          lossPoints: points.loss,
          stepTimes,
          waits0: waits[0] as number[],
          waits1: waits[1] as number[],
        },
        {
          rng: { get: () => rng.state, set: (v) => (rng.state = v as number) },
          batches: { get: () => batches.snapshot(), set: (v) => batches.restore(v as BatchStreamState) },
          steps: { get: () => trainer.stepsDone, set: (v) => (trainer.stepsDone = v as number) },
        },
      );
      for (let period = checkpoints.start; period < checkpoints.end; period++) {
        let correct = 0;
        let seen = 0;
        let lossSum = 0;
        const last = Math.min(config.iterations, (period + 1) * config.evalEvery);
        for (let it = period * config.evalEvery + 1; it <= last; it++) {
          const { images, labels } = batches.nextArrays();
          const { x, y } = toTensors(images, labels, data.features, data.classes);
          const start = performance.now();
          const r = await trainer.step(x, y);
          stepTimes.push(performance.now() - start);
          r.waits.forEach((w, i) => waits[i]?.push(w));
          lossSum += r.loss * labels.length;
          // training accuracy of this batch with the weights as they were (the post's TR: mean batch accuracy)
          const predicted = tf.tidy(() => tf.argMax(trainer.predict(x, true), 1));
          const p = await predicted.data();
          predicted.dispose();
          p.forEach((c, i) => (correct += c === labels[i] ? 1 : 0));
          seen += labels.length;
          tf.dispose([x, y]);
          ctx.sampleMemory();
          ctx.progress(it, config.iterations);
        }
        points.train.push({ step: last, value: correct / seen });
        points.loss.push({ step: last, value: lossSum / seen });
        points.test.push({
          step: last,
          value: await accuracy((t) => trainer.predict(t, false), data.test, data.features),
        });
        await checkpoints.after(period + 1);
      }
      const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1] ?? NaN;
      trainer.dispose();
      [...modules, head, ...(synthesizers ?? [])].forEach((m) => m.dispose());
      const test = points.test.at(-1)?.value ?? NaN;
      return {
        primary: { metric: 'test accuracy', value: test },
        metrics: {
          'train accuracy (last evaluation period)': points.train.at(-1)?.value ?? NaN,
          'module 1 wait before its update, median ms': median(waits[0] as number[]),
          'module 2 wait before its update, median ms': median(waits[1] as number[]),
          iterations: config.iterations,
        },
        curves: [
          { series: 'train (mean batch accuracy)', metric: 'accuracy', points: points.train },
          { series: 'test', metric: 'accuracy', points: points.test },
          {
            series: 'train',
            metric: 'cross-entropy per example (mean since the last evaluation)',
            points: points.loss,
          },
        ],
        stepTimesMs: stepTimes.slice(Math.min(20, stepTimes.length >> 1)),
        examplesPerStep: config.batchSize,
        notes: [`Module waits: the time between a module's forward pass and its update (${variant.method}).`],
      };
    },
  };
}

export const dniExperiments = [
  { name: 'backprop', method: 'backprop', conditioned: false, post: 0.9801 },
  { name: 'no-backprop', method: 'no-backprop', conditioned: false, post: 0.889 },
  // the post's synthetic loss (zero output bias: the synthesizer never learns), and ours with a live start
  { name: 'synthetic-loss', method: 'synthetic-loss', conditioned: false, post: 0.8429, initialLossBias: 0 },
  { name: 'synthetic-loss-live', method: 'synthetic-loss', conditioned: false, post: 0.8429, initialLossBias: 1 },
  { name: 'synthetic-gradient', method: 'synthetic-gradient', conditioned: false, post: 0.9777 },
  { name: 'cdni', method: 'synthetic-gradient', conditioned: true, post: 0.9801 },
].map((v) => syntheticExperiment(v as Variant));
