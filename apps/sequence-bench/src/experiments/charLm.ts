import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@gradkit/core';
import { epochCheckpoints, type Curve, type Experiment } from '@gradkit/experiment-runner';
import { detachState } from '@gradkit/rnn';
import { CharModel, sampleText, validationLoss, type CellKind, type CharModelConfig } from '../charModel';
import type { SequenceData } from '../data';
import { charVocabulary, encodeChars, ptbBatches, ptbWindowCount } from '../text';

export interface CharLmConfig extends CharModelConfig {
  epochs: number;
  learningRate: number;
  /** Stop an epoch after this many windows (0 = the whole text). */
  maxWindows: number;
  /** The held-out tail of the text used for validation. */
  validationFraction: number;
  /** Characters of the text used (0 = all). */
  textLimit: number;
  sampleLength: number;
}

/**
 * R2RT post 3's character language model: embedding → 3 stacked cells of 100 units → softmax, Adam 1e-4, batch 32,
 * PTB batching with the state carried across the windows of an epoch (zero at each epoch's start). Reports the
 * average training loss per epoch (the post's figure), the validation loss on the held-out tail of the text (the
 * post had none), time per epoch, and a sample (top-5, temperature 1).
 */
export function charLmExperiment(
  name: string,
  cell: CellKind,
  numSteps: number,
  paperEpochs: number,
  post: number | null,
  postSource: string,
): Experiment<SequenceData, CharLmConfig> {
  const base = {
    cell,
    layers: 3,
    units: 100,
    batch: 32,
    numSteps,
    learningRate: 1e-4,
    validationFraction: 0.1,
    textLimit: 0,
    sampleLength: 400,
  };
  return {
    name,
    title: `Character LM, 3 × ${cell} of 100, num_steps ${numSteps} (post 3)`,
    inDefaultSet: false,
    ...(post != null ? { reference: { value: post, source: postSource, profile: 'paper' } } : {}),
    profiles: {
      paper: { ...base, epochs: paperEpochs, maxWindows: 0 },
      long: { ...base, epochs: 1, maxWindows: 0 },
      quick: { ...base, epochs: 1, maxWindows: 60 },
      smoke: {
        ...base,
        units: 16,
        epochs: 1,
        maxWindows: 3,
        numSteps: Math.min(numSteps, 10),
        textLimit: 20_000,
        sampleLength: 20,
      },
      // the first epochs with the post's TensorFlow initial weights (does the LSTM leave the unigram plateau sooner?)
      'tf1-init': { ...base, epochs: 2, maxWindows: 0, init: 'tf1' },
      // the paper profile with the post's TensorFlow initial weights for every cell
      'paper-tf1': { ...base, epochs: paperEpochs, maxWindows: 0, init: 'tf1' },
    },
    async run(ctx, config, data) {
      const full = data.text();
      const text = config.textLimit > 0 ? full.slice(0, config.textLimit) : full;
      const vocab = charVocabulary(text);
      const ids = encodeChars(text, vocab);
      const split = Math.floor(ids.length * (1 - config.validationFraction));
      const train = ids.subarray(0, split);
      const valid = ids.subarray(split);
      // the counterpart of the post's graph-build time: tfjs builds no graph (it runs eagerly), so what precedes
      // training is making the model's variables; the first step then pays each kernel's first-use setup
      const setupStart = performance.now();
      const model = new CharModel(config, vocab, ctx.seed);
      const setupMs = performance.now() - setupStart;
      const adam = tf.train.adam(config.learningRate);
      const perEpoch = ptbWindowCount(train.length, config.batch, config.numSteps, config.maxWindows);
      const total = perEpoch * config.epochs;
      const trainCurve: Curve['points'] = [];
      const validCurve: Curve['points'] = [];
      const stepTimes: number[] = [];
      const epochSeconds: number[] = [];
      // Checkpointed after every epoch (the carried state starts at zero each epoch): --resume continues a run.
      const training = { variables: Object.fromEntries(model.variables.map((v, i) => [`v${i}`, v])), optimizer: adam };
      const checkpoints = await epochCheckpoints(ctx, training, config.epochs, {
        trainCurve,
        validCurve,
        stepTimes,
        epochSeconds,
      });
      let done = checkpoints.start * perEpoch;
      for (let epoch = checkpoints.start; epoch < checkpoints.end; epoch++) {
        const start = performance.now();
        let states = model.zeroStates(config.batch);
        let sum = 0;
        let n = 0;
        for (const window of ptbBatches(train, config.batch, config.numSteps)) {
          if (n >= perEpoch) break;
          const t0 = performance.now();
          let next: tf.Tensor2D[][] = [];
          const loss = adam.minimize(
            () => {
              const r = model.loss(window.x, window.y, states);
              next = r.states.map((s) => detachState(s).map((t) => tf.keep(t)));
              return r.loss;
            },
            true,
            model.variables,
          ) as tf.Scalar;
          sum += (await loss.data())[0] as number;
          stepTimes.push(performance.now() - t0);
          tf.dispose([loss, ...states.flat()]);
          states = next;
          n += 1;
          ctx.sampleMemory();
          ctx.progress(++done, total);
        }
        tf.dispose(states.flat());
        epochSeconds.push((performance.now() - start) / 1000);
        trainCurve.push({ step: epoch + 1, value: sum / n });
        validCurve.push({ step: epoch + 1, value: await validationLoss(model, valid) });
        ctx.log(
          `epoch ${epoch + 1}: training loss ${(sum / n).toFixed(4)}, validation ${validCurve.at(-1)?.value.toFixed(4)}, ${epochSeconds.at(-1)?.toFixed(0)} s`,
        );
        await checkpoints.after(epoch + 1);
      }
      const sample = await sampleText(model, 'The ', config.sampleLength, createRng(ctx.seed + 99));
      adam.dispose();
      model.dispose();
      return {
        primary: { metric: 'final-epoch training loss', value: trainCurve.at(-1)?.value ?? NaN },
        metrics: {
          'validation loss (held-out tail)': validCurve.at(-1)?.value ?? NaN,
          'seconds per epoch': epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length,
          'windows per epoch': perEpoch,
          vocabulary: vocab.chars.length,
          'model setup ms (the counterpart of a graph build)': setupMs,
          'first training step ms (first-use kernel setup included)': stepTimes[0] ?? NaN,
        },
        curves: [
          { series: 'training (epoch average)', metric: 'loss, nats per character', points: trainCurve },
          { series: 'validation', metric: 'loss, nats per character', points: validCurve },
        ],
        stepTimesMs: stepTimes.slice(Math.min(5, stepTimes.length >> 1)),
        examplesPerStep: config.batch * config.numSteps,
        notes: [`Sample (top 5): ${JSON.stringify(sample)}`],
      };
    },
  };
}

