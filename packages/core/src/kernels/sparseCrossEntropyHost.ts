import type * as tf from '@tensorflow/tfjs-core';
import { SPARSE_CE, SPARSE_CE_GRAD } from '../sparseSoftmaxCrossEntropy';
import { hostArrays } from './hostArrays';
import { registerKernelsOnce } from './registerOnce';

/**
 * The sparse softmax cross-entropy (sparseSoftmaxCrossEntropy.ts) on a host-memory backend, one loop over the logits
 * each way, row by row in float64 (max, Σ exp(z − max), then the loss or the gradient):
 *   loss_i = log Σ_j exp(z_ij − m_i) − (z_{i,y_i} − m_i),   ∂z_ij = dy_i·(exp(z_ij − m_i)/Σ_i − [j = y_i])
 */
/** m_i = max_j z_ij of the row of `c` logits at `o`. */
function rowMax(z: Float32Array, o: number, c: number): number {
  let max = -Infinity;
  for (let j = 0; j < c; j++) max = Math.max(max, z[o + j] as number);
  return max;
}

/** Σ_j exp(z_ij − m_i) of the row of `c` logits at `o`, in float64. */
function rowExpSum(z: Float32Array, o: number, c: number, max: number): number {
  let sum = 0;
  for (let j = 0; j < c; j++) sum += Math.exp((z[o + j] as number) - max);
  return sum;
}

const forward: tf.KernelFunc = ({ inputs, backend }) => {
  const { logits, labels } = inputs as Record<string, tf.TensorInfo>;
  const [n, c] = (logits as tf.TensorInfo).shape as [number, number];
  const arrays = hostArrays(backend, [logits, labels] as tf.TensorInfo[], [[n]]);
  const z = arrays.inputs[0] as Float32Array;
  const ys = arrays.inputs[1] as unknown as Int32Array;
  const loss = arrays.outputs[0] as Float32Array;
  for (let i = 0; i < n; i++) {
    const o = i * c;
    const max = rowMax(z, o, c);
    loss[i] = Math.log(rowExpSum(z, o, c, max)) - ((z[o + (ys[i] as number)] as number) - max);
  }
  return arrays.finish()[0] as tf.TensorInfo;
};

const backward: tf.KernelFunc = ({ inputs, backend }) => {
  const { dy, logits, labels } = inputs as Record<string, tf.TensorInfo>;
  const [n, c] = (logits as tf.TensorInfo).shape as [number, number];
  const arrays = hostArrays(backend, [dy, logits, labels] as tf.TensorInfo[], [[n, c]]);
  const d = arrays.inputs[0] as Float32Array;
  const z = arrays.inputs[1] as Float32Array;
  const ys = arrays.inputs[2] as unknown as Int32Array;
  const dz = arrays.outputs[0] as Float32Array;
  for (let i = 0; i < n; i++) {
    const o = i * c;
    const max = rowMax(z, o, c);
    const scale = (d[i] as number) / rowExpSum(z, o, c, max);
    for (let j = 0; j < c; j++) dz[o + j] = scale * Math.exp((z[o + j] as number) - max);
    dz[o + (ys[i] as number)] = (dz[o + (ys[i] as number)] as number) - (d[i] as number);
  }
  return arrays.finish()[0] as tf.TensorInfo;
};

/** Registers the sparse softmax cross-entropy's kernels (loss and gradient) for a host-memory backend. */
export function registerHostSparseCrossEntropy(backendName: string): void {
  registerKernelsOnce(backendName, [
    [SPARSE_CE, forward],
    [SPARSE_CE_GRAD, backward],
  ]);
}
