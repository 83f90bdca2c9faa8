import * as tf from '@tensorflow/tfjs-core';
import { compositeKernel } from './compositeKernel';

/** `GradkitSumRows` for a backend: the product 1ᵀ·x of a [1, rows] row of ones and x, reshaped to [cols]. */
export function registerSumRowsByProduct(backendName: string): void {
  if (tf.getKernel('GradkitSumRows', backendName) != null) return;
  tf.registerKernel({
    kernelName: 'GradkitSumRows',
    backendName,
    kernelFunc: compositeKernel(backendName, (call, { x }) => {
      const [rows, cols] = (x as tf.TensorInfo).shape as [number, number];
      const ones = call('Fill', {}, { shape: [1, rows], value: 1, dtype: 'float32' });
      const product = call('BatchMatMul', { a: ones, b: x as tf.TensorInfo }, { transposeA: false, transposeB: false });
      return call('Reshape', { x: product }, { shape: [cols] });
    }),
  });
}
