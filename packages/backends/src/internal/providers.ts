import { cpuProvider } from './cpu';
import type { BackendProvider } from './provider';
import { tensorflowNodeProvider } from './tensorflowNode';
import { wasmProvider } from './wasm';
import { webgpuProvider } from './webgpu';
import type { BackendName } from '../backendNames';

/** Every provider, in the order {@link availableBackends} lists them. */
export const providers: Record<BackendName, BackendProvider> = {
  cpu: cpuProvider,
  wasm: wasmProvider,
  webgpu: webgpuProvider,
  tensorflow: tensorflowNodeProvider('tensorflow'),
  'tensorflow-gpu': tensorflowNodeProvider('tensorflow-gpu'),
};
