import * as tf from '@tensorflow/tfjs-core';
import type { Experiment } from '@gradkit/experiment-runner';
import { createRng } from '@gradkit/core';
import { ParallelDecoupledTrainer, type Schedule, type StageWeights } from '@gradkit/synthetic-grad';
import { accuracy, BatchStream } from '../batches';
import { buildDniStage, type DniStageArgs } from '../dniStage';
import type { Dataset } from '../mnist';

/** Who trains: backprop and the sequential decoupled trainer in one worker, the parallel schedules in one per stage. */
type Contender = 'backprop' | 'sequential' | 'pipelined' | 'lockstep';

export interface DniParallelConfig {
  iterations: number;
  /** Steps not counted in the throughput (worker start-up, first kernels). */
  warmup: number;
  batchSize: number;
  learningRate: number;
  widths: number[][];
  synthesizerHidden: number[];
  /** Pipelined schedule: batches a stage may run ahead of its top synthesizer's targets. */
  depth: number;
  contenders: Contender[];
}

const NAMES: Record<Contender, string> = {
  backprop: 'backprop, one thread',
  sequential: 'synthetic gradients, sequential (one thread)',
  pipelined: 'synthetic gradients, parallel pipelined (one thread per stage)',
  lockstep: 'synthetic gradients, parallel lockstep (one thread per stage)',
};

/** dist/dniStage.js, from dist/main.js (the bench) or from src/experiments (tests of the built bench). */
function stageModule(): URL {
  return new URL(import.meta.url.includes('/dist/') ? './dniStage.js' : '../../dist/dniStage.js', import.meta.url);
}

/** Test accuracy of the trained weights: the network rebuilt on this thread (same builder), batch norm in inference. */
async function evaluate(args: DniStageArgs, weights: StageWeights, data: Dataset, stages: number): Promise<number> {
  const built = [];
  for (let index = 0; index < stages; index++) built.push(await buildDniStage({ index, count: stages, args }));
  const modules = built.flatMap((s) => s.modules);
  const head = built.at(-1)?.head;
  if (head == null) throw new Error('dni-parallel: the last stage has no head');
  const targets = [...modules.flatMap((m) => [...m.variables, ...(m.state ?? [])]), ...head.variables];
  const values = [...weights.modules, ...weights.head];
  if (targets.length !== values.length)
    throw new Error(`dni-parallel: ${values.length} trained tensors for ${targets.length} variables`);
  targets.forEach((v, i) => {
    const w = values[i] as { shape: number[]; values: Float32Array };
    tf.tidy(() => v.assign(tf.tensor(w.values, w.shape)));
  });
  const test = await accuracy(
    (x) =>
      head.forward(
        modules.reduce((h: tf.Tensor, m) => m.forward(h, false), x),
        false,
      ),
    data.test,
    data.features,
  );
  built.forEach((s) => [...s.modules, ...s.synthesizers, ...(s.head ? [s.head] : [])].forEach((m) => m.dispose()));
  return test;
}

/**
 * Post 8's update unlocking made real: the network split into two stages, each in its own worker thread on its own
 * tfjs backend (@gradkit/synthetic-grad's ParallelDecoupledTrainer), against backprop and the sequential decoupled
 * trainer on the same network, each in one worker thread (the same data path), each trained on the same batches
 * (batch 256 from all 60k training images, reshuffled every epoch; Adam for everything). Throughput = examples per
 * second after `warmup` steps; test accuracy with batch norm in inference mode.
 */
