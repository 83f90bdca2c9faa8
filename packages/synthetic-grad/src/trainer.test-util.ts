// Shared fixtures of the DecoupledTrainer tests (not a test file; excluded from mutation testing).
import * as tf from '@tensorflow/tfjs-core';
import { uniformValues, valuesOf } from '@gradkit/test-harness';
import { denseModule, type Module, type Synthesizer } from './index';

/** Per-example softmax cross-entropy of logits against one-hot labels ([batch]). */
export const crossEntropy = (logits: tf.Tensor, labels: tf.Tensor) =>
  tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1));

/** A small stack: 6 → 5 → 4 → head 3, identical weights for every call with the same seed. */
export function stack(batchNorm = false): { modules: Module[]; head: Module } {
  return {
    modules: [
      denseModule({ name: 'm0', inputDim: 6, units: 5, batchNorm, seed: 1 }),
      denseModule({ name: 'm1', inputDim: 5, units: 4, batchNorm, seed: 2 }),
    ],
    head: denseModule({ name: 'head', inputDim: 4, units: 3, activation: 'linear', seed: 3 }),
  };
}

/** Eight examples of 6 features with one-hot labels of 3 classes. */
export function batch(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return tf.tidy(() => ({
    x: tf.tensor2d(uniformValues(8 * 6, 4, -1, 1), [8, 6]),
    y: tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3) as tf.Tensor2D,
  }));
}

/** The values of every variable of the modules, in order. */
export async function weights(ms: Module[]): Promise<number[][]> {
  return Promise.all(ms.flatMap((m) => m.variables).map((v) => valuesOf(v)));
}

/** A synthesizer with no variables: predict(h) is a fixed function; `seen` records the labels it was given. */
export function fixedSynthesizer(kind: 'gradient' | 'loss', predict: (h: tf.Tensor) => tf.Tensor, conditioned = false) {
  const seen: Array<tf.Tensor | null> = [];
  const s: Synthesizer = {
    kind,
    conditioned,
    trainable: [],
    variables: [],
    dispose: () => undefined,
    predict: (h, labels) => {
      seen.push(labels);
      return tf.tidy(() => predict(h));
    },
  };
  return { s, seen };
}
