/**
 * @gradkit/core — gradient overrides for TensorFlow.js.
 *
 * Importing this module registers tfjs-core's gradients and chained ops where they are missing (tfjs-core's
 * Node build ships none) and installs the discrete-gradient guard.
 */
import './register-gradients';
import { registerCoreKernels } from './kernels/register';

registerCoreKernels();

export { customGradient, type CustomGradientResult, type GradientEntry, type Upstream } from './customGradient';
export { dense, type DenseActivation } from './dense';
export { glorotUniform, glorotUniformValues, type GlorotShape } from './glorot';
export {
  DISCRETE_KERNELS,
  getDiscreteGradientPolicy,
  setDiscreteGradientPolicy,
  traceDiscreteGradients,
  type DiscreteGradientPolicy,
  type DiscreteKernel,
} from './discreteGradientGuard';
export { injectGradient, vjp } from './injectGradient';
export { createRng, type Rng } from './random';
export {
  batchMatMulGradConfig,
  matMulTransposed,
  setTransposeStrategy,
  transposeStrategy,
  type TransposeStrategy,
} from './matMulTransposed';
export { registerGradients } from './register-gradients';
export { uniqueVariableName } from './uniqueVariableName';
export { scaleGradient } from './scaleGradient';
export { sparseSoftmaxCrossEntropy } from './sparseSoftmaxCrossEntropy';
export { stopGradient } from './stopGradient';
export { sumRows } from './sumRows';
export { straightThrough, type StraightThroughGradient } from './straightThrough';
export { withSurrogateGradient } from './withSurrogateGradient';
export { getOptimizerWeights, setOptimizerWeights, type OptimizerWeight } from './optimizerWeights';
export { ownedGradients, releaseGradient } from './gradientOwnership';
export { defineKernelOp, hasKernel, useKernels, type KernelInputs, type KernelOpSpec } from './kernelOp';
export { compositeKernel } from './kernels/compositeKernel';
export {
  fused,
  FusedAdagradOptimizer,
  FusedAdamOptimizer,
  FusedMomentumOptimizer,
  FusedSGDOptimizer,
} from './fusedOptimizers';
export {
  ADAGRAD_UPDATE,
  ADAM_UPDATE,
  applyUpdate,
  MOMENTUM_UPDATE,
  SGD_UPDATE,
  UPDATE_RULES,
  type UpdateAttrs,
  type UpdateConstants,
  type UpdateRule,
} from './optimizerUpdates';
export {
  asWebGpuBackend,
  isWebGpuBackendLike,
  runWgsl,
  workgroupsFor,
  type WebGpuBackendLike,
  type WgslProgram,
} from './kernels/wgslProgram';
export { asWebGlBackend, type WebGlBackendLike, type WebGlProgram } from './kernels/webglProgram';
export { registerKernelsOnce } from './kernels/registerOnce';
export { heapMemory, hostArrays } from './kernels/hostArrays';
export { instantiateOn, instantiateStandalone } from './kernels/simd/instantiate';
export { HostGemm } from './kernels/simd/hostGemm';
