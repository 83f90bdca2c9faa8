import * as tf from '@tensorflow/tfjs-core';
import { compositeKernel } from './compositeKernel';
import { simdMatMul } from './gemmHost';

/**
 * `GradkitMatMulTransposed` for a backend: on a backend whose tensors live in a WebAssembly heap (tfjs's wasm) the
 * SIMD product of gemm.wat reads the transposed operands in place (gemmHost.ts: 38 GFLOP/s on [784, 100]ᵀ·[100,
 * 100]) — with `hostCopies`, also on a backend that keeps its arrays in host memory (cpu), the operands copied in and
 * the result out; elsewhere, or where that cannot run, it transposes the flagged operands (on their last two axes) with the
 * backend's Transpose kernel, then one plain BatchMatMul. On wasm (XNNPACK) a product with `transposeB` runs at about
 * 1.2 GFLOP/s and with `transposeA` at 0.4–0.8 against about 20 for a plain one, so even the copies pay for themselves.
 */
export function registerExplicitTransposes(backendName: string, hostCopies = false): void {
  if (tf.getKernel('GradkitMatMulTransposed', backendName) != null) return;
  const composite = compositeKernel(backendName, (call, { a, b }, attrs) => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const last2 = (x: tf.TensorInfo) => {
      const perm = x.shape.map((_, i) => i);
      const n = perm.length;
      [perm[n - 2], perm[n - 1]] = [perm[n - 1] as number, perm[n - 2] as number];
      return call('Transpose', { x }, { perm });
    };
    const left = transposeA ? last2(a as tf.TensorInfo) : (a as tf.TensorInfo);
    const right = transposeB ? last2(b as tf.TensorInfo) : (b as tf.TensorInfo);
    return call('BatchMatMul', { a: left, b: right }, { transposeA: false, transposeB: false });
  });
  tf.registerKernel({
    kernelName: 'GradkitMatMulTransposed',
    backendName,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      return simdMatMul(args.backend, a, b, transposeA, transposeB, null, false, hostCopies) ?? composite(args);
    },
  });
}
