import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@gradkit/core';
import { detachState } from '@gradkit/rnn';
import {
  CharModel,
  charVocabulary,
  encodeChars,
  ptbBatches,
  sampleText,
  validationLoss,
  type CharModelConfig,
} from 'sequence-bench/browser';
import { evaluationsEvery, type PlaygroundExperiment } from '../experiment';
import { element } from '../views';

/** Held-out windows the validation loss is measured on at each evaluation (the tail of the text). */
const VALIDATION_WINDOWS = 4;

/**
 * Post 3's character language model from sequence-bench (embedding → GRU → softmax over the characters, PTB
 * batching with the state carried from window to window), trained on Moby Dick at a size that learns in a quick
 * run (one GRU of 64, windows of 16 characters in 32 streams, Adam 2e-2; the post: three layers of 100, windows of
 * 80 in 32 streams, Adam 1e-4 for 20 epochs); at every evaluation it writes a sample (top 5), so the text sharpens as it trains.
 */
export const charGru: PlaygroundExperiment = {
  name: 'char-gru',
  title: 'Character GRU on Moby Dick, writing as it learns',
  post: 'posts 2–3: recurrent networks, character language models',
  about:
    'A GRU of 64 units reads Moby Dick one character at a time and learns to predict the next. Windows of 16 ' +
    'characters in 32 parallel streams of the text; the state carries from one window to the next with its gradient cut at the edge ' +
    '(truncated backpropagation through time). At each evaluation the model writes 120 characters after “The ”: ' +
    'noise first, then spaces and common letters, then words. @gradkit/rnn’s GRU, embedding and sampler.',
  quickSteps: 80,
  data: 'text',
  xTitle: 'training step (32 × 16 characters)',
  async create({ data, seed, steps, view }) {
    const text = await data.text();
    const config: CharModelConfig & { learningRate: number; sampleLength: number } = {
      cell: 'gru',
      layers: 1,
      units: 64,
      batch: 32,
      numSteps: 16,
      learningRate: 2e-2,
      sampleLength: 120,
    };
    const vocab = charVocabulary(text);
    const ids = encodeChars(text, vocab);
    const validLength = config.batch * (config.numSteps * VALIDATION_WINDOWS + 1);
    const train = ids.subarray(0, ids.length - validLength);
    const valid = ids.subarray(ids.length - validLength);
    const model = new CharModel(config, vocab, seed);
    const adam = tf.train.adam(config.learningRate);
    const random = createRng(seed + 99);
    let windows = ptbBatches(train, config.batch, config.numSteps);
    let states = model.zeroStates(config.batch);
    let lastSample = '';
    const samples = element('ol', '', 'samples');
    samples.setAttribute('aria-label', 'text written by the model as it trains, newest last');
    view.append(element('h3', 'What the model writes after “The ”'), samples);
    let stepsDone = 0;
    return {
      config: { ...config, vocabulary: vocab.chars.length, steps },
      examplesPerStep: config.batch * config.numSteps,
      evalEvery: evaluationsEvery(steps, 4),
      step() {
        let next = windows.next();
        if (next.done === true) {
          // a new epoch starts from the beginning of the text with a zero state
          windows = ptbBatches(train, config.batch, config.numSteps);
          tf.dispose(states.flat());
          states = model.zeroStates(config.batch);
          next = windows.next();
        }
        const window = next.value as { x: Int32Array; y: Int32Array };
        let carried: tf.Tensor2D[][] = [];
        const loss = adam.minimize(
          () => {
            const r = model.loss(window.x, window.y, states);
            carried = r.states.map((s) => detachState(s).map((t) => tf.keep(t)));
            return r.loss;
          },
          true,
          model.variables,
        ) as tf.Scalar;
        tf.dispose(states.flat());
        states = carried;
        stepsDone += 1;
        return loss;
      },
      async evaluate() {
        const loss = await validationLoss(model, valid);
        lastSample = await sampleText(model, 'The ', config.sampleLength, random);
        const item = element('li');
        item.append(element('span', `step ${stepsDone}`, 'sample-step'), element('q', lastSample.replace(/\n/g, '↵')));
        samples.append(item);
        return { 'loss, nats per character | validation (held-out tail)': loss };
      },
      async finish(final) {
        return {
          primary: {
            metric: 'validation loss, nats per character',
            value: final['loss, nats per character | validation (held-out tail)'] as number,
          },
          metrics: { vocabulary: vocab.chars.length, 'characters seen': stepsDone * config.batch * config.numSteps },
          notes: [`Sample (top 5): ${JSON.stringify(lastSample)}`],
        };
      },
      dispose() {
        tf.dispose(states.flat());
        adam.dispose();
        model.dispose();
      },
    };
  },
};
