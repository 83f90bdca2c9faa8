import * as tf from '@tensorflow/tfjs-core';
import type * as tfWasm from '@tensorflow/tfjs-backend-wasm';
import { backendPackage, type PackageImporter } from './backendPackage.browser';
import { messageOf, unavailable, type BackendProvider } from './provider';
import { onWasmLocation, wasmLocation } from '../setWasmLocation';

/** The part of tfjs-backend-wasm the provider uses. */
export type WasmPackage = Pick<typeof tfWasm, 'setWasmPaths'>;

/** The globals the probe reads (`globalThis` in a browser; a stub in tests). */
export interface WasmGlobals {
  WebAssembly?: unknown;
}

/** Where tfjs will fetch the .wasm files from, in words. */
function where(): string {
  return wasmLocation() ?? "the folder of the script tfjs-backend-wasm was bundled into (tfjs's default)";
}

/**
 * WebAssembly (XNNPACK) in the browser. tfjs fetches its `.wasm` binaries when the backend initializes, from the
 * folder set by {@link setWasmLocation} (handed to tfjs-backend-wasm's `setWasmPaths`), else from next to the
 * bundled script; if they are not there, {@link useBackend} rejects with a reason that names the folder.
 */
export function browserWasmProvider(
  globals: WasmGlobals = globalThis as WasmGlobals,
  importer: PackageImporter<WasmPackage> = () => import('@tensorflow/tfjs-backend-wasm'),
): BackendProvider {
  const pkg = backendPackage('wasm', importer);
  const initialized = () => tf.engine().registry['wasm'] != null;
  return {
    name: 'wasm',
    tfName: 'wasm',
    async probe() {
      if (typeof globals.WebAssembly !== 'object')
        return unavailable('wasm', 'wasm', 'this browser has no WebAssembly');
      return {
        name: 'wasm',
        tfName: 'wasm',
        available: true,
        device: `WebAssembly (XNNPACK), .wasm files from ${where()}`,
      };
    },
    async register() {
      const wasm = await pkg.register();
      const folder = onWasmLocation((later) => {
        const tooLate = (why: string) =>
          new Error(
            `setWasmLocation(${JSON.stringify(later)}) came too late: ${why}; call it before useBackend('wasm')`,
          );
        if (initialized()) throw tooLate('the wasm backend has already loaded its .wasm files');
        try {
          wasm.setWasmPaths(later);
        } catch (error) {
          throw tooLate(`tfjs-backend-wasm refused it (${messageOf(error)})`);
        }
      });
      // an app that initialized wasm by itself already chose its files: tfjs would ignore the location
      if (folder != null && !initialized()) wasm.setWasmPaths(folder);
    },
    initFailureHint() {
      return (
        `its .wasm files did not load from ${where()}: serve the .wasm files of @tensorflow/tfjs-backend-wasm's dist/ ` +
        "folder there, or call setWasmLocation(url) with a folder that has them before useBackend('wasm')"
      );
    },
  };
}
