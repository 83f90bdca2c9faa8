import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNorm, createPopulationStatistics, disposePopulationStatistics } from '@gradkit/batchnorm';
import { createRng, dense, fused, glorotUniformValues, sparseSoftmaxCrossEntropy } from '@gradkit/core';
import {
  countStepKernels,
  countStepPrograms,
  median,
  timeTrainingSteps,
  type Experiment,
  type StepContender,
} from '@gradkit/experiment-runner';
import { BatchStream } from '../batches';
import type { Dataset } from '../mnist';

export interface SpeedConfig {
  batchSize: number;
  warmup: number;
  timed: number;
}

/** FLOPs of one training step of a dense net (forward 2·n·in·out per layer, backward twice that). */
function stepFlops(batch: number, sizes: number[]): number {
  let f = 0;
  for (let i = 0; i + 1 < sizes.length; i++) f += 2 * batch * (sizes[i] as number) * (sizes[i + 1] as number);
  return 3 * f;
}

/**
 * A benchmark, not a test: one training step (forward, backward, Adam) of the MLP 784-100-100-10 and of the same
 * MLP with batch norm, the way a tfjs user writes them (tf.sequential with tfjs-layers' dense and
 * BatchNormalization: "stock") and with @gradkit's fused `dense` (one kernel forward, explicit-transpose backward
 * on wasm), `batchNorm` with its fused relu, the sparse cross-entropy and fused Adam ("ours"), interleaved step by step on one batch of real images; plus the
 * forward throughput of a 1024 matrix product. Reports medians, ratios and GFLOP/s, and on webgpu and webgl the GPU
 * programs one step of each dispatches.
 */
