import * as tf from '@tensorflow/tfjs-core';
import { registerGradients } from '@gradkit/core';
import { assertBackendName, BackendUnavailableError, type BackendStatus } from './backendNames';
import { providers } from './internal/providers';
import { makeWasmIdentityShared } from './internal/wasmSharedIdentity';
import { makeWebGpuMatMulDeterministic } from './internal/webgpuDeterministicMatMul';

/**
 * Selects a backend for all following tfjs work: registers it if needed, awaits its initialization, and
 * resolves with its status (what it runs on). Rejects with a one-line error for an unknown name, and with a
 * {@link BackendUnavailableError} that gives the reason for one that cannot run here.
 *
 * @example
 * await useBackend('wasm');           // tf.getBackend() === 'wasm'
 * await useBackend('tensorflow');     // BackendUnavailableError: ... @tensorflow/tfjs-node is not installed ...
 * await useBackend('webgl');          // in Node: BackendUnavailableError: ... WebGL needs a browser ...
 */
export async function useBackend(name: string): Promise<BackendStatus> {
  assertBackendName(name);
  const provider = providers[name];
  const status = await provider.probe();
  if (!status.available) throw new BackendUnavailableError(status);
  await provider.register();
  const ok = await tf.setBackend(provider.tfName);
  if (!ok) {
    const hint = provider.initFailureHint?.();
    throw new BackendUnavailableError({
      ...status,
      available: false,
      reason: `tfjs could not initialize backend "${provider.tfName}"${hint == null ? '' : `: ${hint}`}`,
    });
  }
  await tf.ready();
  // Anything imported after @gradkit/core that registers tfjs's stock gradients (tfjs-layers imports
  // tfjs-core's register_all_gradients) replaces gradkit's BatchMatMul gradient and discrete-gradient guard:
  // put them back, so that the backend runs with the gradients this library documents.
  registerGradients();
  // tfjs-webgpu's split-K products add with atomics, in an order that varies: same inputs, different last bits
  if (provider.tfName === 'webgpu') makeWebGpuMatMulDeterministic(provider.tfName);
  // tfjs-wasm's Identity copies; the tape clones every saved tensor through it
  if (provider.tfName === 'wasm') makeWasmIdentityShared(provider.tfName);
  if (name === 'cpu') {
    // tfjs-backend-cpu prints "install our node backend" on first use; availableBackends() already says why
    // tfjs-node is or is not available, so the notice is dropped.
    const backend = tf.backend() as unknown as { firstUse?: boolean };
    if (backend.firstUse === true) backend.firstUse = false;
  }
  return status;
}

/**
 * Releases native resources held by backends (the WebGPU device), so that Node can exit; call it when a
 * program is done with tfjs. The released backends are unregistered; {@link useBackend} registers them again.
 */
export function releaseBackends(): void {
  for (const provider of Object.values(providers)) provider.release?.();
}
