import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@gradkit/core';
import {
  batchNorm,
  createPopulationStatistics,
  disposePopulationStatistics,
  type PopulationStatistics,
} from '@gradkit/batchnorm';
import { accuracy, batchnormExperiment, BatchStream, normals, type Dataset } from 'mnist-bench/browser';
import { benchProfile, evaluationsEvery, type PlaygroundExperiment } from '../experiment';
import { digitCanvas, element } from '../views';

/** One hidden layer: its weights, and for the BN net γ, β and population statistics instead of a bias. */
interface Layer {
  w: tf.Variable;
  b?: tf.Variable;
  gamma?: tf.Variable;
  beta?: tf.Variable;
  stats?: PopulationStatistics;
}

type Mode = { training: true; update: 'ema' | 'none' } | { training: false };

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
    const variable = (make: () => tf.Tensor) => tf.tidy(() => tf.variable(make()));
    const net = (withBn: boolean): Layer[] =>
      sizes.slice(1).map((out, i) => {
        const w = variable(() => tf.tensor2d(initial[i] as Float32Array, [sizes[i] as number, out]));
        return withBn && i < sizes.length - 2
          ? {
              w,
              gamma: variable(() => tf.ones([out])),
              beta: variable(() => tf.zeros([out])),
              stats: createPopulationStatistics(out),
            }
          : { w, b: variable(() => tf.zeros([out])) };
      });
    const plain = net(false);
    const bn = net(true);
    const forward = (layers: Layer[], x: tf.Tensor2D, mode: Mode): tf.Tensor2D => {
      let h: tf.Tensor2D = x;
      for (const [i, l] of layers.entries()) {
        const z = tf.matMul(h, l.w as tf.Tensor2D);
        if (i === layers.length - 1) return tf.add(z, l.b as tf.Tensor) as tf.Tensor2D;
        const input = l.stats
          ? batchNorm(z, { gamma: l.gamma, beta: l.beta }, l.stats, { ...mode, decay: config.decay })
          : tf.add(z, l.b as tf.Tensor);
        h = tf.sigmoid(input) as tf.Tensor2D;
      }
      return h;
    };
    const variables = (layers: Layer[]) =>
      layers.flatMap((l) => [l.w, l.b, l.gamma, l.beta].filter((v): v is tf.Variable => v != null));
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
        tf.dispose([...variables(plain), ...variables(bn)]);
        bn.forEach((l) => l.stats && disposePopulationStatistics(l.stats));
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
