import * as tf from '@tensorflow/tfjs-core';
import { customGradient, defineKernelOp } from '@gradkit/core';

/** The embedding gradient's kernel name in tfjs's registry (registered per backend in `kernels/`). */
export const EMBEDDING_GRAD = 'GradkitEmbeddingGrad';

/**
 * The gradient of an embedding lookup with respect to its table, a scatter-add of the upstream rows:
 *   ∂table[v, :] = Σ_{p : ids[p] = v} dy[p, :]   (ids [P] int32 in 0..V−1, dy [P, dim]; result [V, dim])
 * summed in ascending p on every backend, so that the same inputs give the same bits. The reference is tfjs's
 * ScatterNd (sequential on cpu and wasm, a gather per output on webgl); on webgpu tfjs's ScatterNd adds with atomics,
 * in an order that varies from run to run, so webgpu has its own kernel (kernels/webgpu/embeddingGrad.ts).
 */
export const embeddingGradOp = defineKernelOp<{ vocabulary: number }>({
  kernelName: EMBEDDING_GRAD,
  // tfjs has no gradient for ScatterNd: the reference carries its own (the op is linear in dy)
  reference: ({ ids, dy }, { vocabulary }) => {
    const idColumn = tf.reshape(ids as tf.Tensor, [-1, 1]);
    const shape = [vocabulary, (dy as tf.Tensor).shape[1] as number];
    return customGradient((d: tf.Tensor) => ({
      value: tf.scatterND(idColumn, d, shape),
      gradient: (g: tf.Tensor) => tf.gather(g, tf.reshape(idColumn, [-1])),
    }))(dy as tf.Tensor);
  },
  gradient: {
    inputsToSave: ['ids'],
    // linear in dy: its gradient gathers the upstream rows back; ids get none
    gradFunc: (d, [ids]) => ({
      dy: () => tf.gather(d as tf.Tensor, ids as tf.Tensor),
      ids: () => tf.zerosLike(ids as tf.Tensor),
    }),
  },
});
