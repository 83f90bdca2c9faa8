import * as tf from '@tensorflow/tfjs-core';
import { canCountGpuPrograms, countGpuPrograms } from '@gradkit/backends';
import { dense, glorotUniform, sparseSoftmaxCrossEntropy, useKernels } from '@gradkit/core';
import { epochCheckpoints, type Experiment } from '@gradkit/experiment-runner';
import { createInitialState, type InitialStateMethod } from '@gradkit/initial-states';
import { embedding, lstmCell, stackedRnn } from '@gradkit/rnn';
import type { SequenceData } from '../data';
import { encodeWords, tokenize, wordVocabulary } from '../spam';
import { ptbBatches, ptbWindowCount } from '../text';
import { tf1Limit, tf1Weights } from './tf1Init';

export interface StatesConfig {
  method: InitialStateMethod;
  vocabulary: number;
  layers: number;
  units: number;
  batch: number;
  numSteps: number;
  epochs: number;
  learningRate: number;
  maxWindows: number;
  textLimit: number;
  /**
   * Initial weights: 'ours' (embedding ±0.1, Glorot softmax, the LSTM's defaults) or 'tf1' (the post's TensorFlow:
   * UniformUnitScaling everywhere — embedding ±√(3/vocabulary), softmax ±√(3/units), each LSTM's joint matrix
   * ±√(3/(input + units))). Default 'ours'.
   */
  init?: 'ours' | 'tf1';
  /** Also count a step with gradkit's kernels off (the third step): for the `gpu-programs` profile only. */
  countWithoutKernels?: boolean;
}

/**
 * R2RT post 7's "truncated" language model, on Moby Dick words instead of PTB: vocabulary 10,000 (paragraph breaks
 * as <eos>), batch 30, num_steps 50, 2 × LSTM 200, embedding 200, Adam 1e-3, the loss summed over time of the
 * batch means; the state is reset at every training step to the provider's initial state (zero, variable, noisy,
 * noisy variable), so the data behaves like many short sequences. Validation (the held-out tail, no noise) and
 * training perplexity per epoch, and validation perplexity by position in the window at the best epoch.
 */
