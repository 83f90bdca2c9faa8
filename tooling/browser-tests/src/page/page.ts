/**
 * The page's entry, bundled once per test file with the file itself imported last (run.mjs): sets the backend named
 * in the URL, runs the file's tests, and hands the results to the Node side through `window.__gradkitDone`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { makeWasmIdentityShared, makeWebGpuMatMulDeterministic } from '@gradkit/backends';
import { registeredTests, runAll, type TestResult } from './runner';

declare global {
  interface Window {
    __gradkitDone?: (report: { total: number; results: TestResult[]; device: string; nodeOnly?: string }) => void;
    __gradkitStarted?: (title: string) => void;
  }
}

/** Sets the URL's backend; returns what it runs on, or why it cannot run. */
export async function prepareBackend(): Promise<void> {
  const name = new URL(location.href).searchParams.get('backend') ?? 'cpu';
  setWasmPaths('/wasm/');
  let unavailable: string | null = null;
  let device: string = name;
  try {
    if (!(await tf.setBackend(name))) unavailable = `tfjs could not initialize ${name} in this browser`;
    await tf.ready();
    // what useBackend does in Node and in a user's page (the page sets the backend itself)
    if (name === 'webgpu') makeWebGpuMatMulDeterministic('webgpu');
    if (name === 'wasm') makeWasmIdentityShared('wasm');
    if (name === 'webgl') {
      const gl = document.createElement('canvas').getContext('webgl2');
      const info = gl?.getExtension('WEBGL_debug_renderer_info');
      device = `WebGL2 ${info ? gl?.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl?.getParameter(gl.RENDERER)}`;
    } else if (name === 'webgpu') {
      const gpu = (
        navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string> } | null> } }
      ).gpu;
      const adapter = await gpu?.requestAdapter();
      device = `WebGPU ${adapter?.info?.vendor ?? ''} ${adapter?.info?.architecture ?? ''}`.trim();
    }
  } catch (e) {
    unavailable = `${name} failed to initialize: ${(e as Error).message}`;
  }
  globalThis.__gradkitBrowserBackend = { name, device, unavailable };
}

/** A test file that failed to load: one failed result naming the error. */
export function reportLoadError(error: unknown): void {
  if ((error as { nodeOnly?: boolean } | null)?.nodeOnly === true) {
    window.__gradkitDone?.({ total: 0, results: [], device: '', nodeOnly: (error as Error).message });
    return;
  }
  const text = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  window.__gradkitDone?.({
    total: 1,
    results: [{ title: '(the test file failed to load)', status: 'failed', error: text, ms: 0 }],
    device: globalThis.__gradkitBrowserBackend?.device ?? '',
  });
}

export async function runPage(): Promise<void> {
  const results: TestResult[] = [];
  await runAll(
    (r) => results.push(r),
    (title) => window.__gradkitStarted?.(title),
  );
  window.__gradkitDone?.({
    total: registeredTests(),
    results,
    device: globalThis.__gradkitBrowserBackend?.device ?? '',
  });
}
