import * as tf from '@tensorflow/tfjs-core';
import { compositeKernel } from './compositeKernel';
import { heapMemory, isHeapBackend } from './hostArrays';
import { simdGemmOn } from './simd/gemm';

/**
 * `GradkitSumRows` for a backend: on a WebAssembly heap (tfjs's wasm) gemm.wat's `colsum` (rows added in order, 4
 * columns per instruction, in place); elsewhere the product 1ᵀ·x of a [1, rows] row of ones and x, reshaped to [cols].
 */
export function registerSumRowsByProduct(backendName: string): void {
  if (tf.getKernel('GradkitSumRows', backendName) != null) return;
  const product = compositeKernel(backendName, (call, { x }) => {
    const [rows, cols] = (x as tf.TensorInfo).shape as [number, number];
    const ones = call('Fill', {}, { shape: [1, rows], value: 1, dtype: 'float32' });
    const p = call('BatchMatMul', { a: ones, b: x as tf.TensorInfo }, { transposeA: false, transposeB: false });
    return call('Reshape', { x: p }, { shape: [cols] });
  });
  tf.registerKernel({
    kernelName: 'GradkitSumRows',
    backendName,
    kernelFunc: (args) => {
      const { backend } = args;
      const x = (args.inputs as { x: tf.TensorInfo }).x;
      const memory = heapMemory(backend);
      const kernel = memory == null ? null : simdGemmOn(memory);
      if (kernel == null || !isHeapBackend(backend) || x.dtype !== 'float32') return product(args);
      const [rows, cols] = x.shape as [number, number];
      const out = backend.makeOutput([cols], 'float32');
      const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
      kernel.colsum(rows, cols, view(x).byteOffset, view(out).byteOffset);
      return out;
    },
  });
}