function parallelExperiment(
  name: string,
  title: string,
  profiles: Record<string, DniParallelConfig>,
  reference?: Experiment<Dataset, DniParallelConfig>['reference'],
): Experiment<Dataset, DniParallelConfig> {
  return {
    name,
    title,
    inDefaultSet: false,
    ...(reference ? { reference } : {}),
    profiles,
    async run(ctx, config, data) {
      const stages = 2;
      const metrics: Record<string, number> = {};
      const curves = [];
      const throughput: Partial<Record<Contender, number>> = {};
      const tests: Partial<Record<Contender, number>> = {};
      let stepTimes: number[] = [];
      const total = config.iterations * config.contenders.length;
      for (const [k, contender] of config.contenders.entries()) {
        const args: DniStageArgs = {
          backend: ctx.backend.name,
          features: data.features,
          classes: data.classes,
          widths: config.widths,
          perStage: Math.ceil(config.widths.length / stages),
          synthesizerHidden: config.synthesizerHidden,
          conditioned: false,
          learningRate: config.learningRate,
          seed: ctx.seed,
          trainable: contender === 'backprop' ? 'all' : 'dense',
        };
        const schedule: Schedule = contender === 'backprop' ? 'sequential' : contender;
        const trainer = await ParallelDecoupledTrainer.start({
          stageModule: stageModule(),
          stages,
          args,
          schedule,
          depth: config.depth,
          ...(contender === 'backprop' ? { method: 'backprop' as const } : {}),
        });
        let weights: StageWeights;
        let losses: number[];
        let left: number[];
        const handed: number[] = [];
        let end = 0;
        try {
          // the same batches for every contender: the stream from the run's seed, as in the sequential dni-* runs
          const batches = new BatchStream(data.trainFull, data.features, config.batchSize, createRng(ctx.seed));
          for (let it = 0; it < config.iterations; it++) {
            const { images, labels } = batches.nextArrays();
            const oneHot = new Float32Array(labels.length * data.classes);
            labels.forEach((l, i) => (oneHot[i * data.classes + l] = 1));
            await trainer.step(
              { shape: [labels.length, data.features], values: images },
              { shape: [labels.length, data.classes], values: oneHot },
            );
            handed.push(performance.now());
            ctx.progress(k * config.iterations + it + 1, total);
          }
          losses = await trainer.finish();
          end = performance.now();
          // how well the stages overlap: each worker's share of its time spent computing
          trainer.stageTimes.forEach((t, w) => {
            if (contender === 'pipelined' || contender === 'lockstep')
              metrics[`stage ${w} busy share, ${contender}`] = t.busyMs / (t.busyMs + t.waitMs);
          });
          weights = await trainer.weights();
        } finally {
          left = await trainer.close();
        }
        if (left.some((n) => n !== 0))
          throw new Error(`dni-parallel: ${contender} left [${left}] tensors in its workers`);
        const from = Math.min(config.warmup, config.iterations - 1);
        const seconds = (end - (handed[from] as number)) / 1000;
        throughput[contender] = ((config.iterations - 1 - from) * config.batchSize) / seconds;
        tests[contender] = await evaluate(args, weights, data, stages);
        ctx.sampleMemory();
        metrics[`examples/s, ${NAMES[contender]}`] = throughput[contender] as number;
        metrics[`test accuracy, ${NAMES[contender]}`] = tests[contender] as number;
        metrics[`final training loss (mean of the last 50 steps), ${NAMES[contender]}`] =
          losses.slice(-50).reduce((a, b) => a + b, 0) / Math.min(50, losses.length);
        // per-step intervals as the first stage took the batches (the parallel schedules' steady state)
        const intervals = handed.slice(from + 1).map((t, i) => t - (handed[from + i] as number));
        if (contender === 'pipelined' || stepTimes.length === 0) stepTimes = intervals;
        const every = Math.max(1, Math.floor(losses.length / 200));
        curves.push({
          series: NAMES[contender],
          metric: 'training loss per example',
          points: losses.filter((_, i) => i % every === 0).map((value, i) => ({ step: i * every + 1, value })),
        });
      }
      const ratio = (a: Contender, b: Contender) =>
        throughput[a] != null && throughput[b] != null ? [(throughput[a] as number) / (throughput[b] as number)] : [];
      for (const [label, a, b] of [
        ['pipelined / backprop', 'pipelined', 'backprop'],
        ['pipelined / sequential decoupled', 'pipelined', 'sequential'],
        ['lockstep / sequential decoupled', 'lockstep', 'sequential'],
        ['sequential decoupled / backprop', 'sequential', 'backprop'],
      ] as const)
        for (const r of ratio(a, b)) metrics[`throughput ratio, ${label}`] = r;
      if (tests.pipelined != null && tests.sequential != null)
        metrics['test accuracy, pipelined − sequential (points)'] = 100 * (tests.pipelined - tests.sequential);
      const main: Contender = config.contenders.includes('pipelined')
        ? 'pipelined'
        : (config.contenders[0] as Contender);
      return {
        primary: { metric: `test accuracy, ${NAMES[main]}`, value: tests[main] as number },
        metrics: { ...metrics, iterations: config.iterations },
        curves,
        stepTimesMs: stepTimes,
        examplesPerStep: config.batchSize,
        notes: [
          `Two stages in worker threads; pipelined depth ${config.depth}: a stage's top synthesizer trains on the target of step t − ${config.depth} just before step t (${config.depth - 1} step(s) behind the sequential order).`,
        ],
      };
    },
  };
}

