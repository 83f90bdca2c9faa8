import * as tf from '@tensorflow/tfjs-core';
import { dense, glorotUniform } from '@gradkit/core';

export type Activation = 'relu' | 'sigmoid';

/**
 * A plain multilayer perceptron: `sizes = [784, 100, 100, 10]` gives two hidden layers; hidden layers use
 * `activation`, the last layer returns logits. Weights are Glorot-uniform from the seeded `rng`, biases zero.
 * The caller disposes it.
 */
export class Mlp {
  readonly weights: tf.Variable[];
  readonly biases: tf.Variable[];

  constructor(
    readonly sizes: number[],
    readonly activation: Activation,
    rng: () => number,
  ) {
    this.weights = [];
    this.biases = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const [fanIn, fanOut] = [sizes[i] as number, sizes[i + 1] as number];
      this.weights.push(tf.tidy(() => tf.variable(glorotUniform([fanIn, fanOut], rng), true, `mlp_w${i}`)));
      this.biases.push(tf.tidy(() => tf.variable(tf.zeros([fanOut]), true, `mlp_b${i}`)));
    }
  }

  /** Logits; each layer is one fused kernel forward with a lean backward (@gradkit/core's `dense`). */
  logits(x: tf.Tensor2D): tf.Tensor2D {
    let h: tf.Tensor2D = x;
    const last = this.weights.length - 1;
    this.weights.forEach((w, i) => {
      h = dense(h, w, this.biases[i] as tf.Tensor1D, i === last ? 'linear' : this.activation);
    });
    return h;
  }

  get variables(): tf.Variable[] {
    return [...this.weights, ...this.biases];
  }

  dispose(): void {
    tf.dispose(this.variables);
  }
}

/** Mean softmax cross-entropy of logits against one-hot labels. */
export function crossEntropy(labels: tf.Tensor2D, logits: tf.Tensor2D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
}

export function makeOptimizer(name: 'adam' | 'sgd', learningRate: number): tf.Optimizer {
  return name === 'adam' ? tf.train.adam(learningRate) : tf.train.sgd(learningRate);
}

/** Changes an optimizer's learning rate between steps (tfjs's SGD and Adam read it on every update). */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (o.learningRate === learningRate) return;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(learningRate);
  else o.learningRate = learningRate;
}
