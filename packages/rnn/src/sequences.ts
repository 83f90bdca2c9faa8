import * as tf from '@tensorflow/tfjs-core';

/**
 * Lengths of zero-padded sequences: the position after the last step that is not all `pad` (R2RT post 4 counts
 * the non-zero steps; this also allows a zero inside a sequence). `x` is [batch, T] (token ids) or [batch, T, F].
 * Returns int32 [batch]; the caller owns it.
 */
export function lengthsFromPadded(x: tf.Tensor, pad = 0): tf.Tensor1D {
  if (x.rank !== 2 && x.rank !== 3)
    throw new Error(
      `lengthsFromPadded: x has shape [${x.shape.join(',')}], expected [batch, time] or [batch, time, features]`,
    );
  return tf.tidy(() => {
    const used = x.rank === 3 ? tf.any(tf.notEqual(x, pad), 2) : tf.notEqual(x, pad);
    const positions = tf.range(1, (x.shape[1] as number) + 1, 1, 'int32');
    return tf.max(tf.mul(tf.cast(used, 'int32'), positions), 1) as tf.Tensor1D;
  });
}

/** [batch, T] float mask, 1 where t < length. The caller owns it. */
export function sequenceMask(lengths: tf.Tensor1D | number[], time: number): tf.Tensor2D {
  return tf.tidy(() => {
    const lens = Array.isArray(lengths) ? tf.tensor1d(lengths, 'int32') : tf.cast(lengths, 'int32');
    return tf.cast(tf.less(tf.range(0, time, 1, 'int32'), tf.expandDims(lens, 1)), 'float32') as tf.Tensor2D;
  });
}

/**
 * The output at each example's last valid step: outputs[b, length[b] − 1] ([batch, units]; zeros for length 0).
 * Computed as Σ_t outputs[b, t]·1[t = length[b] − 1], so its gradient works on every backend (a gather's does
 * not on wasm). The caller owns the result.
 */
export function lastRelevant(outputs: tf.Tensor3D, lengths: tf.Tensor1D | number[]): tf.Tensor2D {
  const [, time] = outputs.shape as [number, number, number];
  return tf.tidy(() => {
    const lens = Array.isArray(lengths) ? tf.tensor1d(lengths, 'int32') : tf.cast(lengths, 'int32');
    const pick = tf.oneHot(tf.sub(lens, tf.scalar(1, 'int32')), time); // [batch, T]; length 0 → all zeros
    return tf.sum(tf.mul(outputs, tf.expandDims(pick, 2)), 1) as tf.Tensor2D;
  });
}

/**
 * R2RT post 4's sequence loss: Σ(mask ⊙ perStepLoss) / Σ mask, the mean over valid steps only. `perStepLoss` is
 * [batch, T]. The caller owns the scalar.
 */
export function maskedSequenceLoss(perStepLoss: tf.Tensor, lengths: tf.Tensor1D | number[]): tf.Scalar {
  if (perStepLoss.rank !== 2)
    throw new Error(
      `maskedSequenceLoss: perStepLoss has shape [${perStepLoss.shape.join(',')}], expected [batch, time]`,
    );
  return tf.tidy(() => {
    const mask = sequenceMask(lengths, perStepLoss.shape[1] as number);
    return tf.div(tf.sum(tf.mul(perStepLoss, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}
