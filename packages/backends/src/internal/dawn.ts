import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { load, resolve } from './load';

/**
 * Dawn's Node bindings (npm `webgpu`), loaded from the native addon directly. The package's own index.js is an
 * ES module, which CommonJS code (and jest) cannot require on every Node 20 release; the addon exports the same
 * `create` and `globals`.
 */
export interface DawnBindings {
  create(flags: string[]): GPULike;
  globals: Record<string, unknown>;
}

/** The part of `navigator.gpu` that tfjs's webgpu backend uses. */
export interface GPULike {
  requestAdapter(options?: Record<string, unknown>): Promise<AdapterLike | null>;
  getPreferredCanvasFormat?(): string;
  wgslLanguageFeatures?: unknown;
}

export interface AdapterLike {
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  requestDevice(descriptor?: Record<string, unknown>): Promise<DeviceLike>;
}

export interface DeviceLike {
  destroy(): void;
}

/** Where a working adapter was found. */
export type DawnPath = 'vulkan' | 'opengles';

export function loadDawn(): DawnBindings {
  const root = dirname(resolve('webgpu/package.json'));
  const arch = process.platform === 'darwin' ? 'universal' : process.arch;
  const addon = join(root, 'dist', `${process.platform}-${arch}`, 'dawn.node');
  if (!existsSync(addon)) throw new Error(`npm "webgpu" has no Dawn build for ${process.platform}-${arch} (${addon})`);
  return load<DawnBindings>(addon);
}

/** Whether a Vulkan loader is installed; without one Dawn's Vulkan backend only prints a warning and finds nothing. */
export function hasVulkanLoader(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/lib/x86_64-linux-gnu',
    '/usr/local/lib',
  ];
  return dirs.some((dir) => existsSync(join(dir, 'libvulkan.so.1')));
}

/** Options that make Dawn find an adapter on `path`. */
export function dawnSetup(path: DawnPath): { flags: string[]; adapterOptions: Record<string, unknown> } {
  if (path === 'vulkan') return { flags: ['backend=vulkan'], adapterOptions: { powerPreference: 'high-performance' } };
  // Mesa's llvmpipe through EGL without a display; Dawn exposes OpenGL ES only at the compatibility level.
  if (process.env.EGL_PLATFORM == null) process.env.EGL_PLATFORM = 'surfaceless';
  return { flags: ['backend=opengles'], adapterOptions: { featureLevel: 'compatibility' } };
}

export function describeAdapter(path: DawnPath, adapter: AdapterLike): string {
  const info = adapter.info ?? {};
  const name = info.description || info.device || info.vendor || 'an unnamed adapter';
  const software = /llvmpipe|lavapipe|swiftshader|softpipe/i.exec(`${info.device ?? ''} ${info.description ?? ''}`);
  return `Dawn ${path} on ${name}${software ? ` (${software[0].toLowerCase()}, software)` : ''}`;
}
