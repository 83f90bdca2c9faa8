import type * as tf from '@tensorflow/tfjs-core';

/** A GLSL program for tfjs's webgl backend (its `GPGPUProgram`, the fields gradkit's kernels use). */
export interface WebGlProgram {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
  customUniforms?: { name: string; type: 'int' | 'float'; arrayIndex?: number }[];
}

/**
 * What gradkit's GLSL kernels use of tfjs's webgl backend (4.22): running a program with one output (one draw call),
 * making and releasing tensors. Typed structurally: core imports no backend.
 */
export interface WebGlBackendLike {
  runWebGLProgram(
    program: WebGlProgram,
    inputs: tf.TensorInfo[],
    dtype: tf.DataType,
    uniforms?: number[][],
  ): tf.TensorInfo;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.BackendValues): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

/** The kernel's backend as tfjs's webgl backend, or one line naming the kernel. */
export function asWebGlBackend(backend: unknown, kernelName: string): WebGlBackendLike {
  if (typeof (backend as Partial<WebGlBackendLike> | null)?.runWebGLProgram !== 'function') {
    throw new Error(`${kernelName}: the backend lacks runWebGLProgram (tfjs-backend-webgl 4.x)`);
  }
  return backend as WebGlBackendLike;
}
