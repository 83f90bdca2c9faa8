import type * as tf from '@tensorflow/tfjs-core';
import { DENSE_FORWARD, type DenseForwardAttrs } from '../denseForward';
import { compositeKernel } from './compositeKernel';
import { simdMatMul } from './gemmHost';
import { registerKernelsOnce } from './registerOnce';

/**
 * dense's forward on a backend whose tensors live in a WebAssembly heap: gemm.wat's SIMD product with the bias and
 * relu applied as each block is stored (gemmHost.ts) — with `hostCopies` also on a backend whose arrays live in host
 * memory (cpu), copied in and out; where that cannot run, the backend's own `_FusedMatMul`.
 */
export function registerHostDenseForward(backendName: string, hostCopies = false): void {
  const fallback = compositeKernel(backendName, (call, { x, w, b }, attrs) => {
    const { activation, hasBias } = attrs as DenseForwardAttrs;
    const [n, k] = (x as tf.TensorInfo).shape as [number, number];
    const m = (w as tf.TensorInfo).shape[1] as number;
    const y = call(
      '_FusedMatMul',
      {
        a: call('Reshape', { x: x as tf.TensorInfo }, { shape: [1, n, k] }),
        b: call('Reshape', { x: w as tf.TensorInfo }, { shape: [1, k, m] }),
        ...(hasBias ? { bias: b as tf.TensorInfo } : {}),
      },
      { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0.2 },
    );
    return call('Reshape', { x: y }, { shape: [n, m] });
  });
  registerKernelsOnce(backendName, [
    [
      DENSE_FORWARD,
      (args) => {
        const { x, w, b } = args.inputs as Record<string, tf.TensorInfo>;
        const { activation, hasBias } = args.attrs as unknown as DenseForwardAttrs;
        return (
          simdMatMul(
            args.backend,
            x as tf.TensorInfo,
            w as tf.TensorInfo,
            false,
            false,
            hasBias ? (b as tf.TensorInfo) : null,
            activation === 'relu',
            hostCopies,
          ) ?? fallback(args)
        );
      },
    ],
  ]);
}
