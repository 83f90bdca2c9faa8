import { cpuProvider } from './cpu';
import type { BackendProvider } from './provider';
import { tensorflowNodeProvider } from './tensorflowNode';
import { wasmProvider } from './wasm';
import { webglProvider } from './webgl';
import { webgpuProvider } from './webgpu';
import type { BackendName } from '../backendNames';

/** Every provider of the Node build, in the order {@link availableBackends} lists them (browser: providers.browser.ts). */
export const providers: Record<BackendName, BackendProvider> = {
  cpu: cpuProvider,
  wasm: wasmProvider,
  webgl: webglProvider,
  webgpu: webgpuProvider,
  tensorflow: tensorflowNodeProvider('tensorflow'),
  'tensorflow-gpu': tensorflowNodeProvider('tensorflow-gpu'),
};
