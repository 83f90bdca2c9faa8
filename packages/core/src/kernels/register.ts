// Where @gradkit/core's fast paths are chosen per backend: the only place backend names appear (measured choices;
// the numbers are in each op's doc comment). A backend not named here runs each op's reference composite.
import { registerExplicitTransposes } from './matMulTransposed';
import { registerWebGpuDenseGrad } from './denseGradWebGpu';
import { registerHostDenseForward } from './denseForwardHost';
import { registerHostOptimizerUpdates } from './optimizerUpdatesHost';
import { registerWebGlOptimizerUpdates } from './optimizerUpdatesWebGl';
import { registerWebGpuOptimizerUpdates } from './optimizerUpdatesWebGpu';
import { registerSumRowsByProduct } from './sumRows';
import { registerHostSparseCrossEntropy } from './sparseCrossEntropyHost';

/**
 * Registers core's kernels. Called by the package's index (a function, not a bare side-effect import: the bundler
 * drops side-effect-only modules of a package whose `sideEffects` field does not list them).
 */
export function registerCoreKernels(): void {
  for (const backend of ['cpu', 'wasm']) registerSumRowsByProduct(backend);
  // transposed products and dense's forward as gemm.wat's SIMD product (gemmHost.ts): in place on wasm's heap, on
  // cpu's arrays copied in and out (40 GFLOP/s against tfjs-cpu's 1)
  for (const [backend, hostCopies] of [
    ['cpu', true],
    ['wasm', false],
  ] as const) {
    registerExplicitTransposes(backend, hostCopies);
    registerHostDenseForward(backend, hostCopies);
  }
  // the sparse cross-entropy in one loop each way (sparseSoftmaxCrossEntropy.ts)
  for (const backend of ['cpu', 'wasm']) registerHostSparseCrossEntropy(backend);
  // the optimizers' updates in one pass per variable (optimizerUpdates.ts)
  for (const backend of ['cpu', 'wasm']) registerHostOptimizerUpdates(backend);
  registerWebGpuOptimizerUpdates('webgpu');
  registerWebGlOptimizerUpdates('webgl');
  // dense's backward in one program (denseGradWebGpu.ts)
  registerWebGpuDenseGrad('webgpu');
}
