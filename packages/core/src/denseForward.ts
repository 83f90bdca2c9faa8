import * as tf from '@tensorflow/tfjs-core';
import { defineKernelOp } from './kernelOp';

/** The name of dense's forward kernel (registered per backend in `kernels/`). */
export const DENSE_FORWARD = 'GradkitDenseForward';

/** Attributes of the dense forward: the activation and whether a bias is given (input `b`). */
export interface DenseForwardAttrs extends tf.NamedAttrMap {
  activation: 'linear' | 'relu' | 'sigmoid';
  hasBias: boolean;
}

/**
 * dense's forward as one op: y = act(x·W + b) for float32 x [n, k], W [k, m], b [m] (input `b` a placeholder scalar
 * when `hasBias` is false). The reference is tfjs's own fused kernel, `_FusedMatMul`; a backend may register a faster
 * one (wasm: gemm.wat's SIMD product with the bias and relu in its last pass; sigmoid runs the reference). dense
 * brings the gradient (this op has none of its own).
 */
export const denseForwardOp = defineKernelOp<DenseForwardAttrs>({
  kernelName: DENSE_FORWARD,
  reference: ({ x, w, b }, { activation, hasBias }) => {
    const [n, k] = (x as tf.Tensor).shape as [number, number];
    const m = (w as tf.Tensor).shape[1] as number;
    return tf.reshape(
      tf.engine().runKernel(
        '_FusedMatMul',
        {
          a: tf.reshape(x as tf.Tensor, [1, n, k]),
          b: tf.reshape(w as tf.Tensor, [1, k, m]),
          ...(hasBias ? { bias: b as tf.Tensor } : {}),
        },
        { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0.2 },
      ) as tf.Tensor,
      [n, m],
    );
  },
  kernelHandles: (_, { activation }) => activation !== 'sigmoid',
  gradient: {
    gradFunc: () => {
      throw new Error(`${DENSE_FORWARD}: dense brings the gradient of its forward (this op has none of its own)`);
    },
  },
});
