import * as tf from '@tensorflow/tfjs-core';
import { assertTensor } from './internal/describe';
import { defineKernelOp, hasKernel } from './kernelOp';

/**
 * The cross-entropy of integer class labels under softmax(logits), one value per row (TensorFlow's
 * `sparse_softmax_cross_entropy_with_logits`, which tfjs lacks):
 *
 *   loss_i = log Σ_j exp(z_ij) − z_{i,y_i}            ∂loss_i/∂z_ij = softmax(z_i)_j − [j = y_i]
 *
 * computed stably (the row maximum is subtracted before exp) with one exp pass: the forward keeps exp(z − max) and
 * its row sums for the backward, and picks the labels' logits with a gather instead of a one-hot product.
 * tfjs's `losses.softmaxCrossEntropy` with one-hot labels takes three exp passes and about twenty [N, C] kernels
 * (casts, identities, products with the one-hot matrix); for a 10,000-word softmax over 1,500 positions that is a
 * large share of a language model's step. Labels are host integers (what a data pipeline holds), checked to lie in
 * [0, C). Where the backend registers `GradkitSparseSoftmaxCE` (cpu and wasm: one loop each way, for up to 2¹⁸ logits)
 * the loss and its gradient are one kernel each instead of about eight and ten. The caller owns the result.
 *
 * @example
 * const loss = tf.mean(sparseSoftmaxCrossEntropy(Int32Array.from([2, 0]), logits)); // logits: [2, classes]
 */
export function sparseSoftmaxCrossEntropy(labels: Int32Array | readonly number[], logits: tf.Tensor2D): tf.Tensor1D {
  assertTensor(logits, 'logits', 'sparseSoftmaxCrossEntropy');
  if (logits.rank !== 2)
    throw new Error(
      `sparseSoftmaxCrossEntropy: logits have shape [${logits.shape.join(',')}], expected [rows, classes]`,
    );
  const [n, c] = logits.shape;
  if (labels.length !== n)
    throw new Error(`sparseSoftmaxCrossEntropy: ${labels.length} labels for ${n} rows of logits, expected one per row`);
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    if (!(Number.isInteger(y) && y >= 0 && y < c))
      throw new RangeError(`sparseSoftmaxCrossEntropy: labels[${i}] = ${y}, expected an integer in [0, ${c})`);
  }
  const ys = Int32Array.from(labels);
  if (hasKernel(SPARSE_CE) && n * c <= KERNEL_LIMIT) {
    return tf.tidy(() => sparseCeOp({ logits, labels: tf.tensor1d(ys, 'int32') }, { classes: c }) as tf.Tensor1D);
  }
  const f = tf.customGrad((z, save) => {
    const max = tf.max(z as tf.Tensor2D, 1, true);
    const shifted = tf.sub(z as tf.Tensor2D, max);
    const e = tf.exp(shifted);
    const sum = tf.sum(e, 1, true);
    // the labels' logits, at flat positions i·C + y_i
    const picked = tf.gather(
      tf.reshape(shifted, [n * c]),
      tf.tensor1d(
        ys.map((y, i) => i * c + y),
        'int32',
      ),
    );
    (save as tf.GradSaveFunc)([e, sum]);
    return {
      value: tf.sub(tf.reshape(tf.log(sum), [n]), picked),
      // dy_i·softmax(z_i) − dy_i at (i, y_i): the second term scattered, no one-hot matrix (tfjs 4.22's wasm
      // oneHot with dtype float32 writes the integers' bit patterns: 1 reads as 1.4e-45)
      gradFunc: (dy: tf.Tensor, [eSaved, sumSaved]: tf.Tensor[]) =>
        tf.sub(
          tf.mul(tf.div(eSaved as tf.Tensor, sumSaved as tf.Tensor), tf.reshape(dy, [n, 1])),
          tf.scatterND(tf.tensor2d(Int32Array.from([...ys].flatMap((y, i) => [i, y])), [n, 2], 'int32'), dy, [n, c]),
        ),
    };
  });
  return f(logits) as tf.Tensor1D;
}

/** The kernels' names (registered per backend in `kernels/`). */
export const SPARSE_CE = 'GradkitSparseSoftmaxCE';
export const SPARSE_CE_GRAD = 'GradkitSparseSoftmaxCEGrad';

/** Logits a kernel call takes at most (the host kernels' loops with exp are plain JavaScript). */
const KERNEL_LIMIT = 1 << 18;

/**
 * The loss as one op: logits [n, C], labels [n] int32 → loss [n] = log Σ_j exp(z_ij) − z_{i,y_i}; its gradient the
 * kernel `GradkitSparseSoftmaxCEGrad`: ∂z_ij = dy_i·(softmax(z_i)_j − [j = y_i]). The reference (the same formula in
 * tfjs ops, the labels' logits picked by a one-hot mask) is what the kernels are tested against; calls on a backend without the
 * kernel take the composite above instead (its labels are host integers, so no label tensor is read back).
 */
export const sparseCeOp = defineKernelOp<{ classes: number }>({
  kernelName: SPARSE_CE,
  reference: ({ logits, labels }, { classes }) => {
    const z = logits as tf.Tensor2D;
    const n = z.shape[0];
    const max = tf.max(z, 1, true);
    const lse = tf.add(tf.log(tf.sum(tf.exp(tf.sub(z, max)), 1)), tf.reshape(max, [n]));
    // the labels' logits through a one-hot mask (differentiable on every backend: wasm has no gather gradient; its
    // float32 oneHot is broken, hence the int32 one cast)
    const mask = tf.cast(tf.oneHot(labels as tf.Tensor1D, classes), 'float32');
    return tf.sub(lse, tf.sum(tf.mul(z, mask), 1));
  },
  kernelHandles: ({ logits }) => (logits as tf.Tensor).size <= KERNEL_LIMIT,
  gradient: {
    inputsToSave: ['logits', 'labels'],
    gradFunc: (dy, [logits, labels], attrs) => ({
      logits: () =>
        tf
          .engine()
          .runKernel(
            SPARSE_CE_GRAD,
            { dy: dy as tf.Tensor, logits: logits as tf.Tensor, labels: labels as tf.Tensor },
            attrs ?? {},
          ) as tf.Tensor,
      labels: () => tf.zerosLike(labels as tf.Tensor),
    }),
  },
});
