// Gradients and chained ops for tfjs-core's Node build: whoever selects a backend through gradkit can train.
// The browser build (`browser` export condition) is this module with browser providers: see tsup.config.ts.
import '@gradkit/core';

export {
  BACKEND_NAMES,
  BackendUnavailableError,
  UnknownBackendError,
  assertBackendName,
  isBackendName,
} from './backendNames';
export type { BackendName, BackendStatus } from './backendNames';
export { availableBackendNames, availableBackends } from './availableBackends';
export { releaseBackends, useBackend } from './useBackend';
export { setWasmLocation } from './setWasmLocation';
export { canCountGpuPrograms, countGpuPrograms } from './countGpuPrograms';
export { makeWebGpuMatMulDeterministic } from './internal/webgpuDeterministicMatMul';
export { makeWasmIdentityShared } from './internal/wasmSharedIdentity';
export type { GpuProgramCounter } from './countGpuPrograms';