export const speedExperiment: Experiment<Dataset, SpeedConfig> = {
  name: 'speed',
  title: (data) =>
    `Training-step speed, stock tfjs vs @gradkit: MLP ${data.features}-100-100-10, the same with batch norm, matmul 1024`,
  inDefaultSet: false,
  profiles: {
    quick: { batchSize: 100, warmup: 10, timed: 60 },
    paper: { batchSize: 100, warmup: 50, timed: 500 },
    smoke: { batchSize: 20, warmup: 1, timed: 3 },
  },
  async run(ctx, config, data) {
    const rng = createRng(ctx.seed);
    const sizes = [data.features, 100, 100, data.classes];
    const kernels = sizes.slice(1).map((out, i) => glorotUniformValues([sizes[i] as number, out], rng));
    const { x, y } = new BatchStream(data.train, data.features, config.batchSize, rng).next(data.classes);
    const xent = (logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    // ours: the same mean cross-entropy by @gradkit/core's sparse loss (integer labels, one exp pass)
    const classes = tf.argMax(y, 1);
    const labels = Int32Array.from(await classes.data());
    classes.dispose();
    const sparseXent = (logits: tf.Tensor) =>
      tf.mean(sparseSoftmaxCrossEntropy(labels, logits as tf.Tensor2D)) as tf.Scalar;

    const stock = (withBn: boolean) => {
      const layers: tfl.layers.Layer[] = [];
      sizes.slice(1).forEach((units, i) => {
        const last = i === sizes.length - 2;
        layers.push(
          tfl.layers.dense({
            units,
            useBias: last || !withBn,
            ...(i === 0 ? { inputShape: [data.features] } : {}),
            ...(last || withBn ? {} : { activation: 'relu' }),
          }),
        );
        if (!last && withBn)
          layers.push(
            tfl.layers.batchNormalization({ momentum: 0.999, epsilon: 1e-3 }),
            tfl.layers.activation({ activation: 'relu' }),
          );
      });
      const model = tfl.sequential({ layers });
      return {
        loss: () => xent(model.apply(x, { training: true }) as tf.Tensor),
        vars: model.trainableWeights.map((w) => w.read() as tf.Variable),
        dispose: () => model.dispose(),
      };
    };
    const ours = (withBn: boolean) => {
      const ws = kernels.map((k, i) =>
        tf.tidy(() => tf.variable(tf.tensor2d(k, [sizes[i] as number, sizes[i + 1] as number]))),
      );
      const bs = sizes.slice(1).map((u) => tf.tidy(() => tf.variable(tf.zeros([u]))));
      const bn = withBn
        ? [0, 1].map((i) => ({
            gamma: tf.tidy(() => tf.variable(tf.ones([100]))),
            beta: tf.tidy(() => tf.variable(tf.zeros([100]))),
            stats: createPopulationStatistics(100, `speed_${i}`),
          }))
        : [];
      const loss = () => {
        let h: tf.Tensor = x;
        for (let i = 0; i < 2; i++) {
          const p = bn[i];
          h = p
            ? batchNorm(dense(h, ws[i] as tf.Tensor, null), p, p.stats, { training: true, activation: 'relu' })
            : dense(h, ws[i] as tf.Tensor, bs[i] as tf.Tensor, 'relu');
        }
        return sparseXent(dense(h, ws[2] as tf.Tensor, bs[2] as tf.Tensor));
      };
      const vars = withBn ? [...ws, bs[2] as tf.Variable, ...bn.flatMap((p) => [p.gamma, p.beta])] : [...ws, ...bs];
      return {
        loss,
        vars,
        dispose: () => (
          tf.dispose([...ws, ...bs, ...bn.flatMap((p) => [p.gamma, p.beta])]),
          bn.forEach((p) => disposePopulationStatistics(p.stats))
        ),
      };
    };
    // stock: tf.train.adam, as a tfjs user writes it; ours: @gradkit/core's fused Adam (one kernel per variable)
    const fusedAdam = () => fused.adam(1e-3);
    const contenders: (StepContender & { dispose: () => void })[] = [
      { name: 'stock MLP', ...stock(false) },
      { name: 'ours MLP', ...ours(false), optimizer: fusedAdam },
      { name: 'stock MLP+BN', ...stock(true) },
      { name: 'ours MLP+BN', ...ours(true), optimizer: fusedAdam },
    ];
    const times = await timeTrainingSteps(ctx, contenders, config);
    const ms = Object.fromEntries(contenders.map((c, k) => [c.name, median(times[k] as number[]) as number]));
    // on webgpu and webgl: the GPU programs one step dispatches (null on cpu and wasm); ours also with tfjs's Adam,
    // to show what the fused optimizer saves
    const counted = [
      ...contenders,
      ...contenders
        .filter((c) => c.optimizer != null)
        .map((c) => ({ ...c, name: `${c.name} with tf.train.adam`, optimizer: undefined })),
    ];
    const programs = await countStepPrograms(counted);
    // on every backend: the tfjs kernels one step runs (what dispatch overhead is paid for)
    const kernelCounts = await countStepKernels(counted);
    contenders.forEach((c) => c.dispose());
    tf.dispose([x, y]);
    // forward throughput of a plain 1024 product
    const a = tf.randomNormal([1024, 1024], 0, 1, 'float32', 1);
    const b = tf.randomNormal([1024, 1024], 0, 1, 'float32', 2);
    const matmulTimes: number[] = [];
    for (let i = 0; i < Math.max(3, Math.min(10, config.timed / 5)); i++) {
      const start = performance.now();
      const c = tf.matMul(a, b);
      await c.data();
      matmulTimes.push(performance.now() - start);
      c.dispose();
    }
    tf.dispose([a, b]);
    const flops = stepFlops(config.batchSize, sizes);
    const gflops = (n: number) => flops / (n * 1e6);
    return {
      primary: { metric: 'ms/step, ours MLP', value: ms['ours MLP'] as number },
      metrics: {
        'ms/step, stock MLP (tf.sequential, tfjs-layers dense)': ms['stock MLP'] as number,
        'ms/step, ours MLP (@gradkit/core dense)': ms['ours MLP'] as number,
        'ms/step, stock MLP+BN (tfjs-layers BatchNormalization)': ms['stock MLP+BN'] as number,
        'ms/step, ours MLP+BN (@gradkit/batchnorm)': ms['ours MLP+BN'] as number,
        'stock / ours, MLP': (ms['stock MLP'] as number) / (ms['ours MLP'] as number),
        'stock / ours, MLP+BN': (ms['stock MLP+BN'] as number) / (ms['ours MLP+BN'] as number),
        'GFLOP/s, ours MLP step': gflops(ms['ours MLP'] as number),
        'matmul 1024 forward, GFLOP/s': (2 * 1024 ** 3) / ((median(matmulTimes) as number) * 1e6),
        ...Object.fromEntries(
          counted.flatMap((c, k) => (programs[k] == null ? [] : [[`GPU programs/step, ${c.name}`, programs[k]]])),
        ),
        ...Object.fromEntries(counted.map((c, k) => [`kernels/step, ${c.name}`, kernelCounts[k] as number])),
      },
      stepTimesMs: times[1] ?? [],
      examplesPerStep: config.batchSize,
    };
  },
};
