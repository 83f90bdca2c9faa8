import type * as tf from '@tensorflow/tfjs-core';

/**
 * What a kernel needs of a backend that keeps tensors in host memory (tfjs's cpu and wasm): a float32 tensor's
 * values as an array it may read without a copy, and a new float32 output it may fill in place. Typed by what the
 * backends offer, not by their names: wasm's heap views (`typedArrayFromHeap`, `makeOutput`), else `readSync` and
 * `write` (cpu's `readSync` returns its own array, no copy).
 */
export interface HeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}
interface PlainHostBackend {
  readSync(dataId: object): tf.BackendValues;
  write(values: tf.BackendValues, shape: number[], dtype: tf.DataType): object;
}

export function isHeapBackend(b: unknown): b is HeapBackend {
  const h = b as Partial<HeapBackend>;
  return typeof h.typedArrayFromHeap === 'function' && typeof h.makeOutput === 'function';
}

/**
 * Float32 outputs of `shape` to fill, then read-only views of `inputs` — in that order, because making an output may
 * grow wasm's heap, which detaches views taken before. Fill `outputs`, then call `finish()` for the output tensors
 * (on a backend without heap views the arrays are written then, so a backend that copies on write gets the values).
 * The views are valid until the next allocation on the backend.
 */
export function hostArrays(
  backend: unknown,
  inputs: tf.TensorInfo[],
  outputShapes: number[][],
): { inputs: Float32Array[]; outputs: Float32Array[]; finish: () => tf.TensorInfo[] } {
  if (isHeapBackend(backend)) {
    const infos = outputShapes.map((shape) => backend.makeOutput(shape, 'float32'));
    return {
      outputs: infos.map((info) => backend.typedArrayFromHeap(info) as Float32Array),
      inputs: inputs.map((t) => backend.typedArrayFromHeap(t) as Float32Array),
      finish: () => infos,
    };
  }
  const plain = backend as PlainHostBackend;
  const outputs = outputShapes.map((shape) => new Float32Array(shape.reduce((a, b) => a * b, 1)));
  return {
    outputs,
    inputs: inputs.map((t) => plain.readSync(t.dataId) as Float32Array),
    finish: () =>
      outputs.map((values, k) => {
        const shape = outputShapes[k] as number[];
        return { dataId: plain.write(values, shape, 'float32'), shape, dtype: 'float32' as const };
      }),
  };
}

/**
 * The `WebAssembly.Memory` that holds a backend's tensors, where the backend is an Emscripten module exporting it
 * (tfjs's wasm backend: `backend.wasm.asm.memory`), else null. Kernels instantiated on it (kernels/simd) work on the
 * tensors in place, at the byte offsets of their heap views.
 */
export function heapMemory(backend: unknown): object | null {
  const wasm = (backend as { wasm?: { asm?: { memory?: unknown }; wasmMemory?: unknown } } | null)?.wasm;
  const memory = wasm?.asm?.memory ?? wasm?.wasmMemory;
  const api = (globalThis as { WebAssembly?: { Memory?: new (...args: never[]) => object } }).WebAssembly;
  return memory != null && api?.Memory != null && memory instanceof api.Memory ? (memory as object) : null;
}
