import * as tf from '@tensorflow/tfjs-core';
import { assertTensor } from './internal/describe';

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
 * [0, C). The caller owns the result.
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
