import { browserCpuProvider } from './cpu.browser';
import { unavailableProvider, type BackendProvider } from './provider';
import { browserWasmProvider } from './wasm.browser';
import { browserWebglProvider } from './webgl.browser';
import { browserWebgpuProvider } from './webgpu.browser';
import type { BackendName } from '../backendNames';

const nodeOnly = (pkg: string) => `${pkg} is a Node addon (libtensorflow): it does not run in a browser`;

/**
 * Every provider of the browser build (the `browser` export condition), in the order {@link availableBackends}
 * lists them. The build resolves `./internal/providers` to this file (see tsup.config.ts), so nothing of the Node
 * providers (Dawn, tfjs-node, `node:` modules) is in it.
 */
export const providers: Record<BackendName, BackendProvider> = {
  cpu: browserCpuProvider(),
  wasm: browserWasmProvider(),
  webgl: browserWebglProvider(),
  webgpu: browserWebgpuProvider(),
  tensorflow: unavailableProvider('tensorflow', 'tensorflow', nodeOnly('@tensorflow/tfjs-node')),
  'tensorflow-gpu': unavailableProvider('tensorflow-gpu', 'tensorflow', nodeOnly('@tensorflow/tfjs-node-gpu')),
};
