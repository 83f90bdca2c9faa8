import * as tf from '@tensorflow/tfjs-core';
import { batchNorm } from '@gradkit/batchnorm';
import { dense, glorotUniform } from '@gradkit/core';
import { makeVariable, type Synthesizer } from './module';

export interface SynthesizerOptions {
  /** The size of the module output h whose gradient it predicts (the last axis; h is [batch, dim]). */
  dim: number;
  /** `'gradient'` predicts ∂L/∂h; `'loss'` predicts the per-example loss, ≥ 0 through a square. Default gradient. */
  kind?: 'gradient' | 'loss';
  /** Hidden widths (default [1024, 1024], Jaderberg et al.'s and the post's). */
  hidden?: number[];
  /** Batch norm after each hidden layer, always in training mode (default true, as in the post). */
  batchNorm?: boolean;
  /** Train batch norm's γ/β (default false: the post's helpers never trained them). */
  trainBatchNormParams?: boolean;
  /** Condition on one-hot labels of this many classes (cDNI); default 0 = unconditioned. */
  labelClasses?: number;
  /** Seed of the Glorot-uniform initial weights (default 1). */
  seed?: number;
  /**
   * Synthetic loss only: the initial bias c of the output z, whose square is the predicted loss (default 1).
   * With the post's c = 0, z = 0 and ∂(z²)/∂z = 2z = 0: the synthesizer never receives a gradient, never learns,
   * and no module ever moves (synthetic loss becomes the no-backprop baseline). With c ≠ 0 the prediction starts
   * at c² and its last layer learns, while the zero kernel still keeps ∂ℓ̂/∂h = 0 at step 0.
   */
  initialLossBias?: number;
}

/**
 * The default synthesizer of Jaderberg et al. (2016) as R2RT post 8 builds it:
 * [h (; one-hot labels)] → Dense 1024 → BN → ReLU → Dense 1024 → BN → ReLU → Dense(dim h) (or Dense 1 then a
 * square for a synthetic loss). The last kernel starts at zero, so the module gradient J_iᵀ·ĝ (or ∂ℓ̂/∂h) starts at
 * exactly 0: at step 0 no module moves. The last bias starts at zero too, except for a synthetic loss (see
 * `initialLossBias`). The caller disposes it.
 */
export function createSynthesizer(options: SynthesizerOptions): Synthesizer {
  const {
    dim,
    kind = 'gradient',
    hidden = [1024, 1024],
    batchNorm: useBn = true,
    trainBatchNormParams = false,
    labelClasses = 0,
    seed = 1,
    initialLossBias = 1,
  } = options;
  if (!Number.isInteger(dim) || dim < 1)
    throw new RangeError(`createSynthesizer: dim = ${dim}, expected a positive integer`);
  if (kind !== 'gradient' && kind !== 'loss')
    throw new TypeError(`createSynthesizer: kind = ${JSON.stringify(kind)}, expected 'gradient' or 'loss'`);
  if (!Number.isFinite(initialLossBias))
    throw new RangeError(`createSynthesizer: initialLossBias = ${initialLossBias}, expected a finite number`);
  if (!Number.isInteger(labelClasses) || labelClasses < 0)
    throw new RangeError(`createSynthesizer: labelClasses = ${labelClasses}, expected an integer ≥ 0`);
  const sizes = [dim + labelClasses, ...hidden, kind === 'gradient' ? dim : 1];
  let s = seed;
  const layers = sizes.slice(1).map((out, i) => {
    const fanIn = sizes[i] as number;
    const last = i === sizes.length - 2;
    const w = makeVariable(() => (last ? tf.zeros([fanIn, out]) : glorotUniform([fanIn, out], s++)));
    const b = makeVariable(() => (last && kind === 'loss' ? tf.fill([out], initialLossBias) : tf.zeros([out])));
    const bn =
      !last && useBn ? { gamma: makeVariable(() => tf.ones([out])), beta: makeVariable(() => tf.zeros([out])) } : null;
    return { w, b, bn, last };
  });
  const variables = layers.flatMap((l) => [l.w, l.b, ...(l.bn ? [l.bn.gamma, l.bn.beta] : [])]);
  const trainable = layers.flatMap((l) => [l.w, l.b, ...(l.bn && trainBatchNormParams ? [l.bn.gamma, l.bn.beta] : [])]);
  return {
    kind,
    conditioned: labelClasses > 0,
    variables,
    trainable,
    predict(h: tf.Tensor, labels: tf.Tensor | null): tf.Tensor {
      if (h.rank !== 2 || h.shape[1] !== dim)
        throw new Error(`synthesizer: h has shape [${h.shape.join(',')}], expected [batch, ${dim}]`);
      if (labelClasses > 0 && (labels == null || labels.shape[1] !== labelClasses)) {
        throw new Error(
          `synthesizer: conditioned on ${labelClasses} classes, got labels ${labels == null ? 'null' : `[${labels.shape.join(',')}]`}`,
        );
      }
      return tf.tidy(() => {
        let x: tf.Tensor = labelClasses > 0 ? tf.concat([h, labels as tf.Tensor], 1) : h;
        for (const l of layers) {
          if (l.last) {
            x = dense(x, l.w, l.b);
            break;
          }
          // BN in training mode (batch statistics), no population statistics to keep: the synthesizer is only
          // ever used on training batches.
          x = l.bn
            ? tf.relu(batchNorm(dense(x, l.w, null), l.bn, null, { training: true }))
            : dense(x, l.w, l.b, 'relu');
        }
        return kind === 'loss' ? tf.reshape(tf.square(x), [-1]) : x;
      });
    },
    dispose() {
      tf.dispose(variables);
    },
  };
}
