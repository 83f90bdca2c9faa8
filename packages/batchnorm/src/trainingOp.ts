import * as tf from '@tensorflow/tfjs-core';
import { defineKernelOp, sumRows, type KernelInputs } from '@gradkit/core';

/** The kernels' names in tfjs's registry (registered per backend in `kernels/`). */
export const BN_TRAIN = 'GradkitBatchNormTrain';
export const BN_TRAIN_GRAD = 'GradkitBatchNormTrainGrad';

/** What a training call normalizes with: ε, the activation after the affine part, which of γ, β, mask are real. */
export interface TrainingAttrs extends tf.NamedAttrMap {
  epsilon: number;
  activation: 'linear' | 'relu';
  hasGamma: boolean;
  hasBeta: boolean;
  hasMask: boolean;
}

/**
 * Training-mode batch norm on a [rows, C] view, as one op: outputs y = act(γ·x̂ + β) [rows, C], the batch moments
 * [2, C] (mean; biased variance) and the count M (a scalar), with
 *   μ = Σ m·x / M,  σ² = Σ m·(x − μ)² / M,  M = max(Σ m, 1),  x̂ = (x − μ)/√(σ² + ε)
 * (m the row mask [rows, 1], 1 without one). Absent γ, β, mask are passed as fresh scalars with their flag false:
 * tfjs saves inputs by name, so every name must be present, and a tensor no gradient flows to is pruned from the
 * backward pass. A kernel handles unmasked calls; masked ones run this reference.
 */
export const trainingOp = defineKernelOp<TrainingAttrs, tf.Tensor[]>({
  kernelName: BN_TRAIN,
  reference: ({ x, gamma, beta, mask }, { epsilon, activation, hasGamma, hasBeta, hasMask }) => {
    const xin = x as tf.Tensor2D;
    const m = hasMask ? (mask as tf.Tensor) : null;
    const count = m == null ? tf.scalar(xin.shape[0]) : tf.sum(m);
    const safe = tf.maximum(count, 1);
    const mean = tf.div(sumRows(m == null ? xin : tf.mul(xin, m)), safe);
    const centered = tf.sub(xin, mean);
    const variance = tf.div(sumRows(m == null ? tf.square(centered) : tf.mul(tf.square(centered), m)), safe);
    const xhat = tf.mul(centered, tf.rsqrt(tf.add(variance, epsilon)));
    let y = hasGamma ? tf.mul(xhat, gamma as tf.Tensor) : xhat;
    if (hasBeta) y = tf.add(y, beta as tf.Tensor);
    if (activation === 'relu') y = tf.relu(y);
    return [y, tf.stack([mean, variance]), count];
  },
  kernelHandles: (_, { hasMask }) => !hasMask,
  gradient: {
    inputsToSave: ['x', 'gamma', 'mask'],
    outputsToSave: [true, true, false],
    gradFunc: (dys, saved, attrs) => {
      const [x, gamma, mask, y, moments] = saved as tf.Tensor[];
      const a = attrs as unknown as TrainingAttrs;
      const [dx, dgamma, dbeta] = trainingGradOp(
        {
          dy: (dys as tf.Tensor[])[0] as tf.Tensor,
          x: x as tf.Tensor,
          moments: moments as tf.Tensor,
          gamma: gamma as tf.Tensor,
          y: y as tf.Tensor,
          mask: mask as tf.Tensor,
        },
        a,
      ) as [tf.Tensor, tf.Tensor, tf.Tensor];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta, mask: () => tf.zerosLike(mask as tf.Tensor) };
    },
  },
});

/**
 * The training-mode backward, with g = ∂L/∂y ⊙ act′ (relu: 1[y > 0]) ⊙ γ, s = √(σ² + ε), M and m as above:
 *   ∂L/∂x = (g − m·Σg/M − m·x̂·Σ(g·x̂)/M)/s,  ∂L/∂γ = Σ (∂L/∂y ⊙ act′)·x̂,  ∂L/∂β = Σ ∂L/∂y ⊙ act′
 * (sums over the rows); returns [∂x, ∂γ, ∂β] whatever is present (the op's gradient keeps what it needs).
 */
export const trainingGradOp = defineKernelOp<TrainingAttrs, tf.Tensor[]>({
  kernelName: BN_TRAIN_GRAD,
  reference: ({ dy, x, moments, gamma, y, mask }: KernelInputs, { epsilon, activation, hasGamma, hasMask }) => {
    const xin = x as tf.Tensor2D;
    const [mean, variance] = tf.unstack(moments as tf.Tensor) as [tf.Tensor, tf.Tensor];
    const m = hasMask ? (mask as tf.Tensor) : null;
    const count = m == null ? tf.scalar(xin.shape[0]) : tf.sum(m);
    const safe = tf.maximum(count, 1);
    const inv = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(tf.sub(xin, mean), inv);
    const d = activation === 'relu' ? tf.mul(dy as tf.Tensor, tf.step(y as tf.Tensor, 0)) : (dy as tf.Tensor);
    const g = hasGamma ? tf.mul(d, gamma as tf.Tensor) : d;
    const sumG = tf.div(sumRows(g), safe);
    const sumGX = tf.div(sumRows(tf.mul(g, xhat)), safe);
    const correction = tf.add(sumG, tf.mul(xhat, sumGX));
    const dx = tf.mul(tf.sub(g, m ? tf.mul(m, correction) : correction), inv);
    return [dx, sumRows(tf.mul(d, xhat)), sumRows(d)];
  },
  kernelHandles: (_, { hasMask }) => !hasMask,
  gradient: {
    gradFunc: () => {
      throw new Error(`${BN_TRAIN_GRAD}: batch norm's backward has no gradient of its own (no second derivatives)`);
    },
  },
});
