import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from '@gradkit/test-harness';
import { browserWebgpuProvider, describeGPUAdapter, type GPUAdapterLike, type WebGPUGlobals } from './webgpu.browser';

const bundled = async () => ({});
const withGpu = (requestAdapter: () => Promise<GPUAdapterLike | null>): WebGPUGlobals => ({
  navigator: { gpu: { requestAdapter } },
});

describe('webgpu in the browser build', () => {
  test('no navigator.gpu: unavailable, naming it and what it needs', async () => {
    for (const globals of [{}, { navigator: {} }] as WebGPUGlobals[]) {
      expect(await browserWebgpuProvider(globals, bundled).probe()).toEqual({
        name: 'webgpu',
        tfName: 'webgpu',
        available: false,
        reason:
          'navigator.gpu is missing: this browser offers no WebGPU here (it needs WebGPU turned on and a secure context: https or localhost)',
      });
    }
  });

  test('no adapter, or requestAdapter failing: unavailable with what happened', async () => {
    expect(
      (
        await browserWebgpuProvider(
          withGpu(async () => null),
          bundled,
        ).probe()
      ).reason,
    ).toBe('navigator.gpu.requestAdapter() found no adapter (WebGPU is blocked for this GPU or driver, or turned off)');
    const failing = withGpu(async () => {
      throw new Error('Adapter request failed\nsecond line');
    });
    expect((await browserWebgpuProvider(failing, bundled).probe()).reason).toBe(
      'navigator.gpu.requestAdapter() failed: Adapter request failed',
    );
  });

  test('an adapter: available, described by its info; asked for as tfjs asks (high performance), once', async () => {
    const asked: unknown[] = [];
    const provider = browserWebgpuProvider(
      {
        navigator: {
          gpu: {
            requestAdapter: async (options) => (
              asked.push(options),
              { info: { vendor: 'google', architecture: 'swiftshader' } }
            ),
          },
        },
      },
      bundled,
    );
    expect(await provider.probe()).toEqual({
      name: 'webgpu',
      tfName: 'webgpu',
      available: true,
      device: 'WebGPU on google swiftshader (swiftshader, software)',
    });
    await provider.probe();
    expect(asked).toEqual([{ powerPreference: 'high-performance' }]);
    expect(describeGPUAdapter({ info: { vendor: 'nvidia', architecture: 'hopper' } })).toBe('WebGPU on nvidia hopper');
    expect(describeGPUAdapter({ info: { vendor: '', description: 'Apple M2' } })).toBe('WebGPU on Apple M2');
    expect(describeGPUAdapter({})).toBe('WebGPU on an unnamed adapter');
  });

  test('the package left out of the bundle: unavailable, naming it', async () => {
    const provider = browserWebgpuProvider(
      withGpu(async () => ({})),
      async () => {
        throw new Error(
          "import('@tensorflow/tfjs-backend-webgpu') failed: Failed to fetch dynamically imported module",
        );
      },
    );
    expect((await provider.probe()).reason).toBe(
      "@tensorflow/tfjs-backend-webgpu is not in this bundle (import('@tensorflow/tfjs-backend-webgpu') failed: Failed to fetch " +
        'dynamically imported module): it is an optional dependency of @gradkit/backends; ' +
        `npm install @tensorflow/tfjs-backend-webgpu@${tf.version_core} to use WebGPU`,
    );
  });
});