function statesExperiment(method: InitialStateMethod, post: number): Experiment<SequenceData, StatesConfig> {
  const base = {
    method,
    vocabulary: 10_000,
    layers: 2,
    units: 200,
    batch: 30,
    numSteps: 50,
    learningRate: 1e-3,
    maxWindows: 0,
    textLimit: 0,
  };
  return {
    name: `states-${method}`,
    title: `Word LM with the state reset every step, ${method} initial state (post 7)`,
    inDefaultSet: false,
    reference: {
      value: post,
      source: `post 7: best validation perplexity on truncated PTB, ${method}`,
      profile: 'paper',
    },
    profiles: {
      // the post's 20 epochs with its TensorFlow initial weights; checkpointed per epoch (--resume continues it)
      paper: { ...base, epochs: 20, init: 'tf1' },
      // one epoch with the post's initial weights
      'short-tf1': { ...base, epochs: 1, init: 'tf1' },
      'long-tf1': { ...base, epochs: 3, init: 'tf1' },
      long: { ...base, epochs: 3 },
      // one full epoch, for repeating the comparison over seeds
      short: { ...base, epochs: 1 },
      quick: { ...base, epochs: 1, maxWindows: 30 },
      // the post's model on a 200,000-character slice of the text, 3 windows: for GPU program counts (reported on
      // webgpu and webgl for the second training step), which do not depend on how long it trains
      'gpu-programs': { ...base, epochs: 1, maxWindows: 3, textLimit: 200_000, countWithoutKernels: true },
      smoke: {
        ...base,
        epochs: 2,
        maxWindows: 3,
        vocabulary: 300,
        units: 16,
        numSteps: 10,
        batch: 8,
        textLimit: 40_000,
      },
    },
    async run(ctx, config, data) {
      const full = data.text();
      const text = config.textLimit > 0 ? full.slice(0, config.textLimit) : full;
      const tokens = text.split(/\n\s*\n/).flatMap((p) => [...tokenize(p), '<eos>']);
      const split = Math.floor(tokens.length * 0.9);
      const vocab = wordVocabulary([tokens.slice(0, split)], config.vocabulary);
      const ids = Int32Array.from(encodeWords(tokens, vocab, tokens.length));
      const train = ids.subarray(0, split);
      const valid = ids.subarray(split);
      const v = vocab.words.length;
      const u = config.units;
      const tf1 = config.init === 'tf1';
      const embeddingLimit = tf1 ? tf1Limit(v) : 0.1;
      const table = tf.tidy(() =>
        tf.variable(tf.randomUniform([v, u], -embeddingLimit, embeddingLimit, 'float32', ctx.seed)),
      );
      const cells = Array.from({ length: config.layers }, (_, l) => {
        const seed = ctx.seed + 10 * (l + 1);
        return lstmCell({ inputSize: u, units: u, seed, ...(tf1 ? { makeWeight: tf1Weights(2 * u, seed) } : {}) });
      });
      const w = tf.tidy(() =>
        tf.variable(
          tf1
            ? tf.randomUniform([u, v], -tf1Limit(u), tf1Limit(u), 'float32', ctx.seed + 1)
            : glorotUniform([u, v], ctx.seed + 1),
        ),
      );
      const b = tf.tidy(() => tf.variable(tf.zeros([v])));
      const init = createInitialState({
        spec: cells.map((c) => c.stateSizes),
        method,
        stddev: 0.3,
        seed: ctx.seed + 2,
      });
      const variables = [table, ...cells.flatMap((c) => c.variables), w, b, ...init.variables];
      const adam = tf.train.adam(config.learningRate);
      const { batch, numSteps } = config;

      /** Per-position cross-entropy [numSteps] (mean over the batch) of one window from a fresh initial state. */
      const perPosition = (x: Int32Array, y: Int32Array, training: boolean): tf.Tensor1D => {
        const states = init.state(batch, { training }) as tf.Tensor2D[][];
        const { outputs } = stackedRnn(cells, embedding(tf.tensor2d(x, [batch, numSteps], 'int32'), table), {
          initialStates: states,
        });
        const logits = dense(tf.reshape(outputs, [batch * numSteps, u]), w, b);
        const ce = sparseSoftmaxCrossEntropy(y, logits);
        return tf.mean(tf.reshape(ce, [batch, numSteps]), 0) as tf.Tensor1D;
      };
      const perEpoch = ptbWindowCount(train.length, batch, numSteps, config.maxWindows);
      const total = perEpoch * config.epochs;
      const trainPpl: Array<{ step: number; value: number }> = [];
      const validPpl: Array<{ step: number; value: number }> = [];
      const positionsByEpoch: number[][] = [];
      const stepTimes: number[] = [];
      const epochSeconds: number[] = [];
      let programsPerStep: number | null = null;
      let programsWithoutKernels: number | null = null;
      // Checkpointed after every epoch: an interrupted paper-profile run continues with --resume.
      const training = {
        variables: Object.fromEntries([
          ['embedding', table],
          ...cells.flatMap((c, l) => c.variables.map((v, i) => [`cell${l}/${i}`, v] as const)),
          ['softmax/w', w],
          ['softmax/b', b],
          ...init.variables.map((v, i) => [`initial/${i}`, v] as const),
        ]) as Record<string, tf.Variable>,
        optimizer: adam,
      };
      const checkpoints = await epochCheckpoints(
        ctx,
        training,
        config.epochs,
        { trainPpl, validPpl, positionsByEpoch, stepTimes, epochSeconds },
        {
          noiseSeed: { get: () => init.noiseSeed, set: (seed) => (init.noiseSeed = seed as number) },
        },
      );
      let done = checkpoints.start * perEpoch;
      for (let epoch = checkpoints.start; epoch < checkpoints.end; epoch++) {
        const start = performance.now();
        let sum = 0;
        let n = 0;
        for (const window of ptbBatches(train, batch, numSteps)) {
          if (n >= perEpoch) break;
          const t0 = performance.now();
          // on webgpu and webgl, the GPU programs of the second step (the first also makes Adam's slots), and with
          // countWithoutKernels those of the third with gradkit's kernels off (the LSTM stepped)
          const counted = done === 1 || (done === 2 && config.countWithoutKernels === true);
          const counter = counted && canCountGpuPrograms() ? countGpuPrograms() : null;
          const previous = done === 2 && counter != null ? useKernels(false) : null;
          // the post minimizes the per-step batch means summed over time
          const loss = adam.minimize(
            () => tf.sum(perPosition(window.x, window.y, true)) as tf.Scalar,
            true,
            variables,
          ) as tf.Scalar;
          if (counter != null && previous == null) programsPerStep = counter.stop();
          if (counter != null && previous != null) {
            programsWithoutKernels = counter.stop();
            useKernels(previous);
          }
          sum += ((await loss.data())[0] as number) / numSteps;
          stepTimes.push(performance.now() - t0);
          loss.dispose();
          n += 1;
          ctx.sampleMemory();
          ctx.progress(++done, total);
        }
        epochSeconds.push((performance.now() - start) / 1000);
        trainPpl.push({ step: epoch + 1, value: Math.exp(sum / n) });
        const positions = new Array<number>(numSteps).fill(0);
        let windows = 0;
        for (const window of ptbBatches(valid, batch, numSteps)) {
          const p = tf.tidy(() => perPosition(window.x, window.y, false));
          (await p.data()).forEach((value, i) => (positions[i] = (positions[i] as number) + value));
          p.dispose();
          windows += 1;
        }
        const mean = positions.map((s) => s / windows);
        positionsByEpoch.push(mean);
        validPpl.push({ step: epoch + 1, value: Math.exp(mean.reduce((a, c) => a + c, 0) / numSteps) });
        ctx.log(
          `epoch ${epoch + 1}: training perplexity ${trainPpl.at(-1)?.value.toFixed(2)}, validation ${validPpl.at(-1)?.value.toFixed(2)}, ${epochSeconds.at(-1)?.toFixed(0)} s`,
        );
        await checkpoints.after(epoch + 1);
      }
      const best = validPpl.reduce((a, c) => (c.value < a.value ? c : a));
      const bestPositions = (positionsByEpoch[best.step - 1] as number[]).map((l, i) => ({
        step: i,
        value: Math.exp(l),
      }));
      adam.dispose();
      init.dispose();
      cells.forEach((c) => c.dispose());
      tf.dispose([table, w, b]);
      return {
        primary: { metric: 'best validation perplexity', value: best.value },
        metrics: {
          'best epoch': best.step,
          'training perplexity at the best epoch': trainPpl[best.step - 1]?.value ?? NaN,
          'final validation perplexity': validPpl.at(-1)?.value ?? NaN,
          'seconds per epoch': epochSeconds.reduce((a, c) => a + c, 0) / epochSeconds.length,
          'windows per epoch': perEpoch,
          'tokens (train + validation)': ids.length,
          ...(programsPerStep == null ? {} : { 'GPU programs/step (the second training step)': programsPerStep }),
          ...(programsWithoutKernels == null
            ? {}
            : {
                'GPU programs/step with gradkit kernels off (the third step, the LSTM stepped)': programsWithoutKernels,
              }),
        },
        curves: [
          { series: 'training', metric: 'perplexity by epoch', points: trainPpl },
          { series: 'validation', metric: 'perplexity by epoch', points: validPpl },
          {
            series: `validation, epoch ${best.step}`,
            metric: 'perplexity by position in the window (best epoch)',
            points: bestPositions,
          },
        ],
        stepTimesMs: stepTimes.slice(Math.min(3, stepTimes.length >> 1)),
        examplesPerStep: batch * numSteps,
      };
    },
  };
}

export const statesExperiments = [
  statesExperiment('zero', 162.42),
  statesExperiment('variable', 147.41),
  statesExperiment('noisy', 154.25),
  statesExperiment('noisy-variable', 145.26),
];
