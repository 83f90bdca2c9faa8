// browser-tests: node-only — runs the browser providers in Node with stand-in globals and jest module mocks
// The browser build's contract, run in Node: useBackend, availableBackends and availableBackendNames with the
// browser providers (what the `browser` export condition's bundle resolves ./internal/providers to). Node's globals
// stand in for a browser without WebGL or WebGPU: no document, OffscreenCanvas or navigator.gpu; WebAssembly exists.
// cpu and wasm load their real packages; wasm reads its binaries from the folder setWasmLocation names.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from '@gradkit/test-harness';
import * as backends from '../index';

// jest's global (not the harness's re-export), so that the mock is hoisted above the imports: every module that
// imports ./providers, the harness's copy of @gradkit/backends included, gets the browser providers.
jest.mock('./providers', () => jest.requireActual('./providers.browser'));

describe('the browser build in a browser without WebGL and WebGPU', () => {
  test('availableBackends lists every name, each unavailable one with the reason; probing registers nothing', async () => {
    const before = Object.keys(tf.engine().registryFactory).sort();
    const report = await backends.availableBackends();
    expect(Object.keys(tf.engine().registryFactory).sort()).toEqual(before);
    expect(report.map((s) => s.name)).toEqual([...backends.BACKEND_NAMES]);
    expect(Object.fromEntries(report.map((s) => [s.name, s.available ? 'available' : s.reason]))).toEqual({
      cpu: 'available',
      wasm: 'available',
      webgl: 'no canvas here: neither OffscreenCanvas nor document exists (a browser page or worker has them)',
      webgpu:
        'navigator.gpu is missing: this browser offers no WebGPU here (it needs WebGPU turned on and a secure context: https or localhost)',
      tensorflow: '@tensorflow/tfjs-node is a Node addon (libtensorflow): it does not run in a browser',
      'tensorflow-gpu': '@tensorflow/tfjs-node-gpu is a Node addon (libtensorflow): it does not run in a browser',
    });
    expect(await backends.availableBackendNames()).toEqual(['cpu', 'wasm']);
  });

  test('the same errors as in Node: UnknownBackendError for a bad name, BackendUnavailableError with the reason', async () => {
    await expect(backends.useBackend('gpu')).rejects.toThrow(
      new backends.UnknownBackendError(
        'Unknown backend "gpu": expected one of cpu, wasm, webgl, webgpu, tensorflow, tensorflow-gpu',
      ),
    );
    for (const name of ['webgl', 'webgpu', 'tensorflow']) {
      const error = await backends.useBackend(name).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(backends.BackendUnavailableError);
      const status = (error as backends.BackendUnavailableError).status;
      expect(status).toMatchObject({ name, available: false });
      expect((error as Error).message).toBe(`Backend "${name}" is unavailable: ${status.reason}`);
    }
  });

  test('wasm whose .wasm files are not where setWasmLocation says: unavailable, naming the folder', async () => {
    backends.setWasmLocation('/nonexistent/tfjs-wasm');
    // emscripten and tfjs print the failed fetch; the error below is what a user handles
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const error = await backends
      .useBackend('wasm')
      .catch((e: unknown) => e)
      .finally(() => warn.mockRestore());
    expect(error).toBeInstanceOf(backends.BackendUnavailableError);
    expect((error as Error).message).toBe(
      'Backend "wasm" is unavailable: tfjs could not initialize backend "wasm": its .wasm files did not load from ' +
        "/nonexistent/tfjs-wasm/: serve the .wasm files of @tensorflow/tfjs-backend-wasm's dist/ folder there, or call " +
        "setWasmLocation(url) with a folder that has them before useBackend('wasm')",
    );
    expect(() => backends.setWasmLocation('/elsewhere/')).toThrow(
      /^setWasmLocation\("\/elsewhere\/"\) came too late: /,
    );
  });

  test('cpu: selected, and a gradient is right there', async () => {
    expect(await backends.useBackend('cpu')).toMatchObject({ name: 'cpu', available: true });
    expect(tf.getBackend()).toBe('cpu');
    const x = tf.tensor1d([1, -2]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.square(v)))(x);
    expect(Array.from(await g.data())).toEqual([2, -4]);
    tf.dispose([x, g]);
  });
});
