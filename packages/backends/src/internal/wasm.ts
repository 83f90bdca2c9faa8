import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { load, resolve } from './load';
import { messageOf, unavailable, type BackendProvider } from './provider';

const PACKAGE = '@tensorflow/tfjs-backend-wasm';

/**
 * WebAssembly (XNNPACK, SIMD) backend. In Node the .wasm binaries are read from node_modules, so no network
 * access and no `setWasmPaths` are needed. tfjs turns multithreading off in Node; this runs on one thread.
 */
export const wasmProvider: BackendProvider = {
  name: 'wasm',
  tfName: 'wasm',
  async probe() {
    if (typeof (globalThis as { WebAssembly?: unknown }).WebAssembly !== 'object')
      return unavailable('wasm', 'wasm', 'this JavaScript runtime has no WebAssembly');
    let dist: string;
    try {
      dist = join(dirname(resolve(`${PACKAGE}/package.json`)), 'dist');
    } catch (error) {
      return unavailable('wasm', 'wasm', `${PACKAGE} cannot be resolved (${messageOf(error)})`);
    }
    const binary = join(dist, 'tfjs-backend-wasm-simd.wasm');
    if (!existsSync(binary)) return unavailable('wasm', 'wasm', `missing ${binary}`);
    return { name: 'wasm', tfName: 'wasm', available: true, device: 'WebAssembly SIMD (XNNPACK), one thread' };
  },
  async register() {
    load(PACKAGE);
  },
};
