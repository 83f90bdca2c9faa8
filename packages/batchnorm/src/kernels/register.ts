// Where @gradkit/batchnorm's kernels are registered per backend: the only place backend names appear. A backend not
// named here runs the ops' references (tfjs kernels).
import { registerHostBatchNorm } from './host';
import { registerWebGlBatchNorm } from './webgl';
import { registerWebGpuBatchNorm } from './webgpu';

/** Registers batchnorm's kernels. Called by the package's index (and by the tests' setup file). */
export function registerBatchNormKernels(): void {
  // one loop pass each way on host memory (host.ts)
  registerHostBatchNorm('cpu');
  registerHostBatchNorm('wasm');
  registerWebGpuBatchNorm('webgpu');
  registerWebGlBatchNorm('webgl');
}
