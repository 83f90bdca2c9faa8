import * as tf from '@tensorflow/tfjs-core';
import {
  createSynthesizer,
  denseModule,
  type Module,
  type Synthesizer,
  type TrainingMethod,
} from '@gradkit/synthetic-grad';

export interface Post8NetworkOptions {
  features: number;
  classes: number;
  /** Units of each of the two hidden modules (the post: 256). */
  hidden: number;
  /** The synthesizers' hidden widths (the post: [1024, 1024]). */
  synthesizerHidden: number[];
  method: TrainingMethod;
  /** cDNI: the synthesizers see the one-hot labels. */
  conditioned: boolean;
  seed: number;
  /** Synthetic loss: the synthesizers' initial output bias (see createSynthesizer). */
  initialLossBias?: number;
  /** Appended to the variables' names (several networks side by side). */
  suffix?: string;
}

/**
 * R2RT post 8's MNIST network: features → [Dense → BN → ReLU] ×2 → Dense (logits), with a synthesizer per hidden
 * module for the synthetic methods. Batch norm's γ/β train only under backprop (the post's quiet asymmetry, kept:
 * `trainable: 'dense'` otherwise). Seeds: module i seed·10 + 1 + i, the head seed·10 + 3, synthesizer i seed·100 + i.
 * The caller disposes every part.
 */
export function post8Network(options: Post8NetworkOptions): {
  modules: Module[];
  head: Module;
  synthesizers: Synthesizer[] | undefined;
} {
  const { features, classes, hidden, synthesizerHidden, method, conditioned, seed, suffix = '' } = options;
  const trainable = method === 'backprop' ? 'all' : 'dense';
  const modules = [0, 1].map((i) =>
    denseModule({
      name: `h${i + 1}${suffix}`,
      inputDim: i === 0 ? features : hidden,
      units: hidden,
      batchNorm: true,
      trainable,
      seed: seed * 10 + 1 + i,
    }),
  );
  const head = denseModule({
    name: `logits${suffix}`,
    inputDim: hidden,
    units: classes,
    activation: 'linear',
    seed: seed * 10 + 3,
  });
  const kind = method === 'synthetic-loss' ? 'loss' : 'gradient';
  const synthesizers = method.startsWith('synthetic')
    ? [0, 1].map((i) =>
        createSynthesizer({
          dim: hidden,
          kind,
          hidden: synthesizerHidden,
          labelClasses: conditioned ? classes : 0,
          seed: seed * 100 + i,
          ...(options.initialLossBias === undefined ? {} : { initialLossBias: options.initialLossBias }),
        }),
      )
    : undefined;
  return { modules, head, synthesizers };
}

/** The post's per-example loss: softmax cross-entropy, −Σ y·log softmax(z). */
export function post8Loss(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1));
}
