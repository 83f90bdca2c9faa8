import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from '@gradkit/core';
import { embeddingGradOp } from './embeddingGrad';

/**
 * Looks up rows of an embedding table: out[…] = table[ids[…]] ([…ids, dim]), with a gradient that works on every
 * backend. tfjs differentiates `gather` with UnsortedSegmentSum, which the wasm backend does not have (tfjs #8082),
 * so embeddings cannot train there; here the backward is a scatter-add in a fixed order (embeddingGrad.ts):
 *   ∂L/∂table = Σ over positions p of onehot(ids[p])ᵀ · ∂L/∂out[p]  (repeated ids sum, in ascending p)
 * `ids` are int32 in 0..V−1 and get no gradient. The caller owns the result.
 */
export function embedding(ids: tf.Tensor, table: tf.Tensor): tf.Tensor {
  if (table.rank !== 2)
    throw new Error(`embedding: table has shape [${table.shape.join(',')}], expected [vocabulary, dim]`);
  if (ids.dtype !== 'int32') throw new TypeError(`embedding: ids have dtype ${ids.dtype}, expected int32 token ids`);
  const [vocabulary, dim] = table.shape as [number, number];
  const op = customGradient((t: tf.Tensor) => ({
    value: tf.reshape(tf.gather(t, tf.reshape(ids, [-1])), [...ids.shape, dim]),
    // ids are saved: a gradient computation frees what its forward function created before the backward runs
    save: [ids],
    gradient: (dy: tf.Tensor, [savedIds]: tf.Tensor[]) =>
      embeddingGradOp({ ids: tf.reshape(savedIds as tf.Tensor, [-1]), dy: tf.reshape(dy, [-1, dim]) }, { vocabulary }),
  }));
  return op(table);
}
