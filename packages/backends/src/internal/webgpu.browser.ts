import * as tf from '@tensorflow/tfjs-core';
import { backendPackage, type PackageImporter } from './backendPackage.browser';
import { markSoftware, messageOf, unavailable, type BackendProvider } from './provider';
import type { BackendStatus } from '../backendNames';

const PACKAGE = '@tensorflow/tfjs-backend-webgpu';

export interface GPUAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}

/** The part of `navigator.gpu` the probe uses. */
export interface GPULike {
  requestAdapter(options?: Record<string, unknown>): Promise<GPUAdapterLike | null>;
}

/** The globals the probe reads (`globalThis` in a browser; a stub in tests). */
export interface WebGPUGlobals {
  navigator?: { gpu?: GPULike };
}

/** `WebGPU on google swiftshader (swiftshader, software)` from an adapter's info. */
export function describeGPUAdapter(adapter: GPUAdapterLike): string {
  const info = adapter.info ?? {};
  const name =
    [info.vendor, info.architecture].filter((s) => s != null && s !== '').join(' ') ||
    info.description ||
    info.device ||
    'an unnamed adapter';
  return markSoftware(`WebGPU on ${name}`);
}

/**
 * WebGPU in the browser: `navigator.gpu` and an adapter (what tfjs's webgpu backend asks for: high performance),
 * through @tensorflow/tfjs-backend-webgpu (an optional dependency of this package, so normally installed).
 */
export function browserWebgpuProvider(
  globals: WebGPUGlobals = globalThis as WebGPUGlobals,
  importer: PackageImporter<unknown> = async () => {
    // inside try: a bundler (esbuild, webpack) then builds an app that left this optional package out
    try {
      return await import('@tensorflow/tfjs-backend-webgpu');
    } catch (error) {
      throw new Error(`import('${PACKAGE}') failed: ${messageOf(error)}`);
    }
  },
): BackendProvider {
  const pkg = backendPackage('webgpu', importer);
  let probed: Promise<BackendStatus> | undefined;
  const probe = async (): Promise<BackendStatus> => {
    const gpu = globals.navigator?.gpu;
    if (gpu == null) {
      return unavailable(
        'webgpu',
        'webgpu',
        'navigator.gpu is missing: this browser offers no WebGPU here (it needs WebGPU turned on and a secure context: https or localhost)',
      );
    }
    let adapter: GPUAdapterLike | null;
    try {
      adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    } catch (error) {
      return unavailable('webgpu', 'webgpu', `navigator.gpu.requestAdapter() failed: ${messageOf(error)}`);
    }
    if (adapter == null) {
      return unavailable(
        'webgpu',
        'webgpu',
        'navigator.gpu.requestAdapter() found no adapter (WebGPU is blocked for this GPU or driver, or turned off)',
      );
    }
    try {
      await pkg.load();
    } catch (error) {
      return unavailable(
        'webgpu',
        'webgpu',
        `${PACKAGE} is not in this bundle (${messageOf(error)}): it is an optional dependency of @gradkit/backends; ` +
          `npm install ${PACKAGE}@${tf.version_core} to use WebGPU`,
      );
    }
    return { name: 'webgpu', tfName: 'webgpu', available: true, device: describeGPUAdapter(adapter) };
  };
  return {
    name: 'webgpu',
    tfName: 'webgpu',
    probe: () => (probed ??= probe()),
    async register() {
      await pkg.register();
    },
  };
}