const post = { batchSize: 256, learningRate: 3e-5, widths: [[256], [256]], synthesizerHidden: [1024, 1024], depth: 2 };
const all: Contender[] = ['backprop', 'sequential', 'pipelined', 'lockstep'];

/** Post 8's network and synthesizers: accuracy of the parallel schedule against the sequential decoupled trainer. */
export const dniParallelExperiment = parallelExperiment(
  'dni-parallel',
  "Post 8's network with synthetic gradients in two parallel stages (worker threads) vs sequential and backprop",
  {
    paper: { ...post, iterations: 25_000, warmup: 20, contenders: ['pipelined'] },
    long: { ...post, iterations: 2_340, warmup: 20, contenders: ['backprop', 'sequential', 'pipelined'] },
    quick: { ...post, iterations: 468, warmup: 20, contenders: all },
    smoke: {
      ...post,
      iterations: 6,
      warmup: 1,
      batchSize: 32,
      widths: [[16], [16]],
      synthesizerHidden: [32],
      contenders: all,
    },
  },
  {
    value: 0.9777,
    source: 'post 8, synthetic gradients, final-epoch test accuracy after 25,000 iterations',
    profile: 'paper',
  },
);

/**
 * A network whose two modules cost the same and whose synthesizers are cheap (linear, as in Jaderberg et al.'s
 * smallest): 784 → [1024 → 256] → [1536 → 256] → 10, every layer Dense → BN → ReLU. The post's network cannot show a
 * parallel speed-up over backprop: its first layer is 3/4 of the arithmetic, and its 1024-wide synthesizers cost
 * about 12× the network they serve.
 */
export const dniParallelWideExperiment = parallelExperiment(
  'dni-parallel-wide',
  'Synthetic gradients in two parallel stages on a balanced network with linear synthesizers vs sequential and backprop',
  {
    paper: {
      ...post,
      widths: [
        [1024, 256],
        [1536, 256],
      ],
      synthesizerHidden: [],
      iterations: 25_000,
      warmup: 20,
      contenders: ['backprop', 'sequential', 'pipelined'],
    },
    long: {
      ...post,
      widths: [
        [1024, 256],
        [1536, 256],
      ],
      synthesizerHidden: [],
      iterations: 2_340,
      warmup: 20,
      contenders: ['backprop', 'sequential', 'pipelined'],
    },
    quick: {
      ...post,
      widths: [
        [1024, 256],
        [1536, 256],
      ],
      synthesizerHidden: [],
      iterations: 150,
      warmup: 20,
      contenders: all,
    },
    smoke: {
      ...post,
      iterations: 6,
      warmup: 1,
      batchSize: 32,
      widths: [
        [24, 16],
        [24, 16],
      ],
      synthesizerHidden: [],
      contenders: all,
    },
  },
);
