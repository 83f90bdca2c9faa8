import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@gradkit/core';
import {
  accuracy,
  batchnormExperiment,
  BatchStream,
  disposePost1Net,
  normals,
  post1Forward,
  post1Net,
  post1Variables,
  type Dataset,
  type Post1Mode,
} from 'mnist-bench/browser';
import { benchProfile, evaluationsEvery, type PlaygroundExperiment } from '../experiment';
import { digitCanvas, element } from '../views';

type Mode = Post1Mode;

/** How many of the single test images the page draws with their two predictions. */
const SHOWN = 20;

/**
 * Post 1, as mnist-bench's `batchnorm` experiment sets it up (its quick profile: 784-100-100-10, sigmoid, N(0, 1)
 * weights shared by both nets, no bias before batch norm, summed cross-entropy, SGD 0.01, batches of 60), composed
 * from @gradkit/batchnorm as a user writes it; then single test images one at a time through the BN net with batch
 * statistics (every image gets the same class) and with population statistics (the right answers).
 */
export const batchnorm: PlaygroundExperiment = {
  name: 'batchnorm',
  title: 'Batch norm vs none, 784-100-100-10 sigmoid, N(0,1) weights, SGD 0.01, batch 60',
  post: 'post 1: batch normalization',
  about:
    'Two networks start from the same N(0, 1) weights and see the same batches; one normalizes each hidden layer by ' +
    "its batch's mean and variance (and learns γ and β), the other does not. Over the post's 40,000 steps the BN net " +
    'ends higher (≈0.97 against ≈0.95); in a quick run the two are close. The point of the demo comes after training: ' +
    'test images go through the BN net one at a time. Normalized by the statistics of a batch of one, every hidden ' +
    'unit is 0 before γ and β, so every image gets the same class; with the population statistics kept during ' +
    'training (EMA, decay 0.99 here: the post’s 0.999 needs thousands of steps to forget its start) the answers are right.',
  quickSteps: 400,
  data: 'mnist',
  async create({ data, seed, steps, view }) {
    const d = await data.mnist();
    const config = { ...benchProfile(batchnormExperiment), steps, evalEvery: evaluationsEvery(steps, 6), decay: 0.99 };
    const rng = createRng(seed);
    const sizes = [d.features, ...config.hidden, d.classes];
    const initial = sizes.slice(1).map((out, i) => normals(rng, (sizes[i] as number) * out));
    // post 1's two nets and their forward pass, as mnist-bench's batchnorm experiment builds them
    const plain = post1Net(sizes, initial, false);
    const bn = post1Net(sizes, initial, true);
    const forward = (layers: typeof plain, x: tf.Tensor2D, mode: Mode): tf.Tensor2D =>
      post1Forward(layers, x, mode, config.decay);
    const variables = post1Variables;
    const sgdPlain = tf.train.sgd(config.learningRate);
    const sgdBn = tf.train.sgd(config.learningRate);
    const summedXent = (y: tf.Tensor2D, logits: tf.Tensor2D) =>
      tf.losses.softmaxCrossEntropy(y, logits, undefined, undefined, tf.Reduction.SUM) as tf.Scalar;
    const batches = new BatchStream(d.train, d.features, config.batchSize, rng);
    const population: Mode = { training: false };

    return {
      config,
      examplesPerStep: 2 * config.batchSize,
      evalEvery: config.evalEvery,
      async step() {
        const { x, y } = batches.next(d.classes);
        const plainLoss = sgdPlain.minimize(
          () => summedXent(y, forward(plain, x, population)),
          true,
          variables(plain),
        ) as tf.Scalar;
        const loss = sgdBn.minimize(
          () => summedXent(y, forward(bn, x, { training: true, update: 'ema' })),
          true,
          variables(bn),
        ) as tf.Scalar;
        await plainLoss.data();
        tf.dispose([plainLoss, x, y]);
        return loss;
      },
      evaluate: async () => ({
        'test accuracy | without BN': await accuracy((x) => forward(plain, x, population), d.test, d.features),
        'test accuracy | with BN (population statistics)': await accuracy(
          (x) => forward(bn, x, population),
          d.test,
          d.features,
        ),
      }),
      async finish(final) {
        const single = await singleExamples(d, config.singleExamples, (x, mode) => forward(bn, x, mode));
        drawSingleExamples(view, d, single);
        const n = config.singleExamples;
        const common = mostCommon(single.batch);
        return {
          primary: {
            metric: 'BN test accuracy (population statistics)',
            value: final['test accuracy | with BN (population statistics)'] as number,
          },
          metrics: {
            'test accuracy without BN': final['test accuracy | without BN'] as number,
            [`first ${n} test images one at a time, batch statistics`]: correct(single.batch, d),
            'distinct classes predicted for them': new Set(single.batch).size,
            [`first ${n} test images one at a time, population statistics`]: correct(single.population, d),
          },
          notes: [
            `One at a time with batch statistics, ${single.batch.filter((c) => c === common).length} of ${n} images are classified as ${common}.`,
          ],
        };
      },
      dispose() {
        disposePost1Net(plain);
        disposePost1Net(bn);
        sgdPlain.dispose();
        sgdBn.dispose();
      },
    };
  },
};

/** The classes the BN net predicts for the first `n` test images fed one at a time, each way. */
async function singleExamples(
  d: Dataset,
  n: number,
  predict: (x: tf.Tensor2D, mode: Mode) => tf.Tensor2D,
): Promise<{ batch: number[]; population: number[] }> {
  const run = async (mode: Mode) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = tf.tidy(() =>
        tf.argMax(
          predict(tf.tensor2d(d.test.images.subarray(i * d.features, (i + 1) * d.features), [1, d.features]), mode),
          1,
        ),
      );
      out.push((await c.data())[0] as number);
      c.dispose();
    }
    return out;
  };
  return { batch: await run({ training: true, update: 'none' }), population: await run({ training: false }) };
}

function correct(predictions: number[], d: Dataset): number {
  return predictions.filter((p, i) => p === d.test.labels[i]).length / predictions.length;
}

function mostCommon(values: number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? NaN;
}

function drawSingleExamples(view: HTMLElement, d: Dataset, single: { batch: number[]; population: number[] }): void {
  view.append(element('h3', `The first ${SHOWN} test images, one at a time through the BN net`));
  const grid = element('ol', '', 'digits');
  grid.setAttribute(
    'aria-label',
    'test images with the class predicted from batch statistics and from population statistics',
  );
  for (let i = 0; i < Math.min(SHOWN, single.batch.length); i++) {
    const label = d.test.labels[i] as number;
    const item = element('li');
    item.append(digitCanvas(d.test.images, i));
    const mark = (c: number) => `${c} ${c === label ? '✓' : '✗'}`;
    item.append(
      element('span', `batch: ${mark(single.batch[i] as number)}`, single.batch[i] === label ? 'right' : 'wrong'),
    );
    item.append(
      element(
        'span',
        `population: ${mark(single.population[i] as number)}`,
        single.population[i] === label ? 'right' : 'wrong',
      ),
    );
    grid.append(item);
  }
  view.append(grid);
}
