import * as tf from '@tensorflow/tfjs-core';

/** A running count of the GPU programs the active backend dispatched; see {@link countGpuPrograms}. */
export interface GpuProgramCounter {
  /** The backend counted (tfjs's name for it). */
  readonly backend: string;
  /** Programs dispatched since the counter started (webgpu: compute dispatches; webgl: draw calls). */
  readonly programs: number;
  /** Stops counting and returns the final count. Calling it again returns the same count. */
  stop(): number;
}

interface Counting {
  listeners: Set<(n: number) => void>;
}

/** webgpu's backend: every program, tfjs's and gradkit's kernels', adds one to `dispatchCountInPass`. */
interface WebGpuLike {
  dispatchCountInPass: number;
  recordAndSubmit: unknown;
}
/** webgl's backend: every program is one `executeProgram` (one draw call) on its GPGPU context. */
interface WebGlLike {
  gpgpu: { executeProgram: (...args: unknown[]) => unknown };
}

const hooked = new WeakMap<object, Counting>();

function isWebGpuLike(b: object): b is WebGpuLike {
  return 'dispatchCountInPass' in b && typeof (b as WebGpuLike).recordAndSubmit === 'function';
}
function isWebGlLike(b: object): b is WebGlLike {
  const gpgpu = (b as Partial<WebGlLike>).gpgpu;
  return gpgpu != null && typeof gpgpu.executeProgram === 'function';
}

/** Installs the counting hook on a backend instance once; later counters share it. */
function hook(backend: object): Counting | null {
  const existing = hooked.get(backend);
  if (existing != null) return existing;
  const counting: Counting = { listeners: new Set() };
  const notify = (n: number) => counting.listeners.forEach((l) => l(n));
  if (isWebGpuLike(backend)) {
    // tfjs's webgpu backend raises dispatchCountInPass by one after each dispatch and sets it to 0 when it submits
    // the queue; gradkit's own WGSL kernels do the same (so tfjs batches their dispatches like its own).
    let value = backend.dispatchCountInPass;
    Object.defineProperty(backend, 'dispatchCountInPass', {
      configurable: true,
      enumerable: true,
      get: () => value,
      set: (next: number) => {
        if (next > value) notify(next - value);
        value = next;
      },
    });
  } else if (isWebGlLike(backend)) {
    const gpgpu = backend.gpgpu;
    const original = gpgpu.executeProgram.bind(gpgpu);
    gpgpu.executeProgram = (...args: unknown[]) => {
      notify(1);
      return original(...args);
    };
  } else {
    return null;
  }
  hooked.set(backend, counting);
  return counting;
}

/** Whether the active backend runs GPU programs that {@link countGpuPrograms} can count (webgpu, webgl). */
export function canCountGpuPrograms(): boolean {
  const b = tf.backend() as unknown as object;
  return hooked.has(b) || isWebGpuLike(b) || isWebGlLike(b);
}

/**
 * Starts counting the GPU programs the active backend dispatches — compute dispatches on webgpu, draw calls on webgl
 * — whoever runs them (tfjs's kernels, gradkit's kernels). A training step's program count is what a GPU step costs
 * beyond its arithmetic: each program has its own JavaScript and driver overhead. Counters may overlap; each counts
 * from its own start.
 *
 * Throws, with the backend's name, on a backend that runs no GPU programs (cpu, wasm, tensorflow).
 *
 * @example
 * await useBackend('webgpu');
 * const counter = countGpuPrograms();
 * optimizer.minimize(loss);
 * console.log(counter.stop(), 'programs per step');
 */
export function countGpuPrograms(): GpuProgramCounter {
  const name = tf.engine().backendName; // for the report and the error message only
  const counting = hook(tf.backend() as unknown as object);
  if (counting == null) {
    throw new Error(
      `countGpuPrograms: backend "${name}" runs no GPU programs, expected a webgpu or webgl backend (tfjs's own or one with their internals)`,
    );
  }
  let programs = 0;
  let stopped = false;
  const listener = (n: number) => {
    programs += n;
  };
  counting.listeners.add(listener);
  return {
    backend: name,
    get programs() {
      return programs;
    },
    stop() {
      if (!stopped) {
        stopped = true;
        counting.listeners.delete(listener);
      }
      return programs;
    },
  };
}
