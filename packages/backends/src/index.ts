// Gradients and chained ops for tfjs-core's Node build: whoever selects a backend through gradkit can train.
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
