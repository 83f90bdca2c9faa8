// browser-tests: node-only — drives setWasmLocation before any wasm backend exists; a test page has set up wasm already
import { describe, expect, test } from '@gradkit/test-harness';
import { browserWasmProvider, type WasmPackage } from './wasm.browser';
import { setWasmLocation } from '../setWasmLocation';

// One sequence: the location is module state, as it is in an app.
describe('wasm in the browser build', () => {
  const paths: string[] = [];
  const tfjsWasm: WasmPackage = { setWasmPaths: (prefix) => void paths.push(prefix as string) };
  const provider = browserWasmProvider({ WebAssembly: {} }, async () => tfjsWasm);

  test('no WebAssembly: unavailable, saying so', async () => {
    expect(await browserWasmProvider({}, async () => tfjsWasm).probe()).toEqual({
      name: 'wasm',
      tfName: 'wasm',
      available: false,
      reason: 'this browser has no WebAssembly',
    });
  });

  test('without a location: available, the binaries fetched from next to the bundle (tfjs’s default)', async () => {
    expect((await provider.probe()).device).toBe(
      "WebAssembly (XNNPACK), .wasm files from the folder of the script tfjs-backend-wasm was bundled into (tfjs's default)",
    );
  });

  test('setWasmLocation: the folder (a trailing / added) goes to setWasmPaths when the backend registers', async () => {
    setWasmLocation('https://example.com/assets/tfjs-wasm');
    expect(paths).toEqual([]);
    expect((await provider.probe()).device).toBe(
      'WebAssembly (XNNPACK), .wasm files from https://example.com/assets/tfjs-wasm/',
    );
    await provider.register();
    expect(paths).toEqual(['https://example.com/assets/tfjs-wasm/']);
  });

  test('a later location goes to setWasmPaths at once; a URL is taken as its text', () => {
    setWasmLocation(new URL('https://cdn.example.com/wasm/'));
    expect(paths).toEqual(['https://example.com/assets/tfjs-wasm/', 'https://cdn.example.com/wasm/']);
  });

  test('the reason when tfjs cannot initialize names the folder', () => {
    expect(provider.initFailureHint?.()).toBe(
      "its .wasm files did not load from https://cdn.example.com/wasm/: serve the .wasm files of @tensorflow/tfjs-backend-wasm's " +
        "dist/ folder there, or call setWasmLocation(url) with a folder that has them before useBackend('wasm')",
    );
  });

  test('a location tfjs refuses (it already tried to initialize) is an error that says to call it earlier', () => {
    tfjsWasm.setWasmPaths = () => {
      throw new Error('The WASM backend was already initialized.');
    };
    expect(() => setWasmLocation('/late/')).toThrow(
      'setWasmLocation("/late/") came too late: tfjs-backend-wasm refused it (The WASM backend was already initialized.); ' +
        "call it before useBackend('wasm')",
    );
  });

  test('an empty location is an error', () => {
    expect(() => setWasmLocation(' ')).toThrow(
      "setWasmLocation: expected the URL of a folder that serves tfjs-backend-wasm's .wasm files, got an empty string",
    );
  });
});
