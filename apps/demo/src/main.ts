// A tiny binary network on every available backend: 2-bit XOR through a hidden layer of sign units.
// With straightThrough's clipped estimator it learns; with a bare tf.sign the gradient is silently zero and it
// does not (the discrete-gradient guard says so).
import * as tf from '@tensorflow/tfjs-core';
import { availableBackends, releaseBackends, useBackend } from '@gradkit/backends';
import { setDiscreteGradientPolicy, straightThrough } from '@gradkit/core';

const STEPS = 300;
const binarize = straightThrough((x) => tf.sign(x), { clip: 1 });

function xorData(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  // all four inputs, mapped to ±1, repeated to a batch of 64
  const rows = Array.from({ length: 64 }, (_, i) => [(i >> 1) & 1, i & 1]);
  return {
    x: tf.tensor2d(rows.map(([a, b]) => [2 * a! - 1, 2 * b! - 1])),
    y: tf.tensor2d(rows.map(([a, b]) => [a! ^ b!])),
  };
}

async function train(activation: (x: tf.Tensor) => tf.Tensor): Promise<{ accuracy: number; msPerStep: number }> {
  const { x, y } = xorData();
  const w1 = tf.variable(tf.randomNormal([2, 16], 0, 1, 'float32', 1));
  const b1 = tf.variable(tf.zeros([16]));
  const w2 = tf.variable(tf.randomNormal([16, 1], 0, 0.3, 'float32', 2));
  const b2 = tf.variable(tf.zeros([1]));
  const optimizer = tf.train.adam(0.05);
  const predict = () => tf.add(tf.matMul(activation(tf.add(tf.matMul(x, w1), b1)), w2), b2);
  const start = performance.now();
  for (let step = 0; step < STEPS; step++) {
    optimizer.minimize(() => tf.losses.sigmoidCrossEntropy(y, predict()) as tf.Scalar);
  }
  const logits = tf.tidy(predict);
  await logits.data();
  const msPerStep = (performance.now() - start) / STEPS;
  const correct = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.greater(logits, 0), tf.cast(y, 'bool')), 'float32')));
  const accuracy = (await correct.data())[0] as number;
  tf.dispose([x, y, w1, b1, w2, b2, logits, correct]);
  optimizer.dispose();
  return { accuracy, msPerStep };
}

const report = await availableBackends();
setDiscreteGradientPolicy('ignore'); // the bare-sign run below is meant to fail; the table says so
console.log(
  'backend          device                                                   STE acc  bare sign acc  ms/step',
);
for (const status of report) {
  if (!status.available) {
    console.log(`${status.name.padEnd(16)} unavailable: ${status.reason}`);
    continue;
  }
  await useBackend(status.name);
  const ste = await train(binarize);
  const bare = await train((v) => tf.sign(v));
  console.log(
    `${status.name.padEnd(16)} ${(status.device ?? '').slice(0, 56).padEnd(56)} ${ste.accuracy.toFixed(2).padStart(7)}  ${bare.accuracy.toFixed(2).padStart(13)}  ${ste.msPerStep.toFixed(1).padStart(7)}`,
  );
}
releaseBackends();
