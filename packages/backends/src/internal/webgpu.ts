import {
  dawnSetup,
  describeAdapter,
  hasVulkanLoader,
  loadDawn,
  type AdapterLike,
  type DawnPath,
  type DeviceLike,
  type GPULike,
} from './dawn';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfWebgpu from '@tensorflow/tfjs-backend-webgpu';
import { load, resolve } from './load';
import { messageOf, unavailable, type BackendProvider } from './provider';
import type { BackendStatus } from '../backendNames';

/**
 * WebGPU through Dawn's Node bindings. `GRADKIT_WEBGPU` chooses the path: `auto` (default: a Vulkan GPU, else
 * Mesa's OpenGL ES software rasterizer), `vulkan`, `opengles`, or `off`.
 */
interface Found {
  path: DawnPath;
  gpu: GPULike;
  adapterOptions: Record<string, unknown>;
  device: string;
}

/** How a user adds WebGPU in Node (README: "WebGPU in Node"). */
export const DAWN_INSTALL = 'npm install webgpu@0.6.2 to use WebGPU in Node';

let probed: Found | string | undefined;
let liveDevice: DeviceLike | undefined;
let registered = false;

function paths(): DawnPath[] | string {
  const choice = (process.env.GRADKIT_WEBGPU ?? 'auto').toLowerCase();
  if (choice === 'off') return 'disabled by GRADKIT_WEBGPU=off';
  if (choice === 'vulkan' || choice === 'opengles') return [choice];
  if (choice !== 'auto') return `GRADKIT_WEBGPU=${choice} is not one of auto, vulkan, opengles, off`;
  return ['vulkan', 'opengles'];
}

async function findAdapter(): Promise<Found | string> {
  const wanted = paths();
  if (typeof wanted === 'string') return wanted;
  try {
    resolve('@tensorflow/tfjs-backend-webgpu');
  } catch {
    return '@tensorflow/tfjs-backend-webgpu is not installed';
  }
  try {
    resolve('webgpu/package.json');
  } catch {
    return `npm "webgpu" (Dawn's Node bindings, ~130 MB) is not installed: it is an optional peer dependency; ${DAWN_INSTALL}`;
  }
  let dawn;
  try {
    dawn = loadDawn();
  } catch (error) {
    return `Dawn's Node bindings (npm "webgpu") cannot be loaded: ${messageOf(error)}`;
  }
  const tried: string[] = [];
  for (const path of wanted) {
    if (path === 'vulkan' && !hasVulkanLoader()) {
      tried.push('vulkan: no Vulkan loader (libvulkan.so.1)');
      continue;
    }
    const { flags, adapterOptions } = dawnSetup(path);
    try {
      const gpu = dawn.create(flags);
      const adapter = await gpu.requestAdapter(adapterOptions);
      if (adapter == null) {
        tried.push(`${path}: no adapter`);
        continue;
      }
      Object.assign(globalThis, dawn.globals);
      return { path, gpu, adapterOptions, device: describeAdapter(path, adapter) };
    } catch (error) {
      tried.push(`${path}: ${messageOf(error)}`);
    }
  }
  return `no WebGPU adapter found (${tried.join('; ')})`;
}

/** Installs `navigator.gpu` (tfjs's webgpu backend registers itself only if it exists at import time). */
function installNavigatorGpu(gpu: GPULike, adapterOptions: Record<string, unknown>): void {
  const wrapped: GPULike = {
    requestAdapter: (options) => gpu.requestAdapter({ ...(options ?? {}), ...adapterOptions }),
    getPreferredCanvasFormat: () => 'rgba8unorm',
    wgslLanguageFeatures: gpu.wgslLanguageFeatures,
  };
  const g = globalThis as { navigator?: object };
  if (g.navigator == null) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: wrapped }, configurable: true, writable: true });
  } else {
    Object.defineProperty(g.navigator, 'gpu', { value: wrapped, configurable: true, writable: true });
  }
}

export const webgpuProvider: BackendProvider = {
  name: 'webgpu',
  tfName: 'webgpu',
  async probe(): Promise<BackendStatus> {
    probed ??= await findAdapter();
    if (typeof probed === 'string') return unavailable('webgpu', 'webgpu', probed);
    return { name: 'webgpu', tfName: 'webgpu', available: true, device: probed.device };
  },
  async register() {
    if (registered) return;
    if (probed == null || typeof probed === 'string')
      throw new Error('webgpu: register() called before a successful probe()');
    const { gpu, adapterOptions } = probed;
    installNavigatorGpu(gpu, adapterOptions);
    const { WebGPUBackend } = load<typeof tfWebgpu>('@tensorflow/tfjs-backend-webgpu');
    // Replace the package's own factory with one that keeps the device, so release() can destroy it (a live
    // Dawn device keeps Node running) and so the adapter is requested with the options that found it.
    if (tf.findBackendFactory('webgpu') != null) tf.removeBackend('webgpu');
    tf.registerBackend(
      'webgpu',
      async () => {
        const adapter = (await gpu.requestAdapter(adapterOptions)) as AdapterLike;
        const limits = adapter.limits;
        const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
        const device = await adapter.requestDevice({
          requiredFeatures,
          requiredLimits: {
            maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
            maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
            maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
            maxBufferSize: limits.maxBufferSize,
            maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
            maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
          },
        });
        liveDevice = device;
        return new WebGPUBackend(device as never, adapter.info as never);
      },
      0,
    );
    registered = true;
  },
  release() {
    if (liveDevice == null) return;
    if (tf.engine().registry.webgpu != null) tf.removeBackend('webgpu');
    liveDevice.destroy();
    liveDevice = undefined;
    registered = false;
  },
};
