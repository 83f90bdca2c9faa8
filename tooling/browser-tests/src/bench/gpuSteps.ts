// A benchmark page, not a test (bench.mjs bundles and opens it): one training step of the MLP, the BN-MLP and the
// 2-layer GRU of mnist-bench's `speed` and sequence-bench's `gru-speed`, on the page's backend, with gradkit's kernels
// and fused Adam ("after") and with the kernels off and tfjs's Adam ("before", useKernels(false)), alternating, and
// the GPU programs of one step each way. Reports medians through window.__gradkitBenchDone.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { canCountGpuPrograms, countGpuPrograms } from '@gradkit/backends';
import { batchNorm, createPopulationStatistics } from '@gradkit/batchnorm';
import { dense, fused, sparseSoftmaxCrossEntropy, useKernels } from '@gradkit/core';
import { gruCell, stackedRnn } from '@gradkit/rnn';

interface Model {
  name: string;
  loss: () => tf.Scalar;
  vars: tf.Variable[];
  rounds: { warmup: number; timed: number };
}

declare global {
  interface Window {
    __gradkitBenchDone?: (report: unknown) => void;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

function models(): Model[] {
  const x = tf.randomUniform([100, 784], 0, 1, 'float32', 1);
  const labels = Int32Array.from({ length: 100 }, (_, i) => (i * 7) % 10);
  const mlpVars = (bn: boolean) => {
    const sizes = [784, 100, 100, 10];
    const ws = sizes
      .slice(1)
      .map((o, i) => tf.variable(tf.randomNormal([sizes[i] as number, o], 0, 0.05, 'float32', 10 + i)));
    const bs = sizes.slice(1).map((o) => tf.variable(tf.zeros([o])));
    const ps = bn
      ? [0, 1].map(() => ({
          gamma: tf.variable(tf.ones([100])),
          beta: tf.variable(tf.zeros([100])),
          stats: createPopulationStatistics(100),
        }))
      : [];
    const loss = () => {
      let h: tf.Tensor = x;
      for (let i = 0; i < 2; i++) {
        const p = ps[i];
        h = p
          ? batchNorm(dense(h, ws[i] as tf.Tensor, null), p, p.stats, { training: true, activation: 'relu' })
          : dense(h, ws[i] as tf.Tensor, bs[i] as tf.Tensor, 'relu');
      }
      return tf.mean(sparseSoftmaxCrossEntropy(labels, dense(h, ws[2] as tf.Tensor, bs[2] as tf.Tensor))) as tf.Scalar;
    };
    const vars = bn ? [...ws, bs[2] as tf.Variable, ...ps.flatMap((p) => [p.gamma, p.beta])] : [...ws, ...bs];
    return { loss, vars };
  };
  const seq = tf.randomNormal([32, 50, 128], 0, 1, 'float32', 3) as tf.Tensor3D;
  const cells = [gruCell({ inputSize: 128, units: 128, seed: 1 }), gruCell({ inputSize: 128, units: 128, seed: 11 })];
  return [
    { name: 'MLP 784-100-100-10, batch 100', ...mlpVars(false), rounds: { warmup: 3, timed: 10 } },
    { name: 'MLP+BN, batch 100', ...mlpVars(true), rounds: { warmup: 3, timed: 10 } },
    {
      name: '2-layer GRU 128, batch 32 × 50',
      loss: () => tf.mean(tf.square(stackedRnn(cells, seq).outputs)) as tf.Scalar,
      vars: cells.flatMap((c) => c.variables),
      rounds: { warmup: 1, timed: 3 },
    },
  ];
}

async function run(): Promise<unknown> {
  const backend = new URL(location.href).searchParams.get('backend') as string;
  await tf.setBackend(backend);
  await tf.ready();
  const out: Record<string, unknown>[] = [];
  for (const m of models()) {
    const ways = [
      { way: 'after', kernels: true, optimizer: fused.adam(1e-3) },
      { way: 'before', kernels: false, optimizer: tf.train.adam(1e-3) },
    ];
    const step = async (w: (typeof ways)[number], counted: boolean) => {
      const previous = useKernels(w.kernels);
      try {
        const counter = counted && canCountGpuPrograms() ? countGpuPrograms() : null;
        const start = performance.now();
        const loss = w.optimizer.minimize(m.loss, true, m.vars) as tf.Scalar;
        const programs = counter?.stop() ?? null;
        await loss.data();
        loss.dispose();
        return { ms: performance.now() - start, programs };
      } finally {
        useKernels(previous);
      }
    };
    const times: Record<string, number[]> = { after: [], before: [] };
    const programs: Record<string, number | null> = {};
    for (let i = 0; i < m.rounds.warmup + m.rounds.timed; i++) {
      for (const w of ways) {
        const r = await step(w, i === m.rounds.warmup - 1);
        if (i === m.rounds.warmup - 1) programs[w.way] = r.programs;
        if (i >= m.rounds.warmup) (times[w.way] as number[]).push(r.ms);
      }
    }
    out.push({
      model: m.name,
      msAfter: median(times.after as number[]),
      msBefore: median(times.before as number[]),
      programsAfter: programs.after,
      programsBefore: programs.before,
      timed: m.rounds.timed,
    });
  }
  return { backend, results: out };
}

run().then(
  (report) => window.__gradkitBenchDone?.(report),
  (e: unknown) => window.__gradkitBenchDone?.({ error: String(e) }),
);
