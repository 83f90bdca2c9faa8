import * as tf from '@tensorflow/tfjs-core';

/**
 * Registers kernels for a backend, each only if the backend has none of that name yet (a second copy of a package,
 * or a user's own kernel registered first, keeps what is there). For the packages' `kernels/` registration modules.
 */
export function registerKernelsOnce(
  backendName: string,
  kernels: [kernelName: string, kernelFunc: tf.KernelFunc][],
): void {
  for (const [kernelName, kernelFunc] of kernels) {
    if (tf.getKernel(kernelName, backendName) == null) tf.registerKernel({ kernelName, backendName, kernelFunc });
  }
}