export const charLmExperiments = [
  charLmExperiment(
    'char-gru-80',
    'gru',
    80,
    20,
    1.7532,
    'post 3: GRU, num_steps 80, final (20th) epoch average training loss on Tiny Shakespeare',
  ),
  charLmExperiment('char-lstm-80', 'lstm', 80, 20, 2.0281, 'post 3: LSTM, num_steps 80, 20th epoch'),
  charLmExperiment('char-ln-lstm-80', 'ln-lstm', 80, 20, 1.7185, 'post 3: LN-LSTM, num_steps 80, 20th epoch'),
  charLmExperiment('char-gru-30', 'gru', 30, 5, 2.0504, 'post 3: GRU, num_steps 30, 5th epoch'),
  charLmExperiment(
    'char-mixture-30',
    'mixture-gru',
    30,
    5,
    2.2017,
    'post 3: GRU with a mixture of 5 input transforms, num_steps 30, 5th epoch',
  ),
  // the post's "num_steps 30 learns faster than 200" compared a GRU at 30 with an LSTM at 200; these two hold the cell fixed
  charLmExperiment('char-lstm-30', 'lstm', 30, 3, null, ''),
  charLmExperiment(
    'char-lstm-200',
    'lstm',
    200,
    3,
    3.2176,
    'post 3: 3-layer LSTM, num_steps 200, 3rd epoch (static graph; dynamic_rnn 3.2829)',
  ),
];
