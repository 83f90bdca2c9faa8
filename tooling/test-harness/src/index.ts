/**
 * @gradkit/test-harness — one test body, every backend. Re-exports jest's API so that a test file imports
 * everything from here.
 */
export { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest, test } from '@jest/globals';
export { parseBackendList, planBackends, readReport, type BackendPlan } from './backendList';
export { describeBackends, type BackendContext, type DescribeBackendsOptions } from './describeBackends';
export {
  checkGradients,
  checkPseudoGradient,
  finiteDifferences,
  type CheckInput,
  type GradientCheckSpec,
  type PseudoGradientSpec,
} from './gradientCheck';
export { disposeFailedGradientTape, expectNoLeaks, variableOf } from './leakCheck';
export { normalValues, randomInput, sizeOf, uniformValues } from './random';
export {
  expectTensorClose,
  expectValuesClose,
  flatten,
  FLOAT32_TOLERANCE,
  takeValues,
  valuesOf,
  type Expected,
  type Tolerance,
} from './tensorMatchers';
/** Counts GPU programs (webgpu dispatches, webgl draws): for tests of fused kernels. */
export { canCountGpuPrograms, countGpuPrograms, type GpuProgramCounter } from '@gradkit/backends';
